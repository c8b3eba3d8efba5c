"""The cyclic garbage collector runs on the GUI thread, from a timer, never in a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref

from app import gui_gc


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_cycles_are_collected_by_the_gui_thread_timer(qtbot) -> None:  # type: ignore[no-untyped-def]
    gui_gc.install()
    assert not gc.isenabled()
    collected_in: list[str] = []

    class Watched(_Node):
        def __del__(self) -> None:
            collected_in.append(threading.current_thread().name)

    def make_garbage_in_a_worker() -> None:
        ref = weakref.ref(Watched())
        for _ in range(50_000):  # enough allocation to have triggered the automatic collector
            _Node()
        refs.append(ref)

    refs: list[weakref.ref] = []
    worker = threading.Thread(target=make_garbage_in_a_worker, name="worker")
    worker.start()
    worker.join()
    assert refs[0]() is not None, "the worker never collected it"
    qtbot.waitUntil(lambda: refs[0]() is None, timeout=5000)
    assert collected_in == [threading.main_thread().name]
