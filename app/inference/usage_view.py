"""Each deployment's usage figures (calls, failures, latency, decisions, calls per labeller) as last read
from the project, for the Deployments page. The figures take several queries per deployment, so they are
read on a worker thread (app/worker.py) over a connection of their own, never on the GUI thread: a project
file is opened read-only there (the project database's opener)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from pydantic import Field
from PySide6.QtCore import QObject, Signal

from app.session import Opener
from app.store.assist_store import AssistStore, UsageSummary
from app.store.database import ProjectDatabase
from app.worker import BackgroundRunner

__all__ = ["DeploymentUsage", "UsageSummary", "UsageView", "read_usage"]  # for the page, which reads no store

log = logging.getLogger(__name__)
ProjectSource = Path | Opener  # a project file, or what opens another connection to the open project


class DeploymentUsage(UsageSummary):
    by_labeller: dict[str, int] = Field(default_factory=dict)  # calls per labeller, most first


def read_usage(project: ProjectSource, deployment_ids: tuple[int, ...]) -> dict[int, DeploymentUsage]:
    """The usage figures of these deployments, read through a connection opened (and closed) here."""
    database = project() if callable(project) else ProjectDatabase.open_read_only(project)
    try:
        records = AssistStore(database)
        return {
            i: DeploymentUsage(**records.usage(i).model_dump(), by_labeller=records.usage_by_labeller(i))
            for i in deployment_ids
        }
    finally:
        database.close()


class UsageView(QObject):
    """Reads are asked for with `refresh` and arrive as `changed`; `get` answers from the last read at once.

    A read asked for while another waits replaces it. A read for a project no longer open is dropped, so
    one project's figures never show beside another's deployments.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project: ProjectSource | None = None
        self._generation = 0  # counts project changes: the token of every read
        self._figures: dict[int, DeploymentUsage] = {}
        self._runner: BackgroundRunner | None = None  # started on the first read, not at start-up

    def set_project(self, project: ProjectSource | None) -> None:
        """Another project (None: none is open): the figures shown so far go."""
        self._project = project
        self._generation += 1
        if self._runner is not None:
            self._runner.cancel_pending()
        if self._figures:
            self._figures = {}
            self.changed.emit()

    def get(self, deployment_id: int) -> DeploymentUsage | None:
        """The figures last read for the deployment (None before the first read)."""
        return self._figures.get(deployment_id)

    def refresh(self, deployment_ids: Iterable[int]) -> None:
        """Read these deployments' figures again, in the background."""
        ids = tuple(deployment_ids)
        if self._project is None or not ids:
            return
        if self._runner is None:
            self._runner = BackgroundRunner(self, name="usage")
            self._runner.result.connect(self._on_read)
            self._runner.error.connect(self._on_error)
        self._runner.submit(partial(read_usage, self._project, ids), self._generation)

    def stop(self, timeout_ms: int | None = None) -> None:
        if self._runner is not None:
            self._runner.stop(timeout_ms)

    def _on_read(self, generation: object, figures: object) -> None:
        if generation != self._generation or not isinstance(figures, dict):
            return  # read for a project closed since
        self._figures = {**self._figures, **figures}
        self.changed.emit()

    def _on_error(self, generation: object, message: str) -> None:
        # The page keeps the last figures; the next refresh tries again.
        if generation == self._generation:
            log.warning("usage figures not read: %s", message)
