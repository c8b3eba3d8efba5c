"""Python's cyclic garbage collector runs on the GUI thread only.

Left to itself, the collector runs in whichever thread happens to allocate: a worker parsing a model's
answer can end up destroying Qt objects of a closed window (a scene, its items, pixmaps) from the wrong
thread, which crashes later and far away. So automatic collection is switched off and a timer on the GUI
thread collects each generation when its threshold is passed, as the automatic collector would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500
_installed: list[QObject] = []


class _Collector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(collect_due)
        self._timer.start()


def collect_due() -> None:
    """Collect the generations whose allocation counts passed their thresholds (oldest first)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return


def freeze_start_up() -> None:
    """Keep what the start-up made (modules, classes, the window's widgets: they live as long as the program)
    out of every later collection: the first collection would otherwise walk all of it on the GUI thread.
    Called before a project opens, whose objects must stay collectable once it is closed."""
    gc.freeze()


def install() -> None:
    """Idempotent; needs the QApplication (the timer lives on its thread)."""
    app = QCoreApplication.instance()
    if _installed or app is None:
        return
    gc.disable()
    _installed.append(_Collector(app))
