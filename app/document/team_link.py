"""What a team project adds to the open document: the claim on the image on screen, other labellers'
claims, their changes arriving live, and losing and regaining the server.

The store layer does the work (app/store/team: claims, listener); this turns it into Qt: the listener's
calls arrive as queued signals on the GUI thread, and timers renew the claim and retry the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from app.store.errors import StoreError
from app.store.team.claims import RENEW_SECONDS, Claim, Claims
from app.store.team.database import TeamDatabase
from app.store.team.listener import Listener, Notice

log = logging.getLogger(__name__)
RETRY_MS = 2000


class TeamLink(QObject):
    """One team project's live side, for the document that has it open."""

    noticed = Signal(object)  # Notice: another workstation committed a change
    onlineChanged = Signal(bool)
    claimChanged = Signal(int)  # image id whose holder changed (-1: any)
    _listenerOnline = Signal(bool)  # from the listener's thread; queued to the GUI thread

    def __init__(self, database: TeamDatabase, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.claims = Claims(database)
        self.held: dict[int, Claim] = self.claims.held()
        self.role = database.role()
        self._mine: int | None = None  # the image this workstation holds
        self._viewing: int | None = None  # the image on screen: held, or to be claimed once it is free
        self._listener = Listener(
            database.address, database.session, self.noticed.emit, self._listenerOnline.emit
        )
        self._renew = _timer(self, RENEW_SECONDS * 1000, self._renew_claims)
        self._retry = _timer(self, RETRY_MS, self._try_reconnect)
        self.noticed.connect(self._follow_claims)
        self._listenerOnline.connect(self._listener_online)
        self._listener.start()
        self._renew.start()

    @property
    def online(self) -> bool:
        return self.database.online

    @property
    def listening(self) -> bool:
        return self._listener.listening.is_set()

    def holder_of(self, image_id: int) -> str | None:
        """The labeller who holds an image, if it is not this workstation."""
        claim = self.held.get(image_id)
        return claim.holder if claim is not None and not claim.mine else None

    def claim(self, image_id: int | None) -> Claim | None:
        """Hold the image now on screen (and give back the one before); returns who holds it now."""
        self._viewing = image_id
        previous, self._mine = self._mine, None
        try:
            if previous is not None and previous != image_id:
                self._set_held(previous, None)
                self.claims.release(previous)  # when the server is away, coming back gives it back
            if image_id is None:
                return None
            claim = self.claims.claim(image_id)
        except StoreError as e:
            log.info("claim not made: %s", e)
            return None
        self._set_held(image_id, claim)
        if claim.mine:
            self._mine = image_id
        return claim

    def next_unclaimed(self, after_path: str) -> int | None:
        try:
            return self.claims.next_unclaimed(after_path)
        except StoreError:
            return None

    def went_offline(self) -> None:
        """An edit found the server gone: editing stops until it is back."""
        if not self._retry.isActive():
            self._retry.start()
            self.onlineChanged.emit(False)

    def stop(self) -> None:
        self._renew.stop()
        self._retry.stop()
        self._listener.stop()
        try:
            self.claims.release_all()
        except StoreError:
            pass  # the claims expire by themselves

    # ---- timers and the listener ---------------------------------------------------------------

    def _renew_claims(self) -> None:
        """Renew the claim on the image on screen, or take it if its holder's claim ran out."""
        if self._viewing is not None and self.online:
            self.claim(self._viewing)
        try:
            self.held = self.claims.held()
        except StoreError:
            return
        self.claimChanged.emit(-1)

    def _listener_online(self, online: bool) -> None:
        if online:
            self._try_reconnect()
        else:
            self.database.online = False
            self.went_offline()

    def _try_reconnect(self) -> None:
        if self.database.online and not self._retry.isActive():
            return
        if not self.database.reconnect():
            return
        self._retry.stop()
        self._mine_again()
        self.onlineChanged.emit(True)

    def _mine_again(self) -> None:
        """Back online: hold the image on screen again, and give back any other claim that could not be
        given back while the server was away (the image left meanwhile)."""
        self._mine = None
        try:
            self.claims.release_all(keep=self._viewing)
            self.held = self.claims.held()
        except StoreError:
            return
        self.claim(self._viewing)
        self.claimChanged.emit(-1)

    def _follow_claims(self, notice: Notice) -> None:
        if notice.table != "claims" or notice.image_id is None:
            return
        try:
            claim = self.claims.held(notice.image_id).get(notice.image_id)
        except StoreError:
            return
        self._set_held(notice.image_id, claim)
        if claim is None and notice.image_id == self._viewing:
            self.claim(self._viewing)  # its holder left it: this workstation takes it over

    def _set_held(self, image_id: int, claim: Claim | None) -> None:
        before = self.held.get(image_id)
        if claim is None:
            self.held.pop(image_id, None)
        else:
            self.held[image_id] = claim
        if before != claim:
            self.claimChanged.emit(image_id)


def _timer(parent: QObject, interval_ms: int, slot: Callable[[], None]) -> QTimer:
    timer = QTimer(parent)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer
