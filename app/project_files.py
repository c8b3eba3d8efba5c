"""Which files are images, where a folder's project file goes, and adding image files to a project (no Qt).

Opening a project is `app.session.ProjectSession.open`."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from app.models import ImageRecord
from app.store import PROJECT_SUFFIX, ProjectStore

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm", ".pbm", ".tga"}
)


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()


def scan_images(folder: Path) -> list[Path]:
    """Image files under `folder`, recursively, in path order (as Path sorts them); hidden folders skipped.
    Works on strings until the end: a folder of thousands of images is read in a few milliseconds."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(
            os.path.join(dirpath, f) for f in filenames if os.path.splitext(f)[1].lower() in IMAGE_SUFFIXES
        )
    found.sort(key=lambda p: os.path.normcase(p).split(os.sep))
    return [Path(p) for p in found]


def add_image_files(store: ProjectStore, files: Iterable[Path]) -> list[ImageRecord]:
    """Add files to the project as paths relative to the project folder; returns the records added."""
    # Not validated: relative_paths gives a non-empty path for every file, and the rest are defaults.
    return store.add_images(
        [ImageRecord.model_construct(path=rel) for rel in relative_paths(files, store.root)]
    )


def project_path_for_folder(folder: Path) -> Path:
    return folder / f"{folder.name or 'project'}{PROJECT_SUFFIX}"


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
