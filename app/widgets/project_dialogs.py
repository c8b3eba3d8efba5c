"""File dialogs and messages around opening projects and adding images."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.project_files import IMAGE_SUFFIXES
from app.session import PROJECT_SUFFIX

IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES)) + ")"


def ask_project_file(parent: QWidget) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Open project", "", f"LabelAssist projects (*{PROJECT_SUFFIX})"
    )
    return Path(path) if path else None


def ask_folder(parent: QWidget, title: str) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title)
    return Path(path) if path else None


def ask_image_files(parent: QWidget) -> list[Path]:
    paths, _ = QFileDialog.getOpenFileNames(parent, "Add images", "", IMAGE_FILTER)
    return [Path(p) for p in paths]


def show_error(parent: QWidget, title: str, text: str) -> QMessageBox:
    """A window-modal message that does not block the event loop."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("error_box")
    box.open()
    return box
