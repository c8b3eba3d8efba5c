"""The document's team side: other labellers' claims and changes, the server coming and going, and
review. On a project file all of it is quiet: nothing is held by others and nothing arrives."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from app.document.image_list import NO_ROW
from app.document.state import DocumentState
from app.models import ImageStatus, Review
from app.session import ProjectSession
from app.store.errors import StoreError

if TYPE_CHECKING:  # the team modules bring psycopg: imported when a team project opens, not at start-up
    from app.store.team.database import TeamDatabase
    from app.store.team.listener import Notice

REVIEWER_ROLES = ("reviewer", "owner")


class TeamState(DocumentState):
    """Adds to the state what several labellers on one project need."""

    def _attach_team(self, session: ProjectSession | None) -> None:
        if self._team is not None:
            self._team.stop()
            self._team.deleteLater()
            self._team = None
        if session is None or not session.is_team:
            return
        from app.document.team_link import TeamLink

        self._team = TeamLink(cast("TeamDatabase", session.database), self)
        self._team.noticed.connect(self._follow)
        self._team.onlineChanged.connect(self._online_changed)
        self._team.claimChanged.connect(self._claim_changed)

    @property
    def is_team(self) -> bool:
        return self._team is not None

    @property
    def team_listening(self) -> bool:
        """Whether other labellers' changes arrive now (a team project's listener is connected)."""
        return self._team is not None and self._team.listening

    @property
    def team_online(self) -> bool:
        return self._team is None or self._team.online

    def holder_of(self, image_id: int | None) -> str | None:
        """The other labeller who works on an image now (None: free, or held here)."""
        return self._team.holder_of(image_id) if self._team is not None and image_id is not None else None

    def image_root_hint(self) -> Path | None:
        """The folder the team project was published from, if this workstation has it (None otherwise)."""
        if self._team is None or self._session is None:
            return None
        try:
            from app.store.team.publish import IMAGE_ROOT_HINT

            hint = self._session.store.meta(IMAGE_ROOT_HINT)
        except StoreError:
            return None
        return Path(hint) if hint and Path(hint).is_dir() else None

    def set_image_root(self, folder: Path) -> None:
        """Where this workstation finds the team project's images; the image on screen is shown again."""
        if self._session is None or not self._session.is_team:
            return
        cast("TeamDatabase", self._session.database).image_root = folder.absolute()
        self._show_row(self._images.row, reread=True)

    @property
    def can_review(self) -> bool:
        """Reviewers and owners of a team project may accept or reject images; anyone on a project file."""
        return self._team is None or self._team.role in REVIEWER_ROLES

    def set_review(self, review: Review, note: str = "") -> None:
        """Accept or reject the image on screen (a rejected one goes back to the to-do list)."""
        img = self.current_image
        if img is None or img.id is None or self._session is None:
            return
        if not self.can_review:
            self.message.emit("Only a reviewer can accept or reject images in this team project.")
            return
        try:
            self._session.store.set_review(img.id, review, note)
            stored = self._session.store.image(img.id)
        except StoreError as e:
            self.message.emit(f"The review was not saved: {e}")
            self.refused(e)
            return
        if stored is not None:
            self._replace_image(stored)
        self.message.emit(f"Image {review.value or 'review cleared'}." + (f" ({note})" if note else ""))

    # ---- moving between images without landing on another labeller's ----------------------------

    def step(self, direction: int) -> None:
        """The next (+1) or previous (-1) image that no other labeller holds."""
        images = self._images.records
        row = self._images.row + direction
        while 0 <= row < len(images) and self.holder_of(images[row].id) is not None:
            row += direction
        if 0 <= row < len(images):
            self._show_row(row)
        elif self.holder_of(images[self._images.clamp(row)].id if images else None):
            self.message.emit("Every image that way is held by another labeller.")
        else:
            self._show_row(row)

    def next_to_do(self) -> None:
        """Go to the next image still to do (new or in progress) that no one else holds."""
        img = self.current_image
        after = img.path if img is not None else ""
        for _ in range(5):  # another labeller may take or finish the image between the query and the claim
            target = self._team.next_unclaimed(after) if self._team is not None else self._next_local_to_do()
            row = self._images.row_of(target) if target is not None else None
            if target is None or row is None:
                self.message.emit("Nothing left to do: every image is done or held by another labeller.")
                return
            self._show_row(row)
            if self._team is None or self._still_to_do(target):
                return
            after = self._images.records[row].path

    def _still_to_do(self, image_id: int) -> bool:
        """Whether the image on screen is mine to do now (read again: the list may be a moment old)."""
        if self.read_only_reason() or self._session is None:
            return False
        try:
            stored = self._session.store.image(image_id)
        except StoreError:
            return True
        if stored is not None and stored != self.current_image:
            self._replace_image(stored)
        return stored is not None and stored.status != ImageStatus.DONE

    def _next_local_to_do(self) -> int | None:
        images = self._images.records
        for k in range(1, len(images) + 1):
            record = images[(max(self._images.row, 0) + k) % len(images)]
            if record.status != ImageStatus.DONE:
                return record.id
        return None

    # ---- what other workstations do ---------------------------------------------------------------

    def _follow(self, notice: Notice) -> None:
        """Show another labeller's committed change: only what it touched is read again."""
        if self._session is None:
            return
        try:
            if notice.table == "annotations":
                img = self.current_image
                if img is not None and notice.image_id == img.id:
                    self.reread_annotations()
            elif notice.table == "images" and notice.image_id is not None:
                stored = self._session.store.image(notice.image_id)
                if stored is not None and self._images.row_of(notice.image_id) is not None:
                    self._replace_image(stored)
            elif notice.table == "images":
                self._images.reload(self._session.store.images())
                self.imagesChanged.emit()
            elif notice.table == "tags":
                self._tags.load(self._session.store.tags())
                self.tagsChanged.emit()
        except StoreError:
            pass  # the server went away meanwhile: everything is read again when it is back

    def _online_changed(self, online: bool) -> None:
        if online:
            self.reread_project()
            self.message.emit("The team database is back: editing goes on.")
        else:
            self.message.emit("The team database cannot be reached: editing is paused. Nothing is lost.")
        self.onlineChanged.emit(online)

    def _claim_changed(self, image_id: int) -> None:
        if image_id < 0:
            self.claimsChanged.emit()
            return
        row = self._images.row_of(image_id)
        if row is not None and row != NO_ROW:
            self.imageUpdated.emit(row)
