"""The project's images in list order, and which one is on screen (no Qt, no I/O)."""

from __future__ import annotations

from app.models import ImageRecord

NO_ROW = -1  # no image on screen


class ImageList:
    def __init__(self) -> None:
        self.records: list[ImageRecord] = []
        self.row = NO_ROW
        self._row_of: dict[int, int] = {}

    def reset(self, records: list[ImageRecord]) -> None:
        """Another project's images; none is on screen yet."""
        self._take(records)
        self.row = NO_ROW

    def reload(self, records: list[ImageRecord]) -> bool:
        """A new list of the same project: the image on screen stays on screen if it is still listed
        (returns whether it is); else no image is on screen."""
        current = self.current
        self._take(records)
        row = self._row_of.get(current.id) if current is not None and current.id is not None else None
        self.row = NO_ROW if row is None else row
        return row is not None

    def _take(self, records: list[ImageRecord]) -> None:
        self.records = records
        self._row_of = {img.id: i for i, img in enumerate(records) if img.id is not None}

    @property
    def current(self) -> ImageRecord | None:
        return self.records[self.row] if 0 <= self.row < len(self.records) else None

    def row_of(self, image_id: int) -> int | None:
        return self._row_of.get(image_id)

    def get(self, image_id: int) -> ImageRecord | None:
        row = self._row_of.get(image_id)
        return None if row is None else self.records[row]

    def clamp(self, row: int) -> int:
        """The nearest row there is (NO_ROW for an empty list)."""
        return max(0, min(row, len(self.records) - 1)) if self.records else NO_ROW

    def replace(self, record: ImageRecord) -> int:
        """Put a changed record (same id) in its place; returns its row."""
        assert record.id is not None
        row = self._row_of[record.id]
        self.records[row] = record
        return row
