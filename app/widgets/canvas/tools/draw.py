"""Drawing tools for boxes (press–drag–release) and polygons (click the vertices)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent

from app.models import TagKind
from app.models.geometry import Box, Polygon
from app.widgets.canvas.tools.base import Tool

CLOSE_RADIUS_PX = 8.0  # clicking this close to the first vertex closes the polygon
MIN_BOX_PX = 3.0  # a smaller drag is a click, not a box


class RectTool(Tool):
    name = "rect"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, view) -> None:  # type: ignore[no-untyped-def]
        super().__init__(view)
        self.start: tuple[float, float] | None = None

    def press(self, pos: QPointF, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.has_image():
            return
        tag = self.doc.tag_for_kind(TagKind.BOX)
        if tag is None:
            return
        self.scene.draft.color = QColor(tag.color)
        self.start = self.clamp(pos)

    def move(self, pos: QPointF, event: QMouseEvent) -> None:
        if self.start is None:
            return
        x, y = self.clamp(pos)
        self.scene.draft.set_state([], None, QRectF(QPointF(*self.start), QPointF(x, y)).normalized())

    def release(self, pos: QPointF, event: QMouseEvent) -> None:
        if self.start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        (x1, y1), (x2, y2) = self.start, self.clamp(pos)
        self.cancel()
        px = self.scene.px
        if abs(x2 - x1) >= MIN_BOX_PX * px and abs(y2 - y1) >= MIN_BOX_PX * px:
            tag = self.doc.tag_for_kind(TagKind.BOX)
            if tag is not None:
                self.doc.add_annotation(Box(x1=x1, y1=y1, x2=x2, y2=y2), tag.id)

    def cancel(self) -> bool:
        busy = self.start is not None
        self.start = None
        self.scene.draft.set_state([], None)
        return busy

    def hint(self) -> str:
        return "Drag to draw a box."


class PolygonTool(Tool):
    name = "polygon"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, view) -> None:  # type: ignore[no-untyped-def]
        super().__init__(view)
        self.points: list[tuple[float, float]] = []
        self.cursor_pos: QPointF | None = None

    def press(self, pos: QPointF, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.has_image():
            return
        if not self.points:
            tag = self.doc.tag_for_kind(TagKind.POLYGON)
            if tag is None:
                return
            self.scene.draft.color = QColor(tag.color)
        x, y = self.clamp(pos)
        if len(self.points) >= 3:
            fx, fy = self.points[0]
            if math.hypot(fx - x, fy - y) <= CLOSE_RADIUS_PX * self.scene.px:
                self.finish()
                return
        self.points.append((x, y))
        self._redraw()

    def move(self, pos: QPointF, event: QMouseEvent) -> None:
        if self.points:
            self.cursor_pos = QPointF(*self.clamp(pos))
            self._redraw()

    def double_click(self, pos: QPointF, event: QMouseEvent) -> None:
        self.finish()

    def key(self, event: QKeyEvent) -> bool:
        if not self.points:
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
            return True
        if event.key() == Qt.Key.Key_Backspace:
            self.points.pop()
            self._redraw()
            return True
        return False

    def finish(self) -> None:
        pts = _dedupe(self.points)
        self.cancel()
        if len(pts) < 3:
            self.doc.message.emit("A polygon needs at least three vertices.")
            return
        tag = self.doc.tag_for_kind(TagKind.POLYGON)
        if tag is not None:
            self.doc.add_annotation(Polygon(points=tuple(pts)), tag.id)

    def cancel(self) -> bool:
        busy = bool(self.points)
        self.points = []
        self.cursor_pos = None
        self.scene.draft.set_state([], None)
        return busy

    def _redraw(self) -> None:
        self.scene.draft.set_state([QPointF(x, y) for x, y in self.points], self.cursor_pos)
        self.view.show_hint(self.hint())

    def hint(self) -> str:
        if not self.points:
            return "Click the polygon's vertices."
        return f"{len(self.points)} vertices — click the first vertex, double-click or Enter to close; Backspace undoes one."


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop consecutive repeats (a double-click lands twice on one spot)."""
    out: list[tuple[float, float]] = []
    for p in points:
        if not out or math.hypot(p[0] - out[-1][0], p[1] - out[-1][1]) > 1e-6:
            out.append(p)
    return out
