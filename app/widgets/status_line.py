"""The window's status bar: a message longer than the room left of the permanent fields ends in "…" instead
of being cut off mid-word under them, and the whole message is the bar's tooltip. When a permanent field
changes width (the next image's name), the message is shortened again for the room there is then.
Also the text of the permanent position field (which image, its status, its annotations, the tag)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QStatusBar, QWidget

if TYPE_CHECKING:
    from app.document import Document

MESSAGE_LEFT = 6  # where Qt starts the message text


class StatusLine(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._permanent: list[QWidget] = []
        self._full = ""
        self._until: float | None = None  # when the message times out (None: it stays)

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 (Qt's name)
        self._permanent.append(widget)
        widget.installEventFilter(self)
        super().addPermanentWidget(widget, stretch)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 (Qt's name)
        self._full = text
        self._until = time.monotonic() + timeout / 1000 if timeout > 0 else None
        self._show(timeout)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize and self.currentMessage():
            self._refit()
        return False

    def resizeEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.currentMessage():
            self._refit()

    def _refit(self) -> None:
        """Shorten the message again for the room there is now, keeping the time it has left."""
        if self._until is None:
            self._show(0)
        else:
            left_ms = int((self._until - time.monotonic()) * 1000)
            if left_ms > 0:
                self._show(left_ms)

    def _show(self, timeout: int) -> None:
        # Qt draws the message from 6 px in up to 1 px before the first permanent field (or 12 px before the end).
        right = min((w.x() - 1 for w in self._permanent if w.isVisible()), default=self.width() - 12)
        room = right - MESSAGE_LEFT - 2
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(room, 0))
        self.setToolTip(self._full if shown != self._full else "")
        super().showMessage(shown, timeout)


def position_text(doc: Document) -> str:
    """The permanent field: which image of how many, its status, its annotations and the current tag."""
    img, tag = doc.current_image, doc.current_tag
    if img is None:
        return ""
    status = img.status.value.replace("_", " ")
    tag_text = f" · tag: {tag.name}" if tag else ""
    count = len(doc.annotations)
    return (
        f"{img.path} · {doc.row + 1}/{len(doc.images)} · {status} · "
        f"{count} annotation{'' if count == 1 else 's'}{tag_text}"
    )
