"""The Deployments page. Model deployments, their status and usage arrive with the model-assist work."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class DeploymentsPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deployments_page")
        note = QLabel(
            "<h2>Deployments</h2>"
            "<p>Model deployments will be listed here: local ones started from LabelAssist and remote "
            "inference servers, with their status (online / offline / error) and usage.</p>"
            "<p>Model assist (<b>M</b>, <b>Space</b>, <b>S</b>) becomes available once a deployment is online.</p>"
        )
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(note)
