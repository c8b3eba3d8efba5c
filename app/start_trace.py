"""Opt-in start-up trace for the benchmarks: with LABELASSIST_TRACE_START=FILE set, the app appends one line
`painted <time.monotonic()>` to FILE once its first image has been painted on screen.

CLOCK_MONOTONIC is system-wide on Linux, so a benchmark can set its own clock against it at launch. When the
variable is not set, watch() returns at once and costs nothing.
"""

from __future__ import annotations

import os
import time
from functools import partial
from typing import TYPE_CHECKING

from app.widgets.first_paint import after_first_paint

if TYPE_CHECKING:
    from app.widgets.canvas.view import CanvasView

ENV = "LABELASSIST_TRACE_START"


def _write(path: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"painted {time.monotonic():.6f}\n")
    except OSError:
        pass  # a trace for a benchmark: never a reason to disturb the app


def watch(canvas: CanvasView) -> None:
    """Trace the first image painted on `canvas` when LABELASSIST_TRACE_START names a file."""
    path = os.environ.get(ENV)
    if not path:
        return

    def shown() -> None:
        # imageShown fires when the image is in the scene; its pixels reach the screen with the next paint.
        canvas.imageShown.disconnect(shown)
        after_first_paint(canvas.viewport(), partial(_write, path))

    canvas.imageShown.connect(shown)
