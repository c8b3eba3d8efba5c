"""Opt-in start-up trace for the benchmarks: with LABELASSIST_TRACE_START=FILE set, the app appends one line
`painted <time.monotonic()>` to FILE once its first image has been painted on screen.

CLOCK_MONOTONIC is system-wide on Linux, so a benchmark can set its own clock against it at launch. When the
variable is not set, watch() returns at once and costs nothing.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer

if TYPE_CHECKING:
    from app.widgets.canvas.view import CanvasView

ENV = "LABELASSIST_TRACE_START"


class _FirstPaint(QObject):
    """Waits for the canvas's first image, then for the next paint of its viewport, then writes the line."""

    def __init__(self, canvas: CanvasView, path: str) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.path = path
        self.done = False
        canvas.imageShown.connect(self._arm)

    def _arm(self) -> None:
        self.canvas.imageShown.disconnect(self._arm)
        # imageShown fires when the image is in the scene; the pixels reach the screen at the next paint.
        self.canvas.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            watched.removeEventFilter(self)
            # A filter runs before the paint; a zero timer runs once it and the flush to the window are done.
            QTimer.singleShot(0, self._write)
        return False

    def _write(self) -> None:
        try:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(f"painted {time.monotonic():.6f}\n")
        except OSError:
            pass  # a trace for a benchmark: never a reason to disturb the app


def watch(canvas: CanvasView) -> None:
    """Trace the first image painted on `canvas` when LABELASSIST_TRACE_START names a file."""
    path = os.environ.get(ENV)
    if path:
        _FirstPaint(canvas, path)
