"""Run something once a widget's pixels are on screen: after its next paint has been flushed to the window.

The start-up shows the main window's frame and builds the rest only once that frame is painted, so the user
sees the menus and a status line at once instead of a black window; the start-up trace uses it to time the
first image on screen.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class _AfterPaint(QObject):
    def __init__(self, widget: QWidget, fn: Callable[[], None], fallback_ms: int) -> None:
        super().__init__(widget)
        self.widget = widget
        self.fn: Callable[[], None] | None = fn
        widget.installEventFilter(self)
        if fallback_ms >= 0:  # a window never exposed (minimised, another desktop) must not wait forever
            QTimer.singleShot(fallback_ms, self, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.fn is not None:
            watched.removeEventFilter(self)
            # The filter runs before the paint; a zero timer runs once it and its flush to the window are done.
            QTimer.singleShot(0, self, self._run)
        return False

    def _run(self) -> None:
        fn, self.fn = self.fn, None
        if fn is None:
            return  # the paint and the fallback both came: the first one ran it
        self.widget.removeEventFilter(self)
        # Not deleted here: it is a small child of the widget and goes with it. Deleting it from its own
        # timer's call (and fn may open a dialog with a loop of its own) crashed now and then.
        fn()


def after_first_paint(widget: QWidget, fn: Callable[[], None], fallback_ms: int = -1) -> None:
    """Call `fn` once, after the next paint of `widget` reached the screen (or after `fallback_ms`, if given)."""
    _AfterPaint(widget, fn, fallback_ms)
