"""Where the main window was and how its docks were laid out, kept between runs (window.ini in the config
folder). A layout saved by an older version of the dock set is not restored (LAYOUT_VERSION)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from app.paths import config_dir

LAYOUT_VERSION = 2  # 2: the Intelligent Tools dock
DEFAULT_SIZE = (1400, 900)


def _settings() -> QSettings:
    return QSettings(str(config_dir() / "window.ini"), QSettings.Format.IniFormat)


def _saved(key: str) -> QByteArray | None:
    s = _settings()
    if s.value("layout_version", 0, int) != LAYOUT_VERSION:
        return None
    value = s.value(key)
    return value if isinstance(value, QByteArray) else None


def restore_geometry(window: QMainWindow) -> None:
    window.resize(*DEFAULT_SIZE)
    geometry = _saved("geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)  # Qt moves a window that would be off every screen back on


def restore_docks(annotator: QMainWindow) -> None:
    state = _saved("annotator_state")
    if state is not None:
        annotator.restoreState(state, LAYOUT_VERSION)


def save_layout(window: QMainWindow, annotator: QMainWindow) -> None:
    s = _settings()
    s.setValue("layout_version", LAYOUT_VERSION)
    s.setValue("geometry", window.saveGeometry())
    s.setValue("annotator_state", annotator.saveState(LAYOUT_VERSION))
    s.sync()
