"""The open project: its file, and the stores built together on the file's one connection (docs/adr/0003).

The document and the controllers hold the session; widgets never do, they ask the document. This module
also names what widgets need to know about project files without importing the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from app.models import ImageRecord
from app.project_files import add_image_files, project_path_for_folder, scan_images
from app.store import PROJECT_SUFFIX, ProjectDatabase, ProjectError, ProjectStore
from app.store.assist_store import AssistStore

__all__ = ["PROJECT_SUFFIX", "ProjectError", "ProjectSession"]


class ProjectSession:
    """One open project file with its stores: `store` (images, tags, annotations) and `assist_records`
    (deployments, cached predictions, suggestion decisions, usage), both writing through one connection."""

    def __init__(self, database: ProjectDatabase) -> None:
        self._database = database
        self.store = ProjectStore(database)
        self.assist_records = AssistStore(database)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ProjectSession:
        """Open a project file, or the project of a folder of images (created on first use), taking in the
        folder's images that are not in it yet.

        Raises ProjectError (or OSError) with a message for the user.
        """
        path = Path(path)
        if not path.is_dir():
            return cls(ProjectDatabase.open(path))
        session = cls(ProjectDatabase.open_or_create(project_path_for_folder(path)))
        try:
            session.add_image_files(scan_images(path))
        except BaseException:
            session.close()
            raise
        return session

    @property
    def path(self) -> Path:
        """The project file."""
        return self._database.path

    @property
    def name(self) -> str:
        """What the project is called in titles: its file name without the suffix."""
        return self._database.path.stem

    def close(self) -> None:
        self._database.close()

    def image_path(self, record: ImageRecord) -> Path:
        """Where the image file of `record` is (records keep paths relative to the project file)."""
        return self.store.image_path(record)

    def add_image_files(self, files: Iterable[Path]) -> list[ImageRecord]:
        """Add image files (those already in the project are skipped); returns the records added."""
        return add_image_files(self.store, files)

    def count_with_tag(self, tag_id: int) -> int:
        """How many annotations, in every image, use the tag."""
        return self.store.annotation_count_with_tag(tag_id)

    def next_tag_id(self) -> int:
        """The id the next new tag gets: edits that create tags inside another write carry it."""
        return self.store.next_tag_id()

    def default_export_folder(self) -> Path:
        # Beside the project folder, not in it: a folder opened as a project takes in every image below it.
        return self._database.root.parent / f"{self.name}-export"
