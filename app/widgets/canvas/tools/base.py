"""The tool interface the canvas view calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent

if TYPE_CHECKING:
    from app.widgets.canvas.view import CanvasView


class Tool:
    name = ""
    cursor = Qt.CursorShape.ArrowCursor

    def __init__(self, view: CanvasView) -> None:
        self.view = view
        self.doc = view.doc
        self.scene = view.annotation_scene

    def press(self, pos: QPointF, event: QMouseEvent) -> None:
        pass

    def move(self, pos: QPointF, event: QMouseEvent) -> None:
        pass

    def release(self, pos: QPointF, event: QMouseEvent) -> None:
        pass

    def double_click(self, pos: QPointF, event: QMouseEvent) -> None:
        pass

    def key(self, event: QKeyEvent) -> bool:
        """Handle a key the shortcut table leaves to the canvas (Enter, Backspace); True if used."""
        return False

    def cancel(self) -> bool:
        """Drop work in progress; True if there was any."""
        return False

    def hint(self) -> str:
        return ""

    def clamp(self, pos: QPointF) -> tuple[float, float]:
        """`pos` clipped into the image."""
        r = self.scene.image_rect()
        if r.isEmpty():
            return pos.x(), pos.y()
        return min(max(pos.x(), 0.0), r.width()), min(max(pos.y(), 0.0), r.height())

    def has_image(self) -> bool:
        return self.view.can_edit()
