"""Health of every deployment, checked in the background with backoff: online / offline / error."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

from PySide6.QtCore import QObject, QTimer, Signal

from app.inference.adapters import Probe
from app.inference.client import InferenceClient
from app.inference.errors import Failure, InferenceError
from app.models import Deployment, DeploymentStatus, State
from app.worker import BackgroundRunner

ONLINE_EVERY_S = 5.0
RETRY_FIRST_S, RETRY_MAX_S = 1.0, 30.0
TICK_MS = 250


class _Check(NamedTuple):
    """A check's token: the deployment as it was when the check was sent."""

    deployment_id: int
    deployment: Deployment


class HealthPoller(QObject):
    """Polls the deployments it is given; emits checked(deployment id, status, probe or None)."""

    checked = Signal(int, object, object)

    def __init__(
        self,
        client: InferenceClient,
        token_for: Callable[[Deployment], str | None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._token_for = token_for
        self._watched: dict[int, Deployment] = {}
        self._due: dict[int, float] = {}
        self._retry: dict[int, float] = {}
        self._in_flight: set[int] = set()
        self._runner = BackgroundRunner(self, replace_pending=False, name="health")
        self._runner.result.connect(self._on_result)
        self._runner.finished.connect(self._on_finished)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def watch(self, d: Deployment) -> None:
        """Start (or keep) polling d; its first check is right away."""
        self._watched[d.saved_id] = d
        self._due[d.saved_id] = 0.0
        self._retry.setdefault(d.saved_id, RETRY_FIRST_S)

    def unwatch(self, deployment_id: int) -> None:
        self._watched.pop(deployment_id, None)
        self._due.pop(deployment_id, None)
        self._retry.pop(deployment_id, None)

    def check_now(self, deployment_id: int) -> None:
        if deployment_id in self._watched:
            self._due[deployment_id] = 0.0
            self._retry[deployment_id] = RETRY_FIRST_S

    def stop(self) -> None:
        self._timer.stop()
        self._runner.stop(timeout_ms=6000)

    def _tick(self) -> None:
        now = time.monotonic()
        for i, d in self._watched.items():
            if i not in self._in_flight and self._due.get(i, 0.0) <= now:
                self._in_flight.add(i)
                self._runner.submit(partial(self._probe, d), _Check(i, d))

    def _probe(self, d: Deployment) -> tuple[DeploymentStatus, Probe | None]:
        """Runs on the worker thread."""
        try:
            probe = self._client.probe(d, self._token_for(d))
        except InferenceError as e:
            state = State.OFFLINE if e.failure in (Failure.OFFLINE, Failure.TIMEOUT) else State.ERROR
            return DeploymentStatus(state=state, message=str(e)), None
        except Exception as e:  # anything unexpected in an answer is an error state, not a dead poller
            return DeploymentStatus(state=State.ERROR, message=f"unexpected answer: {e}"), None
        return DeploymentStatus(
            state=State.ONLINE, message=f"model {probe.model.name} {probe.model.version}"
        ), probe

    def _on_finished(self, token: object) -> None:
        if isinstance(token, _Check):
            self._in_flight.discard(token.deployment_id)

    def _on_result(self, token: object, value: object) -> None:
        if not isinstance(token, _Check) or not isinstance(value, tuple):
            return
        i, d = token
        status, probe = value
        if self._watched.get(i) != d:
            return  # changed or unwatched while the check ran
        if status.state == State.ONLINE:
            self._retry[i] = RETRY_FIRST_S
            self._due[i] = time.monotonic() + ONLINE_EVERY_S
        else:
            wait = self._retry.get(i, RETRY_FIRST_S)
            self._due[i] = time.monotonic() + wait
            self._retry[i] = min(wait * 2, RETRY_MAX_S)
        self.checked.emit(i, status, probe)
