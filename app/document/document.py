"""The document: the open project, the image on screen, its annotations, the selection and the undo stack.

Widgets read from it, connect to its signals and call its methods; it holds the only copy of the state, in
parts a reader can find: the project session (app/session.py: the file and its stores), the image list
(which image is on screen), the tag table, the annotations on screen with the selection, and the clipboard.

Label edits are undoable: each is a QUndoCommand whose redo/undo go through the apply_* methods
(app/document/state.py), which write to the project file first and then announce the change. Three
writes are not on the undo stack, on purpose, because they record progress and facts rather than labels.
Each is still written at once, in its own transaction:
- an image's status. "Mark done" (Ctrl+Return) is a toggle, so pressing it again is its undo, and Ctrl+Z
  stays the undo of the last label edit. The automatic "in progress" when an image gets its first
  annotation stays after that annotation is undone: the work it marks was started.
- an image's size, learnt when its file is decoded.
- images added to the project with File → Add images (an import, though, is one undo step).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from app.document import commands
from app.document.image_list import NO_ROW
from app.document.team_state import TeamState
from app.models import Annotation, ImageRecord, ImageStatus, Tag, TagKind
from app.models.geometry import Geometry
from app.session import Opener, ProjectSession
from app.store.errors import StoreError


class Document(TeamState):
    """The state (state.py, team_state.py) with what widgets and controllers ask of it."""

    labeller = ""  # who edits: written beside every edit (set from the preferences)

    # ---- the project ---------------------------------------------------------------------------

    @property
    def session(self) -> ProjectSession | None:
        """The open project's session, for controllers (app/assist); widgets ask the document instead."""
        return self._session

    def open_project(
        self, location: str | os.PathLike[str], image_root: Path | None = None, *, show_first: bool = True
    ) -> None:
        """Open a project file, a folder of images or a team project (postgresql://…?project=NAME, its
        images found under `image_root`) in place of the open project. `show_first=False`: no image is
        shown yet (a team project whose image folder is still to be chosen: set_image_root shows it).

        Raises ProjectError or OSError, with a message for the user; the open project then stays open.
        """
        self.set_session(ProjectSession.open(location, self.labeller, image_root), show_first=show_first)

    def set_session(self, session: ProjectSession | None, *, show_first: bool = True) -> None:
        """Show another project (None: none); the previous one is closed and its undo history goes."""
        self._attach_team(None)
        if self._session is not None:
            self._session.close()
        self._session = session
        self._attach_team(session)
        self.undo_stack.clear()
        self._images.reset(session.store.images() if session else [])
        self._tags.reset(session.store.tags() if session else [])
        self.annotations = {}
        self.selected = set()
        self._clipboard.clear()  # tag ids belong to the project they came from
        self.projectChanged.emit()
        self.tagsChanged.emit()
        self.currentTagChanged.emit()
        if show_first:
            self.go_to_row(0 if self.images else NO_ROW)
        else:
            self._images.row = NO_ROW
            self.currentImageChanged.emit()

    def close(self) -> None:
        self.set_session(None)

    @property
    def project_path(self) -> Path | None:
        """The project file (None when none is open, or for a team project)."""
        return self._session.path if self._session is not None else None

    @property
    def project_location(self) -> str | None:
        """What opens the open project again: a file path or a team URL without its password."""
        return self._session.location if self._session is not None else None

    def project_opener(self) -> Opener | None:
        """Opens another connection to the open project, for work on another thread."""
        return self._session.opener() if self._session is not None else None

    @property
    def project_name(self) -> str | None:
        """What the project is called in titles."""
        return self._session.name if self._session is not None else None

    def default_export_folder(self) -> Path | None:
        return self._session.default_export_folder() if self._session is not None else None

    def add_image_files(self, files: Iterable[Path]) -> int:
        """Add image files to the project and list them (the image on screen stays); returns how many."""
        if self._session is None:
            return 0
        added = self._session.add_image_files(files)
        self.reload_images()
        return len(added)

    def reload_images(self) -> None:
        """Re-read the image list after images were added to the project (the image on screen stays)."""
        assert self._session is not None
        showing = self.current_image is not None
        self._images.reload(self._session.store.images())
        self.imagesChanged.emit()
        if not showing and self.images:
            self.go_to_row(0)

    def image_path(self, record: ImageRecord) -> Path | None:
        return self._session.image_path(record) if self._session is not None else None

    # ---- navigation and image status -------------------------------------------------------------

    @property
    def images(self) -> list[ImageRecord]:
        return self._images.records

    @property
    def row(self) -> int:
        return self._images.row

    def row_of(self, image_id: int) -> int | None:
        return self._images.row_of(image_id)

    def current_path(self) -> Path | None:
        img = self.current_image
        return self.image_path(img) if img is not None else None

    def go_to_row(self, row: int) -> None:
        self._show_row(row)

    def next_image(self) -> None:
        self.step(+1)

    def previous_image(self) -> None:
        self.step(-1)

    def show_image_id(self, image_id: int) -> None:
        row = self._images.row_of(image_id)
        if row is not None:
            self.go_to_row(row)

    def set_image_size(self, width: int, height: int) -> None:
        """Record the decoded size of the image on screen (once known, or when the file changed)."""
        img = self.current_image
        if img is None or img.id is None or self._session is None:
            return
        if (img.width, img.height) == (width, height):
            return
        try:
            self._session.store.set_image_size(img.id, width, height)
        except StoreError:
            return  # learnt again the next time the image is decoded
        self._replace_image(img.model_copy(update={"width": width, "height": height}))

    def toggle_done(self) -> None:
        img = self.current_image
        if img is None:
            return
        if img.status == ImageStatus.DONE:
            self.set_status(ImageStatus.IN_PROGRESS if self.annotations else ImageStatus.NEW)
        else:
            self.set_status(ImageStatus.DONE)

    # ---- tags ----------------------------------------------------------------------------------

    @property
    def current_tag_id(self) -> int | None:
        return self._tags.current_id

    @property
    def current_tag(self) -> Tag | None:
        return self._tags.current

    def tag_for_kind(self, kind: TagKind) -> Tag | None:
        """The current tag if it is of `kind`, else the first tag of that kind (which becomes current).

        A project without a box or polygon tag gets one ("object" / "region") so drawing just works; a
        keypoint tag needs its point names, so for keypoints the user is asked to add one.
        """
        tag = self.current_tag
        if tag is not None and tag.kind == kind:
            return tag
        tag = self._tags.first_of_kind(kind)
        new = self._tags.default_tag(kind) if tag is None and self._session is not None else None
        if new is not None:
            self.add_tag(new)
            tag = self._tags.first_of_kind(kind)
        if tag is None or tag.id is None:
            self.message.emit(f"There is no {kind.value} tag yet: add one in the Tags dock.")
            return None
        self.set_current_tag(tag.id)
        return tag

    def tag_list(self) -> list[Tag]:
        return list(self.tags.values())

    def tag_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tags.values())

    def new_tag_color(self) -> str:
        return self._tags.new_color()

    def count_with_tag(self, tag_id: int) -> int:
        """How many annotations, in every image, use the tag (what deleting it would delete)."""
        return self._session.count_with_tag(tag_id) if self._session is not None else 0

    def add_tag(self, tag: Tag) -> None:
        self.push(commands.AddTag(self, tag))

    def update_tag(self, tag: Tag) -> None:
        before = self.tags.get(tag.id) if tag.id is not None else None
        if before is not None and before != tag:
            self.push(commands.UpdateTag(self, before, tag))

    def remove_tag(self, tag_id: int) -> None:
        assert self._session is not None
        tag = self.tags[tag_id]
        self.push(commands.RemoveTag(self, tag, self._session.store.annotations_with_tag(tag_id)))

    # ---- annotations and the selection ---------------------------------------------------------

    def add_annotation(self, geometry: Geometry, tag_id: int | None = None) -> None:
        img = self.current_image
        tag_id = self.current_tag_id if tag_id is None else tag_id
        if img is None or img.id is None or tag_id is None or tag_id not in self.tags:
            self.message.emit("Pick a tag first (Tags dock).")
            return
        ann = Annotation(image_id=img.id, tag_id=tag_id, geometry=geometry)
        # Not selected afterwards: the labeller goes on drawing, and a tag key must not retag it.
        self.push(commands.AddAnnotations(self, [ann], f"Add {self.tags[tag_id].name}"))

    def add_annotations(self, annotations: list[Annotation], text: str) -> None:
        """Add annotations as one undo step; they are selected afterwards (a paste, a crowd of shapes)."""
        if annotations:
            command = commands.AddAnnotations(self, annotations, text)
            self.push(command)
            self.set_selection({a.id for a in command.annotations if a.id is not None})

    def update_annotations(self, before: list[Annotation], after: list[Annotation], text: str) -> None:
        if after and before != after:
            self.push(commands.UpdateAnnotations(self, before, after, text))

    def delete_selected(self) -> None:
        doomed = self._selected_annotations()
        if doomed:
            self.push(commands.RemoveAnnotations(self, doomed, f"Delete {len(doomed)} annotation(s)"))

    def retag_selected(self, tag_id: int) -> None:
        """Give the selected annotations another tag; those it does not fit keep theirs (and we say so)."""
        tag = self.tags[tag_id]
        chosen = self._selected_annotations()
        fits = [a for a in chosen if self._tags.fits(a, tag)]
        before = [a for a in fits if a.tag_id != tag_id]
        after = [a.model_copy(update={"tag_id": tag_id}) for a in before]
        self.update_annotations(before, after, f"Change tag to {tag.name}")
        if len(fits) < len(chosen):
            kind = tag.kind.value
            if tag.kind == TagKind.KEYPOINTS:
                kind = f"{kind} with {len(tag.keypoint_names)} points"
            kept = len(chosen) - len(fits)
            self.message.emit(f"{kept} selected annotation(s) kept their tag: '{tag.name}' is a {kind} tag.")

    def set_selection(self, ids: set[int]) -> None:
        ids = {i for i in ids if i in self.annotations}
        if ids != self.selected:
            self.selected = ids
            self.selectionChanged.emit()

    def _selected_annotations(self) -> list[Annotation]:
        return [self.annotations[i] for i in sorted(self.selected) if i in self.annotations]

    # ---- the clipboard -------------------------------------------------------------------------

    def copy_selected(self) -> int:
        return self._clipboard.copy(self._selected_annotations())

    def paste(self) -> None:
        """Paste the copied annotations onto the image on screen (see Clipboard.pasted_onto)."""
        img = self.current_image
        pasted = self._clipboard.pasted_onto(img, self.tags) if img is not None else []
        self.add_annotations(pasted, f"Paste {len(pasted)} annotation(s)")
