"""A child program that drives the real window offscreen through seeded rounds of canvas work.

Run as `python tests/gui/canvas_fuzz.py --seed N --rounds R [--mode delete|fuzz] PROJECT_FOLDER`. It exits 0 when
every round ran; a crash in Qt shows as a signal exit code in the parent (see test_canvas_crash.py).

- `delete`: the reported crash — draw boxes, zoom in and out, select one, Del, paint; with undo and paste.
- `fuzz`: random tool, zoom, pan, draw, move, delete, undo, redo, image switch, tag change and paste.

The window is painted after every step, as a user's screen would be, so Qt's scene index is used between
edits: a stale rect in it shows up as a crash, not only as a smudge.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

Ctrl = Qt.KeyboardModifier.ControlModifier
Shift = Qt.KeyboardModifier.ShiftModifier
NoMod = Qt.KeyboardModifier.NoModifier

if TYPE_CHECKING:
    from app.models import Annotation


def wait_for(condition, timeout_ms: int = 10_000) -> bool:  # type: ignore[no-untyped-def]
    """Run the event loop until `condition()` holds or the time is up."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            return False
        QTest.qWait(10)
    return True


class Driver:
    """The window, driven with real key and mouse events in image coordinates."""

    def __init__(self, window, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
        self.w = window
        self.rng = rng

    # ---- input ---------------------------------------------------------------------------------

    def key(self, k: Qt.Key, mod: Qt.KeyboardModifier = NoMod) -> None:
        self.w.canvas.setFocus()
        QTest.keyClick(self.w.canvas, k, mod)
        self.paint()

    def _vp(self, x: float, y: float) -> QPoint:
        return self.w.canvas.scene_pos(x, y)

    def drag(self, a: tuple[float, float], b: tuple[float, float]) -> None:
        viewport = self.w.canvas.viewport()
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, NoMod, self._vp(*a))
        for t in (0.5, 1.0):
            QTest.mouseMove(viewport, self._vp(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, NoMod, self._vp(*b))
        self.paint()

    def click(self, p: tuple[float, float]) -> None:
        QTest.mouseClick(self.w.canvas.viewport(), Qt.MouseButton.LeftButton, NoMod, self._vp(*p))
        self.paint()

    def paint(self) -> None:
        QApplication.processEvents()
        self.w.canvas.viewport().repaint()
        QApplication.processEvents()

    # ---- what a user does ----------------------------------------------------------------------

    def image_size(self) -> tuple[int, int]:
        size = self.w.canvas.annotation_scene.image_size
        return max(size.width(), 50), max(size.height(), 50)

    def point(self) -> tuple[float, float]:
        width, height = self.image_size()
        return self.rng.uniform(10, width - 10), self.rng.uniform(10, height - 10)

    def draw_box(self) -> None:
        self.key(Qt.Key.Key_R)
        (x, y), size = self.point(), self.rng.uniform(20, 120)
        self.drag((x, y), (x + size, y + size * self.rng.uniform(0.5, 1.5)))

    def zoom(self) -> None:
        for _ in range(self.rng.randint(1, 4)):
            self.key(Qt.Key.Key_Equal if self.rng.random() < 0.5 else Qt.Key.Key_Minus, Ctrl)

    def select_some(self) -> bool:
        """Click one annotation of the image on screen (V tool); False when there is none."""
        annotations = list(self.w.doc.annotations.values())
        if not annotations:
            return False
        b = self.rng.choice(annotations).geometry.bounds()
        self.key(Qt.Key.Key_V)
        self.click(((b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2))
        return True

    def delete_one(self) -> None:
        if self.select_some():
            self.key(Qt.Key.Key_Delete)

    def move_one(self) -> None:
        if self.select_some() and self.w.doc.selected:
            a = self.w.doc.annotations[next(iter(self.w.doc.selected))]
            b = a.geometry.bounds()
            start = ((b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2)
            self.drag(start, (start[0] + self.rng.uniform(-40, 40), start[1] + self.rng.uniform(-40, 40)))

    def copy_paste(self) -> None:
        if self.select_some():
            self.key(Qt.Key.Key_C, Ctrl)
            self.key(Qt.Key.Key_V, Ctrl)

    def undo(self) -> None:
        self.key(Qt.Key.Key_Z, Ctrl)

    def redo(self) -> None:
        self.key(Qt.Key.Key_Z, Ctrl | Shift)

    def pan(self) -> None:
        bar = (
            self.w.canvas.horizontalScrollBar()
            if self.rng.random() < 0.5
            else self.w.canvas.verticalScrollBar()
        )
        bar.setValue(bar.value() + self.rng.randint(-200, 200))
        self.paint()

    def switch_image(self) -> None:
        self.key(Qt.Key.Key_D if self.rng.random() < 0.6 else Qt.Key.Key_A)
        wait_for(lambda: self.w.canvas.annotation_scene.image_size.width() > 0, 5000)
        self.paint()

    def change_tag(self) -> None:
        """Recolour a tag (every item of it restyles) or retag the selection with a digit key."""
        doc = self.w.doc
        tags = doc.tag_list()
        if tags and self.rng.random() < 0.5:
            tag = self.rng.choice(tags)
            doc.update_tag(tag.model_copy(update={"color": f"#{self.rng.randrange(1 << 24):06x}"}))
            self.paint()
        elif self.select_some():
            self.key(Qt.Key.Key_1 + self.rng.randrange(min(len(tags), 9) or 1))

    def fit(self) -> None:
        self.key(Qt.Key.Key_F)


def crowd(window, count: int, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Add `count` boxes to the image on screen in one edit: past 1,000 the dense layer draws them."""
    from app.models import Annotation, Box, TagKind

    doc = window.doc
    tag = doc.tag_for_kind(TagKind.BOX)
    width, height = Driver(window, rng).image_size()
    boxes = []
    for _ in range(count):
        x, y = rng.uniform(0, width - 30), rng.uniform(0, height - 30)
        box = Box(x1=x, y1=y, x2=x + rng.uniform(5, 30), y2=y + rng.uniform(5, 30))
        boxes.append(Annotation(image_id=doc.current_image.id, tag_id=tag.id, geometry=box))
    doc.add_annotations(boxes, "Crowd")
    doc.set_selection(set())


def _read_annotations(project: Path, image_id: int) -> list[Annotation]:
    """An image's annotations as another reader of the project file sees them."""
    from app.store import ProjectDatabase, ProjectStore

    database = ProjectDatabase.open_read_only(project)
    try:
        return ProjectStore(database).annotations_for(image_id)
    finally:
        database.close()


def check_consistent(window) -> str | None:  # type: ignore[no-untyped-def]
    """What is drawn is what the document holds, and the document holds what the project file has."""
    doc = window.doc
    drawn = set(window.canvas.annotation_scene.items_by_id)
    if drawn != set(doc.annotations):
        return f"drawn {sorted(drawn)} but the document has {sorted(doc.annotations)}"
    if doc.current_image is not None:
        stored = {a.id: a for a in _read_annotations(doc.project_path, doc.current_image.id)}
        if stored != doc.annotations:
            return f"the project file has {sorted(stored)} but the document has {sorted(doc.annotations)}"
    return None


def delete_round(d: Driver) -> None:
    for _ in range(d.rng.randint(1, 3)):
        d.draw_box()
    d.zoom()
    d.delete_one()
    d.zoom()
    if d.rng.random() < 0.3:
        d.undo()
    if d.rng.random() < 0.3:
        d.copy_paste()
    d.paint()


FUZZ_STEPS = (  # (step, weight)
    (Driver.draw_box, 4),
    (Driver.zoom, 4),
    (Driver.delete_one, 3),
    (Driver.move_one, 2),
    (Driver.copy_paste, 1),
    (Driver.undo, 2),
    (Driver.redo, 1),
    (Driver.pan, 2),
    (Driver.switch_image, 1),
    (Driver.change_tag, 1),
    (Driver.fit, 1),
)


def fuzz_round(d: Driver) -> None:
    steps, weights = zip(*FUZZ_STEPS, strict=True)
    for step in d.rng.choices(steps, weights, k=5):
        step(d)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--mode", choices=("delete", "fuzz"), default="delete")
    parser.add_argument(
        "--crowded", type=int, default=0, help="boxes added to the first image before the rounds"
    )
    args = parser.parse_args(argv)
    faulthandler.enable()
    os.environ.setdefault("LABELASSIST_HOME", tempfile.mkdtemp(prefix="canvas-fuzz-home-"))

    from app import gui_gc
    from app.widgets.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    gui_gc.install()
    window = MainWindow()
    window.resize(1000, 700)
    window.show()
    if not window.open_project(args.project):
        print("could not open the project", file=sys.stderr)
        return 2
    wait_for(lambda: window.canvas.annotation_scene.image_size.width() > 0)
    driver = Driver(window, random.Random(args.seed))
    if args.crowded:
        crowd(window, args.crowded, driver.rng)
    one_round = delete_round if args.mode == "delete" else fuzz_round
    for n in range(args.rounds):
        one_round(driver)
        problem = check_consistent(window)
        if problem:
            print(f"round {n + 1}: {problem}", file=sys.stderr)
            return 3
        print(f"round {n + 1} done", flush=True)
    window.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
