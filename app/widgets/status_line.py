"""The window's status bar: a message longer than the room left of the permanent fields ends in "…" instead
of being cut off mid-word under them, and the whole message is the bar's tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStatusBar, QWidget

MARGIN = 24  # the size grip and the gaps between the fields


class StatusLine(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._permanent: list[QWidget] = []

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 (Qt's name)
        self._permanent.append(widget)
        super().addPermanentWidget(widget, stretch)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 (Qt's name)
        room = self.width() - MARGIN - sum(w.width() for w in self._permanent if w.isVisible())
        shown = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, max(room, 0))
        self.setToolTip(text if shown != text else "")
        super().showMessage(shown, timeout)
