"""Progress and cancel for long exports and imports, shared by the command line and the GUI worker."""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.io.dataset import ExportCancelled

Report = Callable[[int, int, str], None]  # done, total, what is being done


class Progress:
    """Counts steps, reports every `every` steps, and raises ExportCancelled once `cancel()` was called.

    Thread-safe in the one way it needs to be: `cancel()` may be called from another thread.
    """

    def __init__(self, report: Report | None = None, every: int = 50) -> None:
        self._report = report
        self._every = max(1, every)
        self._cancel = threading.Event()
        self.done = 0
        self.total = 0
        self.stage = ""

    def start(self, total: int, stage: str) -> None:
        self.check()
        self.done, self.total, self.stage = 0, total, stage
        self._emit()

    def advance(self, n: int = 1) -> None:
        self.check()
        before = self.done
        self.done += n
        if before // self._every != self.done // self._every or self.done >= self.total:
            self._emit()

    def check(self) -> None:
        if self._cancel.is_set():
            raise ExportCancelled("Cancelled; nothing was written.")

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _emit(self) -> None:
        if self._report is not None:
            self._report(self.done, self.total, self.stage)
