"""Image files around a dataset: sizes from headers, unique flat names, copying or linking into an export."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

PLACEMENTS = ("copy", "link")


def image_size(path: Path) -> tuple[int, int] | None:
    """Width and height as shown in the annotator (after EXIF orientation), or None if unreadable."""
    # Imported here: the image stack (Qt, OpenCV) is needed only when a dataset does not give sizes.
    from app.imaging.loader import ImageLoadError, probe

    try:
        info = probe(path)
    except (ImageLoadError, OSError):
        return None
    return info.width, info.height


def flat_names(paths: Iterable[str]) -> list[str]:
    """A unique file name per project-relative path, with unique stems too (VOC and YOLO pair files by stem).

    The base name is kept where its stem is unique; clashes get the folders folded in, then a number.
    """
    paths = [PurePosixPath(p) for p in paths]
    counts: dict[str, int] = {}
    for p in paths:
        counts[p.stem.lower()] = counts.get(p.stem.lower(), 0) + 1
    taken: set[str] = set()
    out: list[str] = []
    for p in paths:
        folders = [x for x in p.parent.parts if x not in ("..", ".", "/")]
        name = "__".join([*folders, p.name]) if counts[p.stem.lower()] > 1 and folders else p.name
        stem, suffix, n = PurePosixPath(name).stem, PurePosixPath(name).suffix, 1
        while stem.lower() in taken:
            n += 1
            stem = f"{PurePosixPath(name).stem}-{n}"
        taken.add(stem.lower())
        out.append(stem + suffix)
    return out


def place(src: Path, dst: Path, how: str) -> None:
    """Put the image `src` at `dst`: a copy, or a link (symbolic, else hard, else a copy)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    if how == "link":
        try:
            os.symlink(src.resolve(), dst)
            return
        except OSError:
            pass
        try:
            os.link(src, dst)
            return
        except OSError:
            pass
    shutil.copy2(src, dst)


def relative_to_root(path: Path, root: Path) -> str:
    """POSIX path of `path` relative to the project folder (absolute when on another drive)."""
    try:
        return Path(os.path.relpath(path.absolute(), root.absolute())).as_posix()
    except ValueError:
        return path.absolute().as_posix()


def relative_paths(paths: Iterable[Path], root: Path) -> Iterator[str]:
    """`relative_to_root` of each path. A path plainly under the root (nearly every image of a dataset) is
    cut by string, an eighth of the time; any other (`..`, `.`, another drive) goes the long way."""
    base = str(root.absolute())
    prefix = base if base.endswith(os.sep) else base + os.sep
    for path in paths:
        text = str(path)
        if text.startswith(prefix):
            parts = text[len(prefix) :].split(os.sep)
            if all(part not in ("", ".", "..") for part in parts) and (
                os.altsep is None or os.altsep not in text
            ):
                yield "/".join(parts)
                continue
        yield relative_to_root(path, root)
