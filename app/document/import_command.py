"""Importing a dataset as one undo step: redo writes every tag, image and annotation in one transaction,
undo removes them all in one transaction, and the document re-reads what changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QUndoCommand

from app.document.commands import guarded
from app.models import Annotation, ImageRecord, ImageStatus, Tag

if TYPE_CHECKING:
    from app.document.document import Document
    from app.store import ProjectStore


class PlannedImport(Protocol):
    """What the import command needs of a checked import (app/io/plan.py `ImportPlan`)."""

    new_tags: list[Tag]
    new_images: list[ImageRecord]
    statuses: dict[int, ImageStatus]  # images already in the project that change status

    def resolve(self, tags: list[Tag], images: list[ImageRecord]) -> list[Annotation]: ...


class ImportDataset(QUndoCommand):
    def __init__(self, doc: Document, plan: PlannedImport, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.plan = plan
        self.written: tuple[list[Tag], list[ImageRecord], list[Annotation]] | None = None

    def redo(self) -> None:
        guarded(self, self.doc, self._write)

    def undo(self) -> None:
        guarded(self, self.doc, self._remove)

    def _store(self) -> ProjectStore:
        session = self.doc.session
        assert session is not None, "an import is made into an open project"
        return session.store

    def _write(self) -> None:
        store, plan = self._store(), self.plan
        if self.written is None:  # the first time: the store hands out the ids
            self.written = store.insert_batch(plan.new_tags, plan.new_images, plan.resolve, plan.statuses)
        else:  # a redo after an undo puts everything back under the same ids
            tags, images, annotations = self.written
            store.insert_batch(tags, images, lambda _t, _i: annotations, plan.statuses)
        self.doc.reread_project()

    def _remove(self) -> None:
        assert self.written is not None
        tags, images, annotations = self.written
        restore = dict.fromkeys(self.plan.statuses, ImageStatus.NEW)
        self._store().delete_batch(_ids(annotations), _ids(images), _ids(tags), restore)
        self.doc.reread_project()


def _ids(records: list[Annotation] | list[ImageRecord] | list[Tag]) -> list[int]:
    """Ids of written records (every one has its id once written)."""
    return [r.id for r in records if r.id is not None]
