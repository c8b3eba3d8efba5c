"""Placing a keypoint tag's points in order: click places, Shift+click places occluded, right click skips."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent

from app.models import Tag, TagKind
from app.models.geometry import Keypoint, Keypoints, Visibility
from app.widgets.canvas.tools.base import Tool


class KeypointTool(Tool):
    name = "keypoints"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, view) -> None:  # type: ignore[no-untyped-def]
        super().__init__(view)
        self.tag: Tag | None = None
        self.placed: list[Keypoint] = []

    def press(self, pos: QPointF, event: QMouseEvent) -> None:
        if not self.has_image():
            return
        if not self.placed:
            self.tag = self.doc.tag_for_kind(TagKind.KEYPOINTS)
            if self.tag is None:
                return
            self.scene.draft.color = QColor(self.tag.color)
        if event.button() == Qt.MouseButton.RightButton:
            self.placed.append(Keypoint())
        elif event.button() == Qt.MouseButton.LeftButton:
            x, y = self.clamp(pos)
            shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            self.placed.append(Keypoint(x=x, y=y, v=Visibility.OCCLUDED if shift else Visibility.VISIBLE))
        else:
            return
        if self.tag is not None and len(self.placed) >= len(self.tag.keypoint_names):
            self.finish()
        else:
            self._redraw()

    def key(self, event: QKeyEvent) -> bool:
        if not self.placed:
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            return True
        if event.key() == Qt.Key.Key_Backspace:
            self.placed.pop()
            self._redraw()
            return True
        return False

    def finish(self) -> None:
        tag, placed = self.tag, list(self.placed)
        self.cancel()
        if tag is None or not any(p.v != Visibility.UNLABELLED for p in placed):
            return
        placed += [Keypoint()] * (len(tag.keypoint_names) - len(placed))
        self.doc.add_annotation(Keypoints(points=tuple(placed)), tag.id)

    def cancel(self) -> bool:
        busy = bool(self.placed)
        self.placed = []
        self.scene.draft.set_state([], None)
        self.view.show_hint(self.hint())
        return busy

    def _redraw(self) -> None:
        pts = [QPointF(p.x, p.y) for p in self.placed if p.v != Visibility.UNLABELLED]
        self.scene.draft.set_state(pts, None)
        self.scene.draft.points_only = True
        self.view.show_hint(self.hint())

    def hint(self) -> str:
        tag = self.tag if self.placed else self.doc.current_tag
        if tag is None or tag.kind != TagKind.KEYPOINTS:
            return "Pick a keypoint tag, then click its points in order."
        i = len(self.placed)
        n = len(tag.keypoint_names)
        return (
            f"Place {tag.keypoint_names[i]} ({i + 1}/{n}) — right click skips, Shift+click marks occluded, "
            "Enter finishes."
        )
