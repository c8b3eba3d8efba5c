"""Child process for the annotator benchmarks: one scenario per process, so timings and memory are its own.

Usage: `python -m bench._annotator_child SCENARIO PROJECT`; prints one `RESULT {json}` line.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication

from app.models import Annotation
from app.models.geometry import Box
from app.widgets.main_window import MainWindow

WINDOW_SIZE = (1600, 1000)
FRAMES = 20
TIMEOUT_S = 60.0


def memory_mib() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MiB."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):  # not Linux: only the peak is known
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


class Waiter:
    """Records when a signal first fires; create it before triggering so an early emission is not missed.

    `on_fire` (e.g. a synchronous repaint) runs before the time is taken, so its cost counts.
    """

    def __init__(self, signal: SignalInstance, on_fire: Callable[[], None] | None = None) -> None:
        self.at: float | None = None
        self._loop = QEventLoop()
        self._signal = signal
        self._on_fire = on_fire
        self._listening = True
        signal.connect(self._fire)

    def _fire(self, *_args: object) -> None:
        if self.at is None:
            if self._on_fire is not None:
                self._on_fire()
            self.at = time.perf_counter()
            self._loop.quit()

    def wait(self, timeout_s: float = TIMEOUT_S) -> float:
        """Block in an event loop until the signal fired; returns when (perf_counter)."""
        if self.at is None:
            QTimer.singleShot(int(timeout_s * 1000), self._loop.quit)
            self._loop.exec()
        self.stop()
        if self.at is None:
            raise TimeoutError("the signal did not fire")
        return self.at

    def stop(self) -> None:
        """Stop listening (idempotent)."""
        if self._listening:
            self._signal.disconnect(self._fire)
            self._listening = False


def drain(app: QApplication, limit_s: float = 10.0) -> None:
    """Process events until three passes in a row find (almost) nothing to do: the window is idle."""
    quiet, give_up = 0, time.perf_counter() + limit_s
    while quiet < 3 and time.perf_counter() < give_up:
        t = time.perf_counter()
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
        quiet = quiet + 1 if time.perf_counter() - t < 0.002 else 0


def open_and_show(window: MainWindow, project: Path) -> None:
    """Open `project` and wait until its first image is fully shown."""
    shown = Waiter(window.canvas.imageShown)
    if not window.open_project(project):
        raise RuntimeError(f"cannot open {project}")
    shown.wait()


# ---- scenarios -------------------------------------------------------------------------------------


def scenario_open(app: QApplication, window: MainWindow, project: Path) -> dict[str, float]:
    """open_project until the first image is shown and the event queue is drained, and memory after."""
    rss_before, _ = memory_mib()
    shown = Waiter(window.canvas.imageShown)
    t0 = time.perf_counter()
    window.open_project(project)
    t_return = time.perf_counter()
    t_shown = shown.wait()
    drain(app)
    t_idle = time.perf_counter()
    rss, peak = memory_mib()
    return {
        "open_call": t_return - t0,
        "shown": t_shown - t0,
        "idle": t_idle - t0,
        "rss_before": rss_before,
        "rss": rss,
        "peak": peak,
        "annotations": len(window.doc.annotations),
        "images": len(window.doc.images),
    }


def scenario_next_image(app: QApplication, window: MainWindow, project: Path) -> dict[str, object]:
    """Step through the project's 12 MP images: time to the first preview painted and to the full image."""
    open_and_show(window, project)
    drain(app)
    canvas, doc = window.canvas, window.doc
    samples: list[dict[str, float]] = []
    steps = [doc.next_image] * (len(doc.images) - 1) + [doc.previous_image] * (len(doc.images) - 1)
    for step in steps:
        # Runs after the canvas's own slot (connected first), so the preview is in the scene.
        preview = Waiter(canvas.source.preview_ready, canvas.viewport().repaint)
        full = Waiter(canvas.imageShown, canvas.viewport().repaint)
        t0 = time.perf_counter()
        step()
        t_call = time.perf_counter()
        t_full = full.wait()
        preview.stop()  # small images come without a preview
        t_preview = preview.at if preview.at is not None else float("nan")
        samples.append({"call": t_call - t0, "preview": t_preview - t0, "full": t_full - t0})
        drain(app)
    return {
        "samples": samples,
        "preview_side": canvas.source.preview_side,
        "preview": statistics.median(s["preview"] for s in samples),
        "full": statistics.median(s["full"] for s in samples),
        "call": statistics.median(s["call"] for s in samples),
    }


def _timed_frames(window: MainWindow, move: Callable[[int], None]) -> list[float]:
    """Milliseconds for `move(i)` plus a synchronous repaint of the canvas, FRAMES times."""
    viewport = window.canvas.viewport()
    times = []
    for i in range(FRAMES):
        t0 = time.perf_counter()
        move(i)
        viewport.repaint()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def scenario_pan_zoom(app: QApplication, window: MainWindow, project: Path) -> dict[str, object]:
    """One zoom frame at fit (every polygon visible) and one pan frame at 2× fit, median of FRAMES each."""
    open_and_show(window, project)
    canvas = window.canvas
    canvas.fit()
    drain(app)
    viewport_size = (canvas.viewport().width(), canvas.viewport().height())
    zoom = _timed_frames(window, lambda i: canvas.zoom_by(1.1 if i % 2 == 0 else 1 / 1.1))
    # A crowded image is drawn sharp once the zoom settles (zoom frames scale the last sharp picture).
    layer = canvas.annotation_scene.dense
    layer._settle.stop()
    settle = _timed_frames(window, lambda i: layer.update())
    # Breakdown: the same zoom frames with the annotation items hidden, i.e. the image alone.
    items = list(canvas.annotation_scene.items_by_id.values())
    for item in [*items, layer]:
        item.setVisible(False)
    image_only = _timed_frames(window, lambda i: canvas.zoom_by(1.1 if i % 2 == 0 else 1 / 1.1))
    for item in [*items, layer]:
        item.setVisible(True)
    canvas.fit()
    canvas.zoom_by(2.0)
    drain(app)
    layer._settle.stop()  # panning long after zooming: every frame drawn sharp
    drain(app)
    bar = canvas.horizontalScrollBar()
    step = 3 * bar.singleStep()  # one wheel notch
    pan = _timed_frames(window, lambda i: bar.setValue(bar.value() + (step if i < FRAMES // 2 else -step)))
    return {
        "zoom_ms": statistics.median(zoom),
        "settle_ms": statistics.median(settle),
        "pan_ms": statistics.median(pan),
        "image_only_ms": statistics.median(image_only),
        "polygons": len(items),
        "viewport": viewport_size,
    }


def scenario_commit(app: QApplication, window: MainWindow, project: Path) -> dict[str, float]:
    """Commit 1,000 boxes in one doc.add_annotations call (durable), then the store's share of it."""
    open_and_show(window, project)
    drain(app)
    doc = window.doc
    image, tag = doc.current_image, doc.current_tag
    assert image is not None and image.id is not None and tag is not None and tag.id is not None
    image_id, tag_id = image.id, tag.id

    def boxes() -> list[Annotation]:
        return [
            Annotation(
                image_id=image_id,
                tag_id=tag_id,
                geometry=Box(
                    x1=(i % 40) * 12, y1=(i // 40) * 12, x2=(i % 40) * 12 + 10, y2=(i // 40) * 12 + 10
                ),
            )
            for i in range(1000)
        ]

    batch = boxes()
    t0 = time.perf_counter()
    doc.add_annotations(batch, "Accept 1000 suggestions")
    t_call = time.perf_counter()
    drain(app)
    t_idle = time.perf_counter()
    assert doc.session is not None
    batch = boxes()
    t1 = time.perf_counter()
    doc.session.store.add_annotations(batch)
    t_store = time.perf_counter() - t1
    return {"call": t_call - t0, "idle": t_idle - t0, "store_only": t_store}


SCENARIOS = {
    "open": scenario_open,
    "next_image": scenario_next_image,
    "pan_zoom": scenario_pan_zoom,
    "commit": scenario_commit,
}


def main(argv: list[str]) -> int:
    """Run one scenario in a shown 1600×1000 window and print its result as JSON."""
    scenario, project = SCENARIOS[argv[1]], Path(argv[2])
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    window = MainWindow()
    window.resize(*WINDOW_SIZE)
    window.show()
    drain(app)
    result = scenario(app, window, project)
    print("RESULT " + json.dumps(result), flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
