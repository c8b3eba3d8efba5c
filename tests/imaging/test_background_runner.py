"""BackgroundRunner: delivery, errors, cancel-and-replace, ordered mode, stop."""

import threading
import time

from PySide6.QtCore import QCoreApplication, QThread

from app.worker import BackgroundRunner, error_message

WAIT = 5.0  # seconds a blocked job may wait before the test is declared hung


class Recorder:
    """Every signal of a runner, in arrival order, with the thread it arrived on."""

    def __init__(self, runner: BackgroundRunner) -> None:
        self.events: list[tuple] = []
        self.threads: set[QThread] = set()
        runner.started.connect(lambda t: self._add("started", t))
        runner.result.connect(lambda t, v: self._add("result", t, v))
        runner.error.connect(lambda t, m: self._add("error", t, m))
        runner.finished.connect(lambda t: self._add("finished", t))

    def _add(self, *event) -> None:
        self.threads.add(QThread.currentThread())
        self.events.append(event)

    def of(self, kind: str) -> list:
        return [e[1:] if len(e) > 2 else e[1] for e in self.events if e[0] == kind]


class Gate:
    """A job that blocks until released, so the test controls exactly when the worker is busy."""

    def __init__(self, value: object = "gated") -> None:
        self.running = threading.Event()
        self.release = threading.Event()
        self.value = value

    def __call__(self) -> object:
        self.running.set()
        assert self.release.wait(WAIT), "gate never released"
        return self.value

    def wait_running(self) -> None:
        assert self.running.wait(WAIT), "gated job never started"


def test_result_is_delivered_with_its_token_on_the_owner_thread(qtbot, make_runner):
    runner = make_runner()
    rec = Recorder(runner)
    job_threads = []

    def job():
        job_threads.append(threading.current_thread())
        return 42

    token = object()
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.submit(job, token)

    assert rec.events == [("started", token), ("result", token, 42), ("finished", token)]
    assert rec.threads == {QCoreApplication.instance().thread()}
    assert job_threads and job_threads[0] is not threading.main_thread()


def test_exception_becomes_error_and_the_thread_survives(qtbot, make_runner):
    runner = make_runner()
    rec = Recorder(runner)

    def boom():
        raise ValueError("the model server said no")

    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.submit(boom, "a")
    assert rec.of("error") == [("a", "the model server said no")]
    assert rec.of("result") == []

    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.submit(lambda: "still alive", "b")
    assert rec.of("result") == [("b", "still alive")]
    assert rec.of("finished") == ["a", "b"]


def test_error_message_is_plain():
    assert error_message(ValueError("bad value")) == "bad value"
    assert error_message(KeyError()) == "KeyError"
    assert error_message(RuntimeError("  ")) == "RuntimeError"


def test_pending_job_is_replaced_by_the_latest(qtbot, make_runner):
    runner = make_runner()
    rec = Recorder(runner)
    gate = Gate("first")
    ran: list[str] = []

    def job(name):
        return lambda: ran.append(name) or name

    runner.submit(gate, 1)
    gate.wait_running()
    runner.submit(job("second"), 2)
    runner.submit(job("third"), 3)
    assert runner.pending() == 1
    gate.release.set()
    qtbot.waitUntil(lambda: 3 in rec.of("finished"), timeout=5000)

    assert ran == ["third"], "the replaced job must never run"
    assert rec.of("started") == [1, 3]
    # the job that was already running still reports, with its own token
    assert rec.of("result") == [(1, "first"), (3, "third")]


def test_ordered_runner_runs_every_job_in_order(qtbot, make_runner):
    runner = make_runner(replace_pending=False)
    rec = Recorder(runner)
    gate = Gate(0)
    runner.submit(gate, 0)
    gate.wait_running()
    for i in range(1, 5):
        runner.submit(lambda i=i: i * 10, i)
    assert runner.pending() == 4
    gate.release.set()
    qtbot.waitUntil(lambda: len(rec.of("finished")) == 5, timeout=5000)

    assert rec.of("result") == [(0, 0), (1, 10), (2, 20), (3, 30), (4, 40)]


def test_cancel_pending_drops_waiting_jobs(qtbot, make_runner):
    runner = make_runner(replace_pending=False)
    rec = Recorder(runner)
    gate = Gate()
    runner.submit(gate, "running")
    gate.wait_running()
    runner.submit(lambda: "x", "waiting-1")
    runner.submit(lambda: "y", "waiting-2")
    assert runner.cancel_pending() == 2
    gate.release.set()
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.submit(lambda: "z", "after")
    qtbot.waitUntil(lambda: "after" in rec.of("finished"), timeout=5000)
    assert rec.of("started") == ["running", "after"]


def test_stop_waits_for_the_running_job_and_drops_pending(qtbot, make_runner):
    runner = make_runner(replace_pending=False)
    gate = Gate()
    finished_jobs: list[str] = []

    def slow():
        gate()
        finished_jobs.append("slow")

    runner.submit(slow, "slow")
    gate.wait_running()
    runner.submit(lambda: finished_jobs.append("pending"), "pending")

    def release_once_stop_dropped_the_queue():
        # pending() can only reach 0 here through stop() clearing the queue: the worker is still blocked.
        deadline = time.monotonic() + WAIT
        while runner.pending() and time.monotonic() < deadline:
            pass
        gate.release.set()

    releaser = threading.Thread(target=release_once_stop_dropped_the_queue)
    releaser.start()
    assert runner.stop() is True  # returns only after the slow job ran to its end
    releaser.join()

    assert finished_jobs == ["slow"]
    assert not runner.is_running()
    runner.stop()  # idempotent
    runner.submit(lambda: finished_jobs.append("late"), "late")  # ignored, no error
    assert runner.pending() == 0


def test_a_stop_that_times_out_keeps_the_busy_thread_alive_until_its_job_returns(qtbot):
    import gc

    from app import worker

    runner = BackgroundRunner(name="stuck job")
    gate = Gate()
    runner.submit(gate, "stuck")
    gate.wait_running()
    assert runner.stop(timeout_ms=50) is False  # the job is still blocked
    assert runner.stop() is False  # a second stop (the app quitting) does not wait for it either
    name = runner._thread.objectName()
    del runner
    gc.collect()  # dropping the runner must not destroy a running QThread (Qt would abort the process)
    (kept,) = [t for t in worker._still_running if t.objectName() == name]
    assert kept.isRunning()
    del kept
    gate.release.set()
    qtbot.waitUntil(
        lambda: all(t.objectName() != name for t in worker._still_running), timeout=int(WAIT * 1000)
    )


def test_no_signal_is_delivered_after_stop(qtbot, make_runner):
    runner = make_runner()
    rec = Recorder(runner)
    ran = threading.Event()
    runner.submit(lambda: ran.set(), "t")
    assert ran.wait(WAIT)
    runner.stop()  # the thread is joined: its signals are queued for us but not yet delivered
    QCoreApplication.processEvents()
    assert rec.events == []


def test_runners_do_not_share_a_thread(qtbot, make_runner):
    a, b = make_runner(), make_runner()
    gate = Gate()
    a.submit(gate, "blocked")
    gate.wait_running()
    # b answers while a is still busy
    with qtbot.waitSignal(b.result, timeout=5000) as blocker:
        b.submit(lambda: "free", "b")
    assert blocker.args == ["b", "free"]
    gate.release.set()


def test_emitting_signals_does_not_leak_references_to_true(qtbot, make_runner):
    # PySide6 6.12.0 on Python 3.11 loses a reference to True per emit(); a few hundred emits then abort
    # the process. Importing app.worker installs the repair wherever the bug is present.
    import sys

    runner = make_runner()
    before = sys.getrefcount(True)
    for i in range(200):
        runner.started.emit(i)
    connection = runner.result.connect(lambda *_: None)
    runner.result.disconnect(connection)
    assert sys.getrefcount(True) >= before - 2
