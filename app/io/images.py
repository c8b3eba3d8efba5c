"""Image files around a dataset: sizes from headers, unique flat names, copying or linking into an export."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

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
    Paths are split as PurePosixPath splits them, by string: a 100,000-image export makes no path objects.
    """
    split = [_folders_and_name(p) for p in paths]
    counts: dict[str, int] = {}
    for _folders, base in split:
        stem = _stem_suffix(base)[0].lower()
        counts[stem] = counts.get(stem, 0) + 1
    taken: set[str] = set()
    out: list[str] = []
    for folders, base in split:
        name = "__".join([*folders, base]) if counts[_stem_suffix(base)[0].lower()] > 1 and folders else base
        first, suffix = _stem_suffix(name)
        stem, n = first, 1
        while stem.lower() in taken:
            n += 1
            stem = f"{first}-{n}"
        taken.add(stem.lower())
        out.append(stem + suffix)
    return out


def _folders_and_name(path: str) -> tuple[list[str], str]:
    """PurePosixPath(path).name and its parent's parts but '..', '.' and '/'. The root '//' is a part of
    its own, and folds in as an empty folder (pathlib then reads the folded name from behind that root)."""
    parts = [x for x in path.split("/") if x not in ("", ".")]
    root = [""] if path.startswith("//") and not path.startswith("///") else []
    return [*root, *(x for x in parts[:-1] if x != "..")], parts[-1] if parts else ""


def _stem_suffix(name: str) -> tuple[str, str]:
    """PurePosixPath(name).stem and .suffix."""
    i = name.rfind(".")
    return (name[:i], name[i:]) if 0 < i < len(name) - 1 else (name, "")


class Folders:
    """What one export learned of folders, so that thousands of images do not each make their folder and
    resolve every folder of their path again: the folders made, and each source folder's real path."""

    def __init__(self) -> None:
        self.made: set[str] = set()
        self.real: dict[str, str] = {}

    def make(self, folder: Path) -> None:
        key = str(folder)
        if key not in self.made:
            folder.mkdir(parents=True, exist_ok=True)
            self.made.add(key)

    def resolve(self, src: Path) -> str:
        """`src.resolve()`: a file that is no link is its folder's real path and its name."""
        if os.path.islink(src):
            return str(src.resolve())
        parent, name = os.path.split(src)
        real = self.real.get(parent)
        if real is None:
            real = self.real[parent] = os.path.realpath(parent)
        return os.path.join(real, name)


def place(src: Path, dst: Path, how: str, folders: Folders | None = None) -> None:
    """Put the image `src` at `dst`: a copy, or a link. A hard link first: it makes no new file (creating
    thousands of symbolic links can take a second on a disk where many files were just deleted), needs no
    privilege on Windows, and still works when the original is moved; a symbolic link where the image is
    on another disk; a copy where neither can be made. `folders`: kept by the caller over one export."""
    folders = folders or Folders()
    folders.make(dst.parent)
    if how == "link":
        try:
            os.link(src, dst)
            return
        except OSError:
            pass
        try:
            os.symlink(folders.resolve(src), dst)
            return
        except OSError:
            pass
    shutil.copy2(src, dst)
