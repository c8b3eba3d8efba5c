"""The document: the open project, the image on screen, its annotations, the selection and the undo stack.

Widgets read from it and call its edit methods; it is the only copy of the state. Every edit is a
QUndoCommand whose redo/undo go through the apply_* methods, which write to the project file first and
then announce the change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.document import commands
from app.models import Annotation, ImageRecord, ImageStatus, Tag, TagKind
from app.models.geometry import Geometry, clip_to_image
from app.models.palette import next_color
from app.store import ProjectStore

Write = Callable[[sqlite3.Connection], None]  # extra rows written inside an edit's transaction
DEFAULT_TAG_NAMES = {TagKind.BOX: "object", TagKind.POLYGON: "region"}


class Document(QObject):
    projectChanged = Signal()  # a project was opened or closed: everything resets
    imagesChanged = Signal()  # images were added
    imageUpdated = Signal(int)  # row of an image whose status or size changed
    currentImageChanged = Signal()  # another image is on screen (annotations reset with it)
    annotationsAdded = Signal(list)  # list[Annotation]
    annotationsChanged = Signal(list)  # list[Annotation]
    annotationsRemoved = Signal(list)  # list[int]
    tagsChanged = Signal()
    currentTagChanged = Signal()
    selectionChanged = Signal()
    message = Signal(str)  # one line for the status bar

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store: ProjectStore | None = None
        self.images: list[ImageRecord] = []
        self._row_of: dict[int, int] = {}
        self.row = -1
        self.annotations: dict[int, Annotation] = {}
        self.tags: dict[int, Tag] = {}
        self.current_tag_id: int | None = None
        self.selected: set[int] = set()
        self.clipboard: list[Annotation] = []
        self.undo_stack = QUndoStack(self)

    # ---- project -------------------------------------------------------------------------------

    def set_store(self, store: ProjectStore | None) -> None:
        if self.store is not None:
            self.store.close()
        self.store = store
        self.undo_stack.clear()
        self.images = store.images() if store else []
        self._reindex()
        self.tags = {t.id: t for t in store.tags()} if store else {}  # type: ignore[misc]
        self.current_tag_id = next(iter(self.tags), None)
        self.row = -1
        self.annotations = {}
        self.selected = set()
        self.clipboard = []  # tag ids belong to the project they came from
        self.projectChanged.emit()
        self.tagsChanged.emit()
        self.currentTagChanged.emit()
        self.go_to_row(0 if self.images else -1)

    def close(self) -> None:
        self.set_store(None)

    def _reindex(self) -> None:
        self._row_of = {img.id: i for i, img in enumerate(self.images)}  # type: ignore[misc]

    def row_of(self, image_id: int) -> int | None:
        return self._row_of.get(image_id)

    def reload_images(self) -> None:
        """Re-read the image list after images were added to the store (keeps the image on screen)."""
        assert self.store is not None
        current = self.current_image
        self.images = self.store.images()
        self._reindex()
        if current is not None:
            self.row = self._row_of[current.id]  # type: ignore[index]
        self.imagesChanged.emit()
        if current is None and self.images:
            self.go_to_row(0)

    # ---- navigation ----------------------------------------------------------------------------

    @property
    def current_image(self) -> ImageRecord | None:
        return self.images[self.row] if 0 <= self.row < len(self.images) else None

    def current_path(self) -> Path | None:
        img = self.current_image
        return self.store.image_path(img) if img and self.store else None

    def go_to_row(self, row: int) -> None:
        if not self.images:
            row = -1
        else:
            row = max(0, min(row, len(self.images) - 1))
        if row == self.row and row != -1:
            return
        self.row = row
        img = self.current_image
        anns = self.store.annotations_for(img.id) if img and self.store else []  # type: ignore[arg-type]
        self.annotations = {a.id: a for a in anns}  # type: ignore[misc]
        self.selected = set()
        self.currentImageChanged.emit()
        self.selectionChanged.emit()

    def next_image(self) -> None:
        self.go_to_row(self.row + 1)

    def previous_image(self) -> None:
        self.go_to_row(self.row - 1)

    def show_image_id(self, image_id: int) -> None:
        row = self._row_of.get(image_id)
        if row is not None:
            self.go_to_row(row)

    def set_image_size(self, width: int, height: int) -> None:
        """Record the decoded size of the image on screen (once known, or when the file changed)."""
        img = self.current_image
        if img is None or self.store is None or (img.width, img.height) == (width, height):
            return
        self.store.set_image_size(img.id, width, height)  # type: ignore[arg-type]
        self._replace_image(img.model_copy(update={"width": width, "height": height}))

    def set_status(self, status: ImageStatus, image_id: int | None = None) -> None:
        img = self.current_image if image_id is None else self.images[self._row_of[image_id]]
        if img is None or self.store is None or img.status == status:
            return
        self.store.set_image_status(img.id, status)  # type: ignore[arg-type]
        self._replace_image(img.model_copy(update={"status": status}))

    def toggle_done(self) -> None:
        img = self.current_image
        if img is None:
            return
        if img.status == ImageStatus.DONE:
            self.set_status(ImageStatus.IN_PROGRESS if self.annotations else ImageStatus.NEW)
        else:
            self.set_status(ImageStatus.DONE)

    def _replace_image(self, img: ImageRecord) -> None:
        row = self._row_of[img.id]  # type: ignore[index]
        self.images[row] = img
        self.imageUpdated.emit(row)

    # ---- tags ----------------------------------------------------------------------------------

    @property
    def current_tag(self) -> Tag | None:
        return self.tags.get(self.current_tag_id) if self.current_tag_id is not None else None

    def set_current_tag(self, tag_id: int | None) -> None:
        if tag_id != self.current_tag_id and (tag_id is None or tag_id in self.tags):
            self.current_tag_id = tag_id
            self.currentTagChanged.emit()

    def tag_for_kind(self, kind: TagKind) -> Tag | None:
        """The current tag if it is of `kind`, else the first tag of that kind (which becomes current).

        A project without a box or polygon tag gets one ("object" / "region") so drawing just works; a
        keypoint tag needs its point names, so for keypoints the user is asked to add one.
        """
        tag = self.current_tag
        if tag is not None and tag.kind == kind:
            return tag
        tag = next((t for t in self.tags.values() if t.kind == kind), None)
        if tag is None and kind != TagKind.KEYPOINTS and self.store is not None:
            name = DEFAULT_TAG_NAMES[kind]
            if any(t.name == name for t in self.tags.values()):
                name = f"{name} ({kind.value})"
            self.add_tag(Tag(name=name, color=self.new_tag_color(), kind=kind))
            tag = next((t for t in self.tags.values() if t.kind == kind), None)
        if tag is None:
            self.message.emit(f"There is no {kind.value} tag yet: add one in the Tags dock.")
            return None
        self.set_current_tag(tag.id)
        return tag

    def tag_list(self) -> list[Tag]:
        return list(self.tags.values())

    def new_tag_color(self) -> str:
        return next_color([t.color for t in self.tags.values()])

    def add_tag(self, tag: Tag) -> None:
        self._push(commands.AddTag(self, tag))

    def update_tag(self, tag: Tag) -> None:
        before = self.tags[tag.id]  # type: ignore[index]
        if before != tag:
            self._push(commands.UpdateTag(self, before, tag))

    def remove_tag(self, tag_id: int) -> None:
        assert self.store is not None
        tag = self.tags[tag_id]
        self._push(commands.RemoveTag(self, tag, self.store.annotations_with_tag(tag_id)))

    # ---- annotations ---------------------------------------------------------------------------

    def add_annotation(self, geometry: Geometry, tag_id: int | None = None) -> None:
        img = self.current_image
        tag_id = self.current_tag_id if tag_id is None else tag_id
        if img is None or tag_id is None or tag_id not in self.tags:
            self.message.emit("Pick a tag first (Tags dock).")
            return
        ann = Annotation(image_id=img.id, tag_id=tag_id, geometry=geometry)  # type: ignore[arg-type]
        # Not selected afterwards: the labeller goes on drawing, and a tag key must not retag it.
        self._push(commands.AddAnnotations(self, [ann], f"Add {self.tags[tag_id].name}"))

    def add_annotations(self, annotations: list[Annotation], text: str) -> None:
        if annotations:
            self._push(commands.AddAnnotations(self, annotations, text))
            self.set_selection({a.id for a in self._last_added()})

    def _last_added(self) -> list[Annotation]:
        cmd = self.undo_stack.command(self.undo_stack.index() - 1)
        return cmd.annotations if isinstance(cmd, commands.AddAnnotations) else []

    def update_annotations(self, before: list[Annotation], after: list[Annotation], text: str) -> None:
        if after and before != after:
            self._push(commands.UpdateAnnotations(self, before, after, text))

    def delete_selected(self) -> None:
        doomed = [self.annotations[i] for i in sorted(self.selected) if i in self.annotations]
        if doomed:
            self._push(commands.RemoveAnnotations(self, doomed, f"Delete {len(doomed)} annotation(s)"))

    def retag_selected(self, tag_id: int) -> None:
        """Give the selected annotations another tag; those it does not fit keep theirs (and we say so)."""
        tag = self.tags[tag_id]
        chosen = [self.annotations[i] for i in sorted(self.selected) if i in self.annotations]
        fits = [a for a in chosen if self.tags[a.tag_id].kind == tag.kind]
        if tag.kind == TagKind.KEYPOINTS:
            fits = [a for a in fits if len(a.geometry.points) == len(tag.keypoint_names)]  # type: ignore[union-attr]
        before = [a for a in fits if a.tag_id != tag_id]
        after = [a.model_copy(update={"tag_id": tag_id}) for a in before]
        self.update_annotations(before, after, f"Change tag to {tag.name}")
        if len(fits) < len(chosen):
            kind = f"{tag.kind.value} with {len(tag.keypoint_names)} points" if tag.kind == TagKind.KEYPOINTS else tag.kind.value
            self.message.emit(f"{len(chosen) - len(fits)} selected annotation(s) kept their tag: '{tag.name}' is a {kind} tag.")

    def copy_selected(self) -> int:
        self.clipboard = [self.annotations[i] for i in sorted(self.selected) if i in self.annotations]
        return len(self.clipboard)

    def paste(self) -> None:
        """Paste the copied annotations: same place on another image, a little offset on the same one;
        moved (and if need be clipped) so they stay inside the image."""
        img = self.current_image
        if img is None or not self.clipboard:
            return
        offset = 10.0 if self.clipboard[0].image_id == img.id else 0.0
        kept = [a for a in self.clipboard if a.tag_id in self.tags]
        if not kept:
            return
        bounds = [a.geometry.bounds() for a in kept]
        x1, y1 = min(b.x1 for b in bounds) + offset, min(b.y1 for b in bounds) + offset
        x2, y2 = max(b.x2 for b in bounds) + offset, max(b.y2 for b in bounds) + offset
        dx = offset + _shift_into(x1, x2, img.width)
        dy = offset + _shift_into(y1, y2, img.height)
        pasted = [
            Annotation(
                image_id=img.id,  # type: ignore[arg-type]
                tag_id=a.tag_id,
                geometry=clip_to_image(a.geometry.translated(dx, dy), img.width, img.height),
            )
            for a in kept
        ]
        self.add_annotations(pasted, f"Paste {len(pasted)} annotation(s)")

    # ---- selection -----------------------------------------------------------------------------

    def set_selection(self, ids: set[int]) -> None:
        ids = {i for i in ids if i in self.annotations}
        if ids != self.selected:
            self.selected = ids
            self.selectionChanged.emit()

    # ---- applied by commands (write first, then announce) --------------------------------------

    def _push(self, command: commands.QUndoCommand) -> None:
        if self.store is None:
            return
        self.undo_stack.push(command)

    def apply_add(
        self, annotations: Sequence[Annotation], also: Write | None = None, new_tags: Sequence[Tag] = ()
    ) -> list[Annotation]:
        """Write annotations (with ``new_tags``, carrying their ids, and ``also``) in one transaction."""
        assert self.store is not None
        added = self.store.add_annotations(annotations, also=_chain(self.store.tags_writer(new_tags), also))
        if new_tags:
            self.tags = dict(sorted({**self.tags, **{t.id: t for t in new_tags}}.items()))  # type: ignore[misc]
            self.tagsChanged.emit()
        mine = [a for a in added if self._is_current(a.image_id)]
        for a in mine:
            self.annotations[a.id] = a  # type: ignore[index]
        if mine:
            self.annotationsAdded.emit(mine)
            img = self.current_image
            if img is not None and img.status == ImageStatus.NEW:
                self.set_status(ImageStatus.IN_PROGRESS)
        return added

    def apply_remove(self, ids: Sequence[int], also: Write | None = None, gone_tags: Sequence[Tag] = ()) -> None:
        """Delete annotations, then ``also`` and the tags ``gone_tags``, in one transaction."""
        assert self.store is not None
        self.store.delete_annotations(ids, also=_chain(also, self.store.tags_writer(gone_tags, delete=True)))
        gone = [i for i in ids if self.annotations.pop(i, None) is not None]
        if gone:
            self.annotationsRemoved.emit(gone)
            if self.selected & set(gone):
                self.selected -= set(gone)
                self.selectionChanged.emit()
        if gone_tags:
            for t in gone_tags:
                self.tags.pop(t.id, None)  # type: ignore[arg-type]
            self.tagsChanged.emit()
            if self.current_tag_id not in self.tags:
                self.set_current_tag(next(iter(self.tags), None))

    def apply_update(self, annotations: Sequence[Annotation]) -> None:
        assert self.store is not None
        self.store.update_annotations(annotations)
        mine = [a for a in annotations if a.id in self.annotations]
        for a in mine:
            self.annotations[a.id] = a  # type: ignore[index]
        if mine:
            self.annotationsChanged.emit(mine)

    def apply_add_tag(self, tag: Tag) -> Tag:
        assert self.store is not None
        tag = self.store.add_tag(tag)
        self.tags[tag.id] = tag  # type: ignore[index]
        self.tags = dict(sorted(self.tags.items()))  # keys 1–9 follow the store's order, also after an undo
        self.tagsChanged.emit()
        if self.current_tag_id is None:
            self.set_current_tag(tag.id)
        return tag

    def apply_update_tag(self, tag: Tag) -> None:
        assert self.store is not None
        self.store.update_tag(tag)
        self.tags[tag.id] = tag  # type: ignore[index]
        self.tagsChanged.emit()  # the scene and the docks redraw the tag's annotations from this

    def apply_remove_tag(self, tag_id: int) -> None:
        assert self.store is not None
        self.store.delete_tag(tag_id)
        gone = [i for i, a in self.annotations.items() if a.tag_id == tag_id]
        for i in gone:
            del self.annotations[i]
        self.tags.pop(tag_id, None)
        if gone:
            self.annotationsRemoved.emit(gone)
            self.set_selection(self.selected - set(gone))
        self.tagsChanged.emit()
        if self.current_tag_id == tag_id:
            self.set_current_tag(next(iter(self.tags), None))

    def _is_current(self, image_id: int) -> bool:
        img = self.current_image
        return img is not None and img.id == image_id


def _chain(*writes: Write | None) -> Write | None:
    """One write that runs the given ones in order (None when there are none)."""
    steps = [w for w in writes if w is not None]
    if not steps:
        return None

    def run(c: sqlite3.Connection) -> None:
        for step in steps:
            step(c)

    return run


def _shift_into(lo: float, hi: float, size: int) -> float:
    """How far to move [lo, hi] so it lies inside [0, size] (as far as it fits)."""
    if size <= 0:
        return 0.0
    if hi > size:
        return max(size - hi, -lo)
    if lo < 0:
        return -lo
    return 0.0
