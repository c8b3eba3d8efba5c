"""Live updates: a thread that LISTENs on the project's channel and hands each notice on.

The triggers of app/store/team/schema.py announce every committed change as '<table> <image id or *>
<session>'. The listener keeps its own connection; when the server goes away it says so, retries every
second, and says so again when it is back. It imports no Qt: the document turns its calls into signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from app.store.errors import ProjectError
from app.store.team.address import TeamAddress
from app.store.team.database import connect
from app.store.team.schema import channel

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Notice:
    table: str  # annotations, images, tags or claims
    image_id: int | None  # None: many images (added or removed), or not about an image
    session: str  # the workstation that made the change

    @classmethod
    def parse(cls, payload: str) -> Notice | None:
        parts = payload.split(" ")
        if len(parts) != 3:
            return None
        table, image, session = parts
        return cls(table, int(image) if image.isdigit() else None, session)


class Listener:
    """Calls `on_notice(Notice)` for every change another workstation commits, and `on_online(bool)` when
    the server goes away or comes back; both on the listener's own thread."""

    def __init__(
        self,
        address: TeamAddress,
        session: str,
        on_notice: Callable[[Notice], None],
        on_online: Callable[[bool], None],
    ) -> None:
        self._address = address
        self._session = session
        self._on_notice = on_notice
        self._on_online = on_online
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="team-listener", daemon=True)
        self.listening = threading.Event()  # set while a LISTEN is in place (tests wait on it)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        online = True
        while not self._stop.is_set():
            try:
                with connect(self._address, session=self._session) as connection:
                    connection.execute(
                        sql.SQL("LISTEN {}").format(sql.Identifier(channel(self._address.schema)))
                    )
                    self.listening.set()
                    if not online:
                        online = True
                        self._on_online(True)
                    self._listen(connection)
            except (psycopg.Error, ProjectError) as e:
                self.listening.clear()
                if self._stop.is_set():
                    return
                if online:
                    online = False
                    log.warning("team database lost by the listener: %s", e)
                    self._on_online(False)
                self._stop.wait(RETRY_SECONDS)

    def _listen(self, connection: psycopg.Connection) -> None:
        while not self._stop.is_set():
            for message in connection.notifies(timeout=0.5):
                notice = Notice.parse(message.payload)
                if notice is not None and notice.session != self._session:
                    self._on_notice(notice)
            # A dead server can leave notifies() waiting quietly: ask it something now and then.
            connection.execute("SELECT 1")
