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
    """Image files under `folder`, recursively, sorted; hidden folders skipped."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath) / f for f in filenames if Path(f).suffix.lower() in IMAGE_SUFFIXES)
    return sorted(found)


def add_image_files(store: ProjectStore, files: Iterable[Path]) -> list[ImageRecord]:
    """Add files to the project as paths relative to the project folder; returns the records added."""
    records = []
    for f in files:
        f = Path(f).absolute()
        try:
            rel = Path(os.path.relpath(f, store.root)).as_posix()
        except ValueError:  # another drive on Windows: keep the absolute path
            rel = f.as_posix()
        records.append(ImageRecord(path=rel))
    return store.add_images(records)


def project_path_for_folder(folder: Path) -> Path:
    return folder / f"{folder.name or 'project'}{PROJECT_SUFFIX}"
