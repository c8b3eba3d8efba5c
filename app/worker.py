"""The app's one background-work pattern: a QThread running queued jobs, results delivered as signals."""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from collections import deque
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, SignalInstance, Slot

log = logging.getLogger(__name__)


_repaired: list[str] | None = None


def repair_signal_bool_refcounts() -> list[str]:
    """Work around PySide6 builds whose SignalInstance.emit/disconnect drop a reference to True.

    PySide6 6.12.0 on Python 3.11 does this: every emit() from Python decrements True's refcount, and after
    a few hundred emits CPython aborts the process ("bool_dealloc: deallocating True or False"). Each method
    is probed once and wrapped only if the loss is observed, so fixed builds and Python 3.12+ (where True is
    immortal) are left untouched. Idempotent; returns the names of the methods it wrapped.
    """
    global _repaired
    if _repaired is not None:
        return _repaired
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes, incref.restype = [ctypes.py_object], None

    class _Probe(QObject):
        ping = Signal()

    probe, rounds = _Probe(), 16

    def noop() -> None:
        pass

    def emit_rounds() -> None:
        for _ in range(rounds):
            probe.ping.emit()

    def disconnect_rounds() -> None:
        for _ in range(rounds):
            probe.ping.disconnect(probe.ping.connect(noop))

    repaired = []
    for name, exercise in (("emit", emit_rounds), ("disconnect", disconnect_rounds)):
        before = sys.getrefcount(True)
        exercise()
        lost = before - sys.getrefcount(True)
        if lost < rounds:
            continue
        for _ in range(lost):  # pay back what the probe itself took
            incref(True)
        original = getattr(SignalInstance, name)

        def wrapper(self, *args, _original=original, **kwargs):
            outcome = _original(self, *args, **kwargs)
            if outcome is True or outcome is False:
                incref(outcome)  # the reference the binding forgot to give us
            return outcome

        try:
            setattr(SignalInstance, name, wrapper)
        except (AttributeError, TypeError):
            log.error("PySide6 SignalInstance.%s leaks references to True and cannot be patched", name)
            continue
        repaired.append(name)
    _repaired = repaired
    if repaired:
        log.info("worked around a PySide6 refcount bug in SignalInstance.%s", "/".join(repaired))
    return repaired


repair_signal_bool_refcounts()

Job = Callable[[], object]

# Threads whose stop() timed out while a job still ran; each leaves this list when its job returns.
_still_running: list[QThread] = []


def _forget(thread: QThread) -> None:
    if thread in _still_running:
        _still_running.remove(thread)


def error_message(exc: BaseException) -> str:
    """A plain one-line message for an exception: its text, or its type name when it has none."""
    text = str(exc).strip()
    return text if text else type(exc).__name__


class _Queue:
    """Jobs waiting to start, shared by the submitting thread and the worker thread."""

    def __init__(self, replace_pending: bool) -> None:
        self._lock = threading.Lock()
        self._jobs: deque[tuple[Job, object]] = deque()
        self._replace = replace_pending
        self.closed = False

    def put(self, job: Job, token: object) -> None:
        with self._lock:
            if self.closed:
                return
            if self._replace:
                self._jobs.clear()
            self._jobs.append((job, token))

    def take(self) -> tuple[Job, object] | None:
        with self._lock:
            return self._jobs.popleft() if self._jobs and not self.closed else None

    def clear(self, close: bool = False) -> int:
        with self._lock:
            dropped = len(self._jobs)
            self._jobs.clear()
            self.closed = self.closed or close
            return dropped

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)


class _Worker(QObject):
    """Lives in the runner's thread and runs jobs until the queue is empty."""

    # kind is one of "started", "result", "error", "finished"; value is None for started/finished.
    # (Not named `event`: that would hide QObject.event(), which Qt calls for every event the worker gets.)
    happened = Signal(str, object, object)

    def __init__(self, queue: _Queue) -> None:
        super().__init__()
        self._queue = queue

    @Slot()
    def drain(self) -> None:
        # Several wake-ups may be queued while a job runs; later ones simply find the queue empty.
        while (item := self._queue.take()) is not None:
            job, token = item
            self.happened.emit("started", token, None)
            try:
                value = job()
            except Exception as exc:  # a failing job must never take the thread down
                log.warning("background job %r failed", token, exc_info=True)
                self.happened.emit("error", token, error_message(exc))
            else:
                self.happened.emit("result", token, value)
            self.happened.emit("finished", token, None)


class BackgroundRunner(QObject):
    """Runs jobs on one worker thread; signals arrive on the thread that owns the runner.

    With ``replace_pending=True`` (the default) a submitted job replaces any job that has not started yet,
    so only the latest request waits; with ``False`` every job runs, in submission order.
    """

    started = Signal(object)  # token
    result = Signal(object, object)  # token, value
    error = Signal(object, str)  # token, message
    finished = Signal(object)  # token; always follows result or error

    _wake = Signal()

    def __init__(
        self, parent: QObject | None = None, *, replace_pending: bool = True, name: str = ""
    ) -> None:
        super().__init__(parent)
        self._queue = _Queue(replace_pending)
        self._stopped = False
        # The thread has no Qt parent: a parent deleting it while it still runs would abort the process.
        self._thread = QThread()
        self._thread.setObjectName(name or "BackgroundRunner")
        self._worker = _Worker(self._queue)
        self._worker.moveToThread(self._thread)
        self._wake.connect(self._worker.drain, Qt.ConnectionType.QueuedConnection)
        self._worker.happened.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    @property
    def replace_pending(self) -> bool:
        """Whether a new job replaces one still waiting to start."""
        return self._queue._replace

    def submit(self, job: Job, token: object) -> None:
        """Queue ``job``; its outcome is signalled with ``token``. Ignored after stop()."""
        if self._stopped:
            return
        self._queue.put(job, token)
        self._wake.emit()

    def cancel_pending(self) -> int:
        """Drop every job that has not started yet; returns how many were dropped."""
        return self._queue.clear()

    def pending(self) -> int:
        """How many jobs are waiting to start."""
        return len(self._queue)

    def is_running(self) -> bool:
        """Whether the worker thread is alive (True until stop())."""
        return self._thread.isRunning()

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Drop pending jobs, let a running one finish, and join the thread; no signals follow. Idempotent.

        Returns False only if ``timeout_ms`` passed before the running job ended.
        """
        if self._stopped:
            return not self._thread.isRunning()  # a stop that timed out already left the job to finish
        self._stopped = True
        self._queue.clear(close=True)
        self._thread.quit()
        if timeout_ms is None:
            return self._thread.wait()
        thread = self._thread
        if thread.wait(timeout_ms):
            return True
        # Qt aborts the process if a running QThread is destroyed: keep this one until its job returns.
        log.warning(
            "background thread %s still busy after %d ms; left to finish", thread.objectName(), timeout_ms
        )
        _still_running.append(thread)
        thread.finished.connect(partial(_forget, thread))
        if thread.isFinished():
            _forget(thread)  # it ended between the wait and the connection
        return False

    @Slot(str, object, object)
    def _deliver(self, kind: str, token: object, value: object) -> None:
        if self._stopped:
            return
        if kind == "started":
            self.started.emit(token)
        elif kind == "result":
            self.result.emit(token, value)
        elif kind == "error":
            self.error.emit(token, value)
        else:
            self.finished.emit(token)


class RunnerPool(QObject):
    """A few BackgroundRunners side by side, for work where a new job must not wait behind a slow one that
    nobody needs any more (a model request for an image the labeller has left). A job goes to an idle
    runner; when all are busy it replaces whatever waits on the runner that got the latest job."""

    result = Signal(object, object)  # token, value
    error = Signal(object, str)  # token, message

    def __init__(self, parent: QObject | None = None, *, size: int = 2, name: str = "") -> None:
        super().__init__(parent)
        self._runners = [BackgroundRunner(self, name=f"{name or 'pool'}-{i}") for i in range(size)]
        self._busy: set[int] = set()
        self._last = 0
        for i, runner in enumerate(self._runners):
            runner.result.connect(self.result)
            runner.error.connect(self.error)
            runner.started.connect(lambda _token, i=i: self._busy.add(i))
            runner.finished.connect(lambda _token, i=i: self._busy.discard(i))

    def submit(self, job: Job, token: object) -> None:
        idle = [i for i, r in enumerate(self._runners) if i not in self._busy and not r.pending()]
        self._last = idle[0] if idle else self._last
        self._busy.add(self._last)  # until its started/finished signals arrive
        self._runners[self._last].submit(job, token)

    def stop(self, timeout_ms: int | None = None) -> bool:
        return all([r.stop(timeout_ms) for r in self._runners])
