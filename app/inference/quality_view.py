"""How good each deployment's model versions are (app/store/quality.py), as last read, for the Deployments page
and the Intelligent Tools dock. A report reads every answer and decision of the project (seconds, in a large
one), so it is read on a worker thread (app/worker.py) over a connection of its own, never on the GUI thread,
and read again only when a cheap fingerprint of the project says something changed."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from app.models.quality import DeploymentQuality, QualityReport
from app.session import Opener
from app.store.quality import QualityStore
from app.worker import BackgroundRunner

log = logging.getLogger(__name__)


def read_quality(
    project: Opener, known: tuple[object, ...] | None = None
) -> tuple[tuple[object, ...], QualityReport | None]:
    """The whole project's report, through a connection opened (and closed) here, with the fingerprint it
    was read at; no report when the project has not changed since `known`."""
    database = project()
    try:
        store = QualityStore(database)
        fingerprint = store.fingerprint()
        return fingerprint, (None if fingerprint == known else store.report())
    finally:
        database.close()


class QualityView(QObject):
    """`refresh` asks for a new report; `changed` says it arrived; `get` and `best_threshold` answer from the
    last one at once. A read for a project no longer open is dropped."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project: Opener | None = None
        self._generation = 0
        self.report: QualityReport | None = None
        self._fingerprint: tuple[object, ...] | None = None  # the project as the report was read
        self._runner: BackgroundRunner | None = None  # started on the first read, not at start-up

    def set_project(self, project: Opener | None) -> None:
        self._project = project
        self._generation += 1
        if self._runner is not None:
            self._runner.cancel_pending()
        self._fingerprint = None
        if self.report is not None:
            self.report = None
            self.changed.emit()

    def refresh(self) -> None:
        """Read the figures again, in the background (a read asked for while another waits replaces it)."""
        if self._project is None:
            return
        if self._runner is None:
            self._runner = BackgroundRunner(self, name="quality")
            self._runner.result.connect(self._on_read)
            self._runner.error.connect(self._on_error)
        project, known = self._project, self._fingerprint
        self._runner.submit(lambda: read_quality(project, known), self._generation)

    def get(self, deployment_id: int) -> DeploymentQuality | None:
        return self.report.deployment(deployment_id) if self.report is not None else None

    def best_threshold(self, deployment_id: int, version: str) -> float | None:
        """The threshold with the highest F1 for this model version (None before there is one)."""
        d = self.get(deployment_id)
        v = d.version(version) if d is not None else None
        return v.total.best.threshold if v is not None and v.total.best is not None else None

    def stop(self, timeout_ms: int | None = None) -> None:
        if self._runner is not None:
            self._runner.stop(timeout_ms)

    def _on_read(self, generation: object, read: object) -> None:
        if generation != self._generation or not isinstance(read, tuple):
            return  # read for a project closed since
        fingerprint, report = read
        if isinstance(report, QualityReport):  # None: nothing changed since the last one
            self._fingerprint, self.report = fingerprint, report
            self.changed.emit()

    def _on_error(self, generation: object, message: str) -> None:
        if generation == self._generation:
            log.warning("quality figures not read: %s", message)
