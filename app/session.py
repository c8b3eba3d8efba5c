"""The open project: its database, and the stores built together on its one connection (docs/adr/0003).

A project is an embedded SQLite file (the default) or a team project on PostgreSQL (docs/adr/0004); the
stores do not know which. The document and the controllers hold the session; widgets never do, they ask
the document. This module also names what widgets need to know about projects without importing the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from app.models import ImageRecord
from app.project_files import add_image_files, project_path_for_folder, scan_images
from app.store import PROJECT_SUFFIX, ProjectDatabase, ProjectError, ProjectStore
from app.store.assist_store import AssistStore
from app.store.backend import Database
from app.store.team import is_team_location

__all__ = ["PROJECT_SUFFIX", "Opener", "ProjectError", "ProjectSession", "is_team_location"]

# Opens another connection to the same project, on the thread that calls it (for work off the UI thread).
Opener = Callable[[], Database]


class ProjectSession:
    """One open project with its stores: `store` (images, tags, annotations) and `assist_records`
    (deployments, cached predictions, suggestion decisions, usage), both writing through one connection.
    A team project also has `team` (claims, live notices, members; app/store/team)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.store = ProjectStore(database)
        self.assist_records = AssistStore(database)

    @classmethod
    def open(
        cls, location: str | os.PathLike[str], who: str = "", image_root: Path | None = None
    ) -> ProjectSession:
        """Open a project file, a team project (postgresql://…?project=NAME), or the project of a folder
        of images (created on first use), taking in the folder's images that are not in it yet.

        `who` is the labeller written beside every edit; `image_root` is where a team project's relative
        image paths start on this workstation. Raises ProjectError (or OSError) with a message for the user.
        """
        if is_team_location(location):
            from app.store.team.database import TeamDatabase

            team = TeamDatabase.open(str(location), who)
            if image_root is not None:
                team.image_root = image_root
            return cls(team)
        path = Path(location)
        if not path.is_dir():
            return cls(ProjectDatabase.open(path, who))
        session = cls(ProjectDatabase.open_or_create(project_path_for_folder(path), who))
        try:
            session.add_image_files(scan_images(path))
        except BaseException:
            session.close()
            raise
        return session

    @property
    def database(self) -> Database:
        return self._database

    @property
    def is_team(self) -> bool:
        return self._database.is_team

    @property
    def location(self) -> str:
        """What opens this project again: the file's path, or the team URL without its password."""
        return self._database.location

    @property
    def path(self) -> Path | None:
        """The project file (None for a team project)."""
        return self._database.path if isinstance(self._database, ProjectDatabase) else None

    @property
    def name(self) -> str:
        """What the project is called in titles: its file name without the suffix, or the team project's."""
        return self._database.name

    def opener(self) -> Opener:
        """A way for another thread to open its own connection to this project (read-only for a file)."""
        return self._database.opener()

    def close(self) -> None:
        self._database.close()

    def image_path(self, record: ImageRecord) -> Path:
        """Where the image file of `record` is (records keep paths relative to the project's image root)."""
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
