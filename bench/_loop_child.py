"""Child process of bench_loop: the labeller's two-keystroke loop in the real main window, offscreen.

Usage: `python -m bench._loop_child PROJECT`; prints one `RESULT {json}` line. A local deployment of the
embedded face model is started the way the Deployments page starts one, chosen in the Intelligent Tools dock,
auto-assist ticked there; then D (next image) and S (commit all shown) are typed into the canvas as key events.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, SignalInstance
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.models import LocalSpec, State
from app.widgets.main_window import MainWindow

WINDOW_SIZE = (1600, 1000)
SERVER_TIMEOUT_S = 120.0  # loading the people pack takes a while on a slow machine
STEP_TIMEOUT_S = 30.0
PREFETCH_TIMEOUT_S = 30.0
RATE_LIMIT = 1.0  # background requests per second: the default a user gets


def wait_until(done: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until done() or the timeout; returns done()."""
    app = QApplication.instance()
    assert app is not None
    deadline = time.perf_counter() + timeout_s
    while not done() and time.perf_counter() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.0005)
    return done()


class When:
    """When `signal` first fired with `ready()` true, after a synchronous repaint of the canvas (its cost
    counts); connect before the key is typed, so an emission inside the key press is not missed."""

    def __init__(self, signal: SignalInstance, ready: Callable[[], bool], window: MainWindow) -> None:
        self.at: float | None = None
        self._signal, self._ready, self._window = signal, ready, window
        signal.connect(self._fire)

    def _fire(self, *_args: object) -> None:
        if self.at is None and self._ready():
            self._window.canvas.viewport().repaint()
            self.at = time.perf_counter()

    def wait(self) -> float:
        wait_until(lambda: self.at is not None, STEP_TIMEOUT_S)
        self._signal.disconnect(self._fire)
        if self.at is None:
            raise TimeoutError("the canvas did not get there")
        return self.at


def start_face_deployment(window: MainWindow) -> int:
    """A local face deployment, online, chosen in the dock's combo, with auto-assist ticked."""
    d = window.deployments.add_local(LocalSpec(people_model="face"), "bench face", rate_limit=RATE_LIMIT)
    assert d.id is not None
    online = (State.ONLINE, State.ERROR)
    if not wait_until(lambda: window.deployments.status(d.id).state in online, SERVER_TIMEOUT_S):
        raise RuntimeError("the local server did not start in time")
    if window.deployments.status(d.id).state != State.ONLINE:
        raise RuntimeError(f"the local server failed: {window.deployments.status(d.id).message}")
    dock = window.intelligent_dock
    wait_until(lambda: dock.combo.findData(d.id) >= 0, STEP_TIMEOUT_S)
    dock.combo.setCurrentIndex(dock.combo.findData(d.id))
    dock.combo.activated.emit(dock.combo.currentIndex())
    dock.auto_box.setChecked(True)
    return d.id


class Loop:
    def __init__(self, window: MainWindow, project: Path) -> None:
        self.w = window
        self.db = sqlite3.connect(f"file:{project}?mode=ro", uri=True)  # a second reader, as after a crash
        self.samples: list[dict[str, float]] = []
        self.prefetch_waits: list[float] = []
        self.misses = 0

    def key(self, key: Qt.Key) -> None:
        self.w.canvas.setFocus()
        QTest.keyClick(self.w.canvas, key)

    def suggestions_for_screen(self) -> bool:
        view, img = self.w.assist.view, self.w.doc.current_image
        return view is not None and img is not None and view.image_id == img.id

    def rows(self, image_id: int) -> int:
        return self.db.execute("SELECT COUNT(*) FROM annotations WHERE image_id = ?", (image_id,)).fetchone()[
            0
        ]

    def next_image(self) -> dict[str, float]:
        """D: until the next image and its suggestions are drawn, once prefetch has its answer."""
        doc, assist = self.w.doc, self.w.assist
        upcoming = doc.images[doc.row_of(doc.current_image.id) + 1]  # type: ignore[union-attr,operator]
        t = time.perf_counter()
        if not wait_until(lambda: assist.dispatcher.cached(upcoming.id) is not None, PREFETCH_TIMEOUT_S):
            self.misses += 1
        self.prefetch_waits.append(time.perf_counter() - t)
        painted = When(self.w.canvas.imageShown, lambda: True, self.w)
        drawn = When(assist.suggestionsChanged, self.suggestions_for_screen, self.w)
        t0 = time.perf_counter()
        self.key(Qt.Key.Key_D)
        return {"painted": painted.wait() - t0, "drawn": drawn.wait() - t0}

    def commit(self) -> float:
        """S: until the annotation rows are in the project file, seen through another connection."""
        img = self.w.doc.current_image
        assert img is not None and img.id is not None
        expected = self.rows(img.id) + len(self.w.assist.shown())
        t0 = time.perf_counter()
        self.key(Qt.Key.Key_S)
        while self.rows(img.id) < expected:
            if time.perf_counter() - t0 > STEP_TIMEOUT_S:
                raise TimeoutError("S committed nothing to the project file")
            QApplication.processEvents()
        return time.perf_counter() - t0

    def run(self) -> dict[str, object]:
        t_start = time.perf_counter()
        wait_until(self.suggestions_for_screen, SERVER_TIMEOUT_S)
        first_commit = self.commit()
        for _ in range(len(self.w.doc.images) - 1):
            sample = self.next_image()
            wait_until(lambda: not self.w.assist.busy, STEP_TIMEOUT_S)
            sample["shown"] = len(self.w.assist.shown())
            sample["commit"] = self.commit()
            self.samples.append(sample)
        return {
            "samples": self.samples,
            "first_commit": first_commit,
            "prefetch_waits": self.prefetch_waits,
            "misses": self.misses,
            "sent": self.w.assist.prefetcher.sent,
            "wall": time.perf_counter() - t_start,
            "annotations": self.db.execute("SELECT COUNT(*) FROM annotations").fetchone()[0],
        }


def main(argv: list[str]) -> int:
    project = Path(argv[1])
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    try:
        window.resize(*WINDOW_SIZE)
        window.show()
        window.activateWindow()
        if not window.open_project(project):
            raise RuntimeError(f"cannot open {project}")
        start_face_deployment(window)
        result = Loop(window, project).run()
        print("RESULT " + json.dumps(result), flush=True)
    finally:
        window.close()  # stops the local server: no orphan process
        app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
