"""Which files are images, where a folder's project file goes, and adding image files to a project (no Qt).

Opening a project is `app.session.ProjectSession.open`."""

from __future__ import annotations

import os
from collections.abc import Iterable
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
    root = os.path.abspath(store.root)
    inside = root.rstrip(os.sep) + os.sep
    records = []
    for f in files:
        full = os.path.abspath(f)
        if full.startswith(inside):  # the usual case, without relpath's work per file
            rel = full[len(inside) :].replace(os.sep, "/")
        else:
            try:
                rel = Path(os.path.relpath(full, root)).as_posix()
            except ValueError:  # another drive on Windows: keep the absolute path
                rel = Path(full).as_posix()
        records.append(ImageRecord(path=rel))
    return store.add_images(records)


def project_path_for_folder(folder: Path) -> Path:
    return folder / f"{folder.name or 'project'}{PROJECT_SUFFIX}"
