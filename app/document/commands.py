"""Undoable edits. Each command writes through the document to the project file in redo() and undo()."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from app.models import Annotation, Tag
from app.store.errors import StoreError

if TYPE_CHECKING:
    from app.document.document import Document

log = logging.getLogger(__name__)


def guarded(command: QUndoCommand, doc: Document, step: Callable[[], object]) -> None:
    """Run one write; if the project file refuses it, say so and drop the command from the stack.

    The document changes only after the store accepted the write, so nothing is half-applied.
    """
    try:
        step()
    except (sqlite3.Error, StoreError, OSError, ValueError) as e:
        log.warning("Edit '%s' not saved: %s", command.text(), e)
        command.setObsolete(True)
        reason = str(e).rstrip()
        reason += "" if reason.endswith((".", "…")) else "."
        doc.message.emit(f"Could not save '{command.text()}': {reason} Nothing was changed.")
        doc.refused(e)


class ImageEdit(QUndoCommand):
    """An edit of one image's annotations; undo/redo bring that image back on screen first."""

    def __init__(self, doc: Document, image_id: int, text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.image_id = image_id
        self._done_once = False

    def redo(self) -> None:
        if self._done_once:
            self.doc.show_image_id(self.image_id)
        self._done_once = True
        guarded(self, self.doc, self.apply)

    def undo(self) -> None:
        self.doc.show_image_id(self.image_id)
        guarded(self, self.doc, self.revert)

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


class AddAnnotations(ImageEdit):
    def __init__(self, doc: Document, annotations: list[Annotation], text: str) -> None:
        super().__init__(doc, annotations[0].image_id, text)
        self.annotations = annotations

    def apply(self) -> None:
        # The first redo assigns ids; later redos re-insert under the same ids.
        self.annotations = self.doc.apply_add(self.annotations)

    def revert(self) -> None:
        self.doc.apply_remove([a.id for a in self.annotations if a.id is not None])


class RemoveAnnotations(ImageEdit):
    def __init__(self, doc: Document, annotations: list[Annotation], text: str) -> None:
        super().__init__(doc, annotations[0].image_id, text)
        self.annotations = annotations

    def apply(self) -> None:
        self.doc.apply_remove([a.id for a in self.annotations if a.id is not None])

    def revert(self) -> None:
        self.doc.apply_add(self.annotations)


class UpdateAnnotations(ImageEdit):
    def __init__(self, doc: Document, before: list[Annotation], after: list[Annotation], text: str) -> None:
        super().__init__(doc, after[0].image_id, text)
        self.before = before
        self.after = after

    def apply(self) -> None:
        self.doc.apply_update(self.after)

    def revert(self) -> None:
        self.doc.apply_update(self.before)


class AddTag(QUndoCommand):
    def __init__(self, doc: Document, tag: Tag) -> None:
        super().__init__(f"Add tag '{tag.name}'")
        self.doc = doc
        self.tag = tag

    def redo(self) -> None:
        def add() -> None:
            self.tag = self.doc.apply_add_tag(self.tag)

        guarded(self, self.doc, add)

    def undo(self) -> None:
        tag_id = self.tag.id
        assert tag_id is not None, "redo gave the tag its id"
        guarded(self, self.doc, lambda: self.doc.apply_remove_tag(tag_id))


class UpdateTag(QUndoCommand):
    def __init__(self, doc: Document, before: Tag, after: Tag) -> None:
        super().__init__(f"Edit tag '{after.name}'")
        self.doc = doc
        self.before = before
        self.after = after

    def redo(self) -> None:
        guarded(self, self.doc, lambda: self.doc.apply_update_tag(self.after))

    def undo(self) -> None:
        guarded(self, self.doc, lambda: self.doc.apply_update_tag(self.before))


class RemoveTag(QUndoCommand):
    """Removes a tag with all its annotations, in every image; undo puts them all back."""

    def __init__(self, doc: Document, tag: Tag, annotations: list[Annotation]) -> None:
        super().__init__(f"Delete tag '{tag.name}'")
        self.doc = doc
        self.tag = tag
        self.annotations = annotations

    def redo(self) -> None:
        tag_id = self.tag.id
        assert tag_id is not None, "only a stored tag is removed"
        guarded(self, self.doc, lambda: self.doc.apply_remove_tag(tag_id))

    def undo(self) -> None:
        def restore() -> None:  # the tag and its annotations come back in one transaction, or neither
            if self.annotations:
                self.doc.apply_add(self.annotations, new_tags=[self.tag])
            else:
                self.doc.apply_add_tag(self.tag)

        guarded(self, self.doc, restore)
