"""The document's state and signals, and the apply_* steps undo commands change it with: each writes to
the project file first, then updates the state, then announces the change. `Document` (document.py) adds
what widgets and controllers ask for on top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.document.clipboard import Clipboard
from app.document.image_list import NO_ROW, ImageList
from app.document.tag_table import TagTable
from app.models import Annotation, ImageRecord, ImageStatus, Tag
from app.session import ProjectSession
from app.store import ProjectStore
from app.store.backend import Connection, Write
from app.store.errors import DatabaseUnavailable, EditConflict, StoreError

if TYPE_CHECKING:  # psycopg comes with it: imported when a team project opens
    from app.document.team_link import TeamLink


class DocumentState(QObject):
    """What is open and on screen, the signals that announce its changes, and the apply_* steps."""

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
    onlineChanged = Signal(bool)  # a team project's server went away (False) or is back (True)
    claimsChanged = Signal()  # other labellers' claims were read again (team projects)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session: ProjectSession | None = None
        self._images = ImageList()
        self._tags = TagTable()
        self._clipboard = Clipboard()
        self.annotations: dict[int, Annotation] = {}  # of the image on screen, by id
        self.selected: set[int] = set()  # ids of selected annotations on screen
        self.undo_stack = QUndoStack(self)
        self._team: TeamLink | None = None  # a team project's claims, live notices and connection state

    @property
    def current_image(self) -> ImageRecord | None:
        return self._images.current

    @property
    def tags(self) -> dict[int, Tag]:
        """The project's tags by id, in id order."""
        return self._tags.by_id

    def set_current_tag(self, tag_id: int | None) -> None:
        if tag_id != self._tags.current_id and (tag_id is None or tag_id in self._tags.by_id):
            self._tags.current_id = tag_id
            self.currentTagChanged.emit()

    def set_status(self, status: ImageStatus, image_id: int | None = None) -> None:
        """Set the status of an image (the one on screen by default); not an undo step (see document.py)."""
        img = self.current_image if image_id is None else self._images.get(image_id)
        if img is None or img.id is None or self._session is None or img.status == status:
            return
        try:
            self._session.store.set_image_status(img.id, status)
        except StoreError as e:
            self.message.emit(f"The image status was not saved: {e}")
            self.refused(e)
            return
        self._replace_image(
            img.model_copy(update={"status": status, "status_by": self._session.database.who})
        )

    def _replace_image(self, img: ImageRecord) -> None:
        self.imageUpdated.emit(self._images.replace(img))

    def _show_row(self, row: int, reread: bool = False) -> None:
        """Put the image at `row` (the nearest there is) on screen with its annotations; `reread` reads
        them again even if that image is on screen already."""
        row = self._images.clamp(row)
        if row == self._images.row and row != NO_ROW and not reread:
            return
        self._images.row = row
        img = self.current_image
        if self._team is not None:
            self._team.claim(img.id if img is not None else None)
        self.annotations = {a.saved_id: a for a in self._stored_annotations()}
        self.selected = set()
        self.currentImageChanged.emit()
        self.selectionChanged.emit()

    def _stored_annotations(self) -> list[Annotation]:
        """The annotations of the image on screen as the project has them ([] when it cannot be read)."""
        img = self.current_image
        if img is None or img.id is None or self._session is None:
            return []
        try:
            return self._session.store.annotations_for(img.id)
        except StoreError as e:
            self.message.emit(f"The annotations of this image cannot be read: {e}")
            return []

    def reread_annotations(self) -> None:
        """Show the annotations on screen as the project has them now (another labeller changed them, or
        an edit was refused): only what differs is announced, and the selection keeps what is left."""
        stored = {a.saved_id: a for a in self._stored_annotations()}
        gone = [i for i in self.annotations if i not in stored]
        added = [a for i, a in stored.items() if i not in self.annotations]
        changed = [a for i, a in stored.items() if i in self.annotations and self.annotations[i] != a]
        self._forget_annotations(gone)
        self.annotations.update(stored)
        if added:
            self.annotationsAdded.emit(added)
        if changed:
            self.annotationsChanged.emit(changed)

    def read_only_reason(self) -> str:
        """Why the image on screen cannot be edited now ('' when it can)."""
        if self._team is None:
            return ""
        if not self._team.online:
            return "The team database cannot be reached: editing is paused until it is back. Nothing is lost."
        img = self.current_image
        holder = self._team.holder_of(img.id) if img is not None and img.id is not None else None
        if holder:
            return f"{holder} is working on this image: it is shown read-only."
        return ""

    def reread_project(self) -> None:
        """Re-read tags, the image list and the annotations on screen after a change to many of them at
        once (an import, or its undo). The image on screen stays if it is still there, else the first
        one shows."""
        assert self._session is not None
        store = self._session.store
        self._tags.load(store.tags())
        self.tagsChanged.emit()
        if self._tags.follow_removal():
            self.currentTagChanged.emit()
        kept = self._images.reload(store.images())
        self.imagesChanged.emit()
        self._show_row(self._images.row if kept else 0, reread=True)

    # ---- applied by commands (write first, then announce) --------------------------------------

    def push(self, command: QUndoCommand) -> None:
        """Do an edit and put it on the undo stack, unless the image on screen cannot be edited now."""
        if self._session is None:
            return
        reason = self.read_only_reason()
        if reason:
            self.message.emit(f"Not changed: {reason}")
            return
        self.undo_stack.push(command)

    def refused(self, error: Exception) -> None:
        """An edit the project refused (see commands.guarded): show the project's version, or stop editing
        while a team project's server is away."""
        if isinstance(error, DatabaseUnavailable) and self._team is not None:
            self._team.went_offline()
        elif isinstance(error, EditConflict):
            self.reread_annotations()

    def _project_store(self) -> ProjectStore:
        assert self._session is not None, "edits are made in an open project"
        return self._session.store

    def apply_add(
        self, annotations: Sequence[Annotation], also: Write | None = None, new_tags: Sequence[Tag] = ()
    ) -> list[Annotation]:
        """Write annotations (with ``new_tags``, carrying their ids, and ``also``) in one transaction."""
        store, started = self._project_store(), self._started_by(annotations)
        status = store.status_writer(started.id, ImageStatus.IN_PROGRESS) if started and started.id else None
        added = store.add_annotations(annotations, also=_chain(store.tags_writer(new_tags), also, status))
        if new_tags:
            self._tags.put(new_tags)
            self.tagsChanged.emit()
        mine = [a for a in added if a.id is not None and self._is_current(a.image_id)]
        self.annotations.update((a.id, a) for a in mine if a.id is not None)
        if mine:
            self.annotationsAdded.emit(mine)
        if started is not None and self._session is not None:
            who = self._session.database.who
            self._replace_image(
                started.model_copy(update={"status": ImageStatus.IN_PROGRESS, "status_by": who})
            )
        return added

    def _started_by(self, annotations: Sequence[Annotation]) -> ImageRecord | None:
        """The image on screen if it is new and these annotations go on it: its first annotation starts it,
        in the same transaction."""
        img = self.current_image
        if img is None or img.id is None or img.status != ImageStatus.NEW:
            return None
        return img if any(a.image_id == img.id for a in annotations) else None

    def apply_remove(
        self, ids: Sequence[int], also: Write | None = None, gone_tags: Sequence[Tag] = ()
    ) -> None:
        """Delete annotations, then ``also`` and the tags ``gone_tags``, in one transaction."""
        store = self._project_store()
        versions = {i: self.annotations[i].version for i in ids if i in self.annotations}
        store.delete_annotations(
            ids, also=_chain(also, store.tags_writer(gone_tags, delete=True)), versions=versions
        )
        self._forget_annotations(list(dict.fromkeys(i for i in ids if i in self.annotations)))
        if gone_tags:
            self._tags.drop(t.id for t in gone_tags if t.id is not None)
            self.tagsChanged.emit()
            if self._tags.follow_removal():
                self.currentTagChanged.emit()

    def apply_update(self, annotations: Sequence[Annotation]) -> None:
        """Write new versions of annotations; each is made from the version on screen (an undo's copy is
        older), so one another labeller changed meanwhile is refused (EditConflict)."""
        current = [a.model_copy(update={"version": self._version_of(a)}) for a in annotations]
        stored = self._project_store().update_annotations(current)
        mine = [a for a in stored if a.id in self.annotations]
        self.annotations.update((a.id, a) for a in mine if a.id is not None)
        if mine:
            self.annotationsChanged.emit(mine)

    def apply_add_tag(self, tag: Tag) -> Tag:
        tag = self._project_store().add_tag(tag)
        self._tags.put([tag])
        self.tagsChanged.emit()
        if self._tags.current_id is None:
            self.set_current_tag(tag.id)
        return tag

    def apply_update_tag(self, tag: Tag) -> None:
        self._project_store().update_tag(tag)
        self._tags.put([tag])
        self.tagsChanged.emit()  # the scene and the docks redraw the tag's annotations from this

    def apply_remove_tag(self, tag_id: int) -> None:
        self._project_store().delete_tag(tag_id)
        self._tags.drop([tag_id])
        self._forget_annotations([i for i, a in self.annotations.items() if a.tag_id == tag_id])
        self.tagsChanged.emit()
        if self._tags.follow_removal():
            self.currentTagChanged.emit()

    def _version_of(self, a: Annotation) -> int:
        on_screen = self.annotations.get(a.id) if a.id is not None else None
        return on_screen.version if on_screen is not None else a.version

    def _forget_annotations(self, ids: list[int]) -> None:
        """Drop annotations on screen that the project no longer has, and announce it."""
        if not ids:
            return
        for i in ids:
            del self.annotations[i]
        self.annotationsRemoved.emit(ids)
        if self.selected & set(ids):
            self.selected -= set(ids)
            self.selectionChanged.emit()

    def _is_current(self, image_id: int) -> bool:
        img = self.current_image
        return img is not None and img.id == image_id


def _chain(*writes: Write | None) -> Write | None:
    """One write that runs the given ones in order (None when there are none)."""
    steps = [w for w in writes if w is not None]
    if not steps:
        return None

    def run(c: Connection) -> None:
        for step in steps:
            step(c)

    return run
