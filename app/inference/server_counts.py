"""Each online deployment's inference count as its own server reports it (Triton's statistics extension),
for the Deployments page: asked in the background, at most once per EVERY_MS per deployment, again soon
after a call the app made, and announced the moment an answer arrives."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, QTimer, Signal

from app.inference.client import InferenceClient
from app.inference.deployments import Deployments
from app.inference.errors import InferenceError
from app.models import Deployment, Protocol
from app.worker import BackgroundRunner

if TYPE_CHECKING:
    from app.inference.adapters.oip_stats import ModelStats

EVERY_MS = 2000  # at most one statistics request per deployment this often
NO_COUNT = "—"


class _Count(NamedTuple):
    """A count with the server and model it was read from: shown only while both still hold."""

    url: str
    model: str
    text: str
    tip: str


class _Asked(NamedTuple):
    """A request's token: answers for a deployment whose server or model changed meanwhile are dropped."""

    deployment_id: int
    url: str
    model: str


class ServerCounts(QObject):
    """Asks only while active (the page is shown); emits changed(deployment id) when a cell has a new value."""

    changed = Signal(int)

    def __init__(self, deployments: Deployments, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.deployments = deployments
        self._active = False
        self._counts: dict[int, _Count] = {}
        self._asking: set[int] = set()  # a request is queued or running
        self._due: set[int] = set()  # to be asked as soon as EVERY_MS allows
        self._asked: dict[int, float] = {}  # when each was last asked (time.monotonic)
        # Every job runs (one per deployment at most): a newer one must not replace another server's.
        self._runner = BackgroundRunner(self, replace_pending=False, name="server-stats")
        self._runner.result.connect(self._on_answer)
        self._runner.error.connect(
            lambda token, message: self._on_answer(token, (NO_COUNT, _unread(message)))
        )
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._ask_due)
        deployments.callFinished.connect(lambda deployment_id: self.ask([deployment_id]))

    def set_active(self, active: bool) -> None:
        """Start (asking every online server at once: counts may have moved meanwhile) or stop asking."""
        self._active = active
        if active:
            self.ask()

    def ask(self, deployment_ids: Iterable[int] | None = None) -> None:
        """Ask the servers of these online deployments (all by default), now or as soon as EVERY_MS allows."""
        online = {d.id for d in self.deployments.online() if d.id is not None}
        if not self._active:
            return  # a hidden page asks nobody; it asks every server when it is shown again
        self._due |= online if deployment_ids is None else online & set(deployment_ids)
        self._ask_due()

    def cell(self, d: Deployment) -> tuple[str, str]:
        """The Server count cell of a deployment (text, tooltip)."""
        count = self._counts.get(d.id) if d.id is not None else None
        online = any(o.id == d.id for o in self.deployments.online())
        if not online or count is None or (count.url, count.model) != (d.url, d.model):
            return NO_COUNT, "The server's own count, read while the deployment is online"
        return count.text, count.tip

    def stop(self, timeout_ms: int = 2000) -> None:
        self._active = False
        self._later.stop()
        self._runner.stop(timeout_ms=timeout_ms)

    def _ask_due(self) -> None:
        if not self._active:
            return  # a hidden page asks nobody
        online = {d.id: d for d in self.deployments.online()}
        now, wait_s = time.monotonic(), math.inf
        for i in sorted(self._due - self._asking):
            d = online.get(i)
            if d is None:
                self._due.discard(i)
                continue
            left = self._asked.get(i, -math.inf) + EVERY_MS / 1000 - now
            if left > 0:
                wait_s = min(wait_s, left)
                continue
            self._due.discard(i)
            self._asking.add(i)
            self._asked[i] = now
            job = partial(_read_count, self.deployments.client, d, self.deployments.token_for(d))
            self._runner.submit(job, _Asked(i, d.url, d.model))
        if wait_s < math.inf:
            self._later.start(max(1, math.ceil(wait_s * 1000)))

    def _on_answer(self, token: object, cell: object) -> None:
        if not isinstance(token, _Asked):
            return
        self._asking.discard(token.deployment_id)
        d = self.deployments.get(token.deployment_id)
        if d is not None and (d.url, d.model) == (token.url, token.model) and isinstance(cell, tuple):
            self._counts[token.deployment_id] = _Count(token.url, token.model, *cell)
            self.changed.emit(token.deployment_id)
        if token.deployment_id in self._due:
            self._ask_due()  # a call ended while this answer was on its way


def _read_count(client: InferenceClient, d: Deployment, token: str | None) -> tuple[str, str]:
    """The cell (text, tooltip), read on the stats thread; a failure is never shown as a count."""
    try:
        stats = client.stats(d, token)
    except InferenceError as e:
        return NO_COUNT, _unread(str(e))
    return count_cell(stats, d)


def _unread(why: str) -> str:
    return f"The server's count could not be read just now: {why}"


def count_cell(stats: ModelStats | None, d: Deployment) -> tuple[str, str]:
    """What the server counted for the deployment's model, as cell text and tooltip; "—" for nothing."""
    if stats is None and d.protocol != Protocol.OIP:
        return (
            NO_COUNT,
            "Only Open Inference Protocol servers with Triton's statistics extension count for themselves",
        )
    if stats is None:
        return NO_COUNT, f"The server has no statistics route, or no statistics for model '{d.model}'"
    n = stats.inferences
    text = f"{n} inference{'' if n == 1 else 's'}"
    if stats.compute_ms is not None:
        ms = stats.compute_ms
        text += f", {ms:.0f} ms compute" if ms >= 0.5 else ", <1 ms compute"
    read = datetime.now().strftime("%H:%M:%S")
    return text, f"Inferences of model '{d.model}' counted by its server (from every client), read at {read}"
