"""Importing a dataset as one undo step: redo writes every tag, image and annotation in one transaction,
undo removes them all in one transaction, and the document re-reads what changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from app.document.commands import guarded
from app.models import Annotation, ImageRecord, ImageStatus, Tag

if TYPE_CHECKING:
    from app.document.document import Document
    from app.io.plan import ImportPlan


class ImportDataset(QUndoCommand):
    def __init__(self, doc: Document, plan: ImportPlan, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.plan = plan
        self.written: tuple[list[Tag], list[ImageRecord], list[Annotation]] | None = None

    def redo(self) -> None:
        guarded(self, self.doc, self._write)

    def undo(self) -> None:
        guarded(self, self.doc, self._remove)

    def _write(self) -> None:
        store = self.doc.store
        assert store is not None
        if self.written is None:  # the first time: the store hands out the ids
            self.written = store.insert_batch(self.plan.new_tags, self.plan.new_images, self.plan.resolve, self.plan.statuses)
        else:  # a redo after an undo puts everything back under the same ids
            tags, images, annotations = self.written
            store.insert_batch(tags, images, lambda _t, _i: annotations, self.plan.statuses)
        refresh(self.doc)

    def _remove(self) -> None:
        store = self.doc.store
        assert store is not None and self.written is not None
        tags, images, annotations = self.written
        restore = dict.fromkeys(self.plan.statuses, ImageStatus.NEW)
        store.delete_batch([a.id for a in annotations], [i.id for i in images], [t.id for t in tags], restore)  # type: ignore[misc]
        refresh(self.doc)


def refresh(doc: Document) -> None:
    """Re-read tags, the image list and the image on screen after a change to many of them at once."""
    store = doc.store
    assert store is not None
    doc.tags = {t.id: t for t in store.tags()}  # type: ignore[misc]
    doc.tagsChanged.emit()
    if doc.current_tag_id not in doc.tags:
        doc.set_current_tag(next(iter(doc.tags), None))
    current = doc.current_image
    stays = current is not None and store.image(current.id) is not None  # type: ignore[arg-type]
    if not stays:
        doc.row = -1  # the image on screen was removed: reload_images then shows the first one
    doc.reload_images()
    if stays or not doc.images:
        row, doc.row = doc.row, -2  # force go_to_row to re-read the annotations of the image on screen
        doc.go_to_row(row)
