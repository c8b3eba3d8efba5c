"""Fixtures that build the real main window on a real project."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.widgets.main_window import MainWindow


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[[Path], MainWindow]]:  # type: ignore[no-untyped-def]
    """Open a MainWindow on a project (file or folder) and wait until its first image is on screen."""
    windows: list[MainWindow] = []

    def factory(path: Path) -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        with qtbot.waitSignal(window.canvas.imageShown, timeout=10_000):
            assert window.open_project(path)
        return window

    yield factory
    for w in windows:
        w.close()
