"""Driving the window like a user: image coordinates in, mouse and key events out; modal dialogs answered."""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.widgets.main_window import MainWindow


def vp(window: MainWindow, x: float, y: float) -> QPoint:
    """Viewport position of image point (x, y)."""
    return window.canvas.scene_pos(x, y)


def drag(
    qtbot,
    window: MainWindow,
    a: tuple[float, float],
    b: tuple[float, float],
    modifier=Qt.KeyboardModifier.NoModifier,
) -> None:  # type: ignore[no-untyped-def]
    """Press at image point a, move in steps, release at b."""
    viewport = window.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, vp(window, *a))
    for t in (0.25, 0.5, 0.75, 1.0):
        qtbot.mouseMove(viewport, vp(window, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, vp(window, *b))


def click(
    qtbot,
    window: MainWindow,
    p: tuple[float, float],
    button=Qt.MouseButton.LeftButton,
    modifier=Qt.KeyboardModifier.NoModifier,
) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(window.canvas.viewport(), button, modifier, vp(window, *p))


def key(qtbot, window: MainWindow, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """Type a key into the canvas (shortcuts resolve as for a user)."""
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, k, modifier)


def on_dialog(kind: type, action) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """Run `action` on the next visible dialog of `kind` once it is up; a failure closes the dialog (so a
    modal exec() never waits forever) and is returned in the list for the test to assert on."""
    errors: list[BaseException] = []
    deadline = time.monotonic() + 10

    def attempt() -> None:
        dialog = next(
            (x for x in QApplication.topLevelWidgets() if isinstance(x, kind) and x.isVisible()), None
        )
        if dialog is None:
            if time.monotonic() < deadline:
                QTimer.singleShot(50, attempt)
            else:
                errors.append(TimeoutError(f"no {kind.__name__} came up"))
            return
        try:
            action(dialog)
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            errors.append(e)
            dialog.reject()

    QTimer.singleShot(50, attempt)
    return errors


def export_coco(qtbot, window: MainWindow, out: Path) -> tuple[str, dict]:  # type: ignore[no-untyped-def]
    """Export the window's project to COCO through File → Export; returns the dialog's report and the file."""
    from app.widgets.dataset_dialogs import ExportDialog

    window.actions_by_id["export_dataset"].trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.out.setText(str(out))
    dialog.format.setCurrentIndex(dialog.format.findData("coco"))
    dialog.run_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=20_000)
    return dialog.report.toPlainText(), json.loads((out / "annotations.json").read_text())
