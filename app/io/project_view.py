"""What the writers read from a project: its tags, the images to export (with sizes and flat names) and
their annotations, one image at a time so a 10,000-image project never sits in memory whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from app.io.images import flat_names, image_size
from app.io.progress import Progress
from app.models import Annotation, ImageStatus, Tag, TagKind
from app.store import ProjectStore
from app.store.bulk import ImageRow, image_rows


class PlacedImage(NamedTuple):
    record: ImageRow
    path: Path  # the image file
    name: str  # its unique flat name in the export
    width: int
    height: int


class ExportItem(NamedTuple):
    record: ImageRow
    path: Path
    name: str
    width: int
    height: int
    annotations: list[Annotation]


class ProjectView:
    def __init__(self, store: ProjectStore, only_done: bool = False, chosen: set[int] | None = None) -> None:
        """`chosen`: only these images (None: all); `unchosen` counts the others."""
        self.store = store
        self.tags: dict[int, Tag] = {t.id: t for t in store.tags()}  # type: ignore[misc]
        rows = image_rows(store.database)
        self.images = [r for r in rows if r.status == ImageStatus.DONE] if only_done else rows
        self.unchosen = 0
        if chosen is not None:
            kept = [r for r in self.images if r.id in chosen]
            self.unchosen, self.images = len(self.images) - len(kept), kept
        self.names = flat_names(r.path for r in self.images)
        self.missing: list[str] = []  # project paths of images whose file could not be read

    def tags_of(self, *kinds: TagKind) -> list[Tag]:
        return [t for t in self.tags.values() if t.kind in kinds]

    def items(self, progress: Progress, stage: str) -> Iterator[ExportItem]:
        """Each image with a readable file, its size (from the project, else the file) and annotations."""
        for placed in self.placed(progress, stage):
            record = placed.record
            yield ExportItem(*placed, self.store.annotations_for(record.id))

    def placed(self, progress: Progress, stage: str) -> Iterator[PlacedImage]:
        """As `items`, without the annotations (a writer that reads them as plain rows)."""
        self.missing = []
        progress.start(len(self.images), stage)
        for record, name in zip(self.images, self.names, strict=True):
            path = self.store.image_path(record)
            width, height = record.width, record.height
            if not (width and height) or not path.is_file():
                size = image_size(path) if path.is_file() else None
                if size is None:
                    self.missing.append(record.path)
                    progress.advance()
                    continue
                width, height = size
            yield PlacedImage(record, path, name, width, height)
            progress.advance()

    def missing_note(self) -> list[str]:
        if not self.missing:
            return []
        shown = ", ".join(self.missing[:5]) + (" …" if len(self.missing) > 5 else "")
        return [f"{len(self.missing)} image(s) whose file is missing or unreadable: {shown}"]
