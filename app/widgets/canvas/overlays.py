"""Items drawn over the annotations: edit handles of the selection, and the shape being drawn."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from app.widgets.canvas.editing import handles
from app.widgets.canvas.items import AnnotationItem, scene_px
from app.widgets.canvas.zoom_sized import ZoomSizedItem

HANDLE_PX = 7.0  # handle squares keep this size on screen


class HandlesOverlay(ZoomSizedItem):
    """Draws the edit handles of the selected annotation items (one item for all, cheap to update)."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(1000)
        self._items: list[AnnotationItem] = []
        self._shapes = QRectF()  # union of the selected shapes, recomputed only when they change

    def show_for(self, items: list[AnnotationItem]) -> None:
        self.prepareGeometryChange()  # before the list changes: an empty one has an empty extent
        self._items = items
        self.refresh()

    def refresh(self) -> None:
        """The selected shapes moved or changed."""
        self.prepareGeometryChange()
        rect = QRectF()
        for item in self._items:
            b = item.geometry.bounds()
            rect = rect.united(QRectF(QPointF(b.x1, b.y1), QPointF(b.x2, b.y2)))
        self._shapes = rect
        self.update()

    def margin(self) -> float:
        return HANDLE_PX

    def boundingRect(self) -> QRectF:
        if not self._items:
            return QRectF()
        m = self.scene_margin()
        return self._shapes.adjusted(-m, -m, m, m)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        s = HANDLE_PX * scene_px(self)
        for item in self._items:
            pen = QPen(item.color, 1.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QBrush(QColor("white")))
            for x, y in handles(item.geometry):
                if not math.isnan(x):
                    painter.drawRect(QRectF(x - s / 2, y - s / 2, s, s))


class DraftItem(ZoomSizedItem):
    """The shape being drawn: an open polyline (or a rectangle) plus a rubber line to the cursor."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(2000)
        self.points: list[QPointF] = []
        self.cursor: QPointF | None = None
        self.rect: QRectF | None = None
        self.color = QColor("#ffffff")
        self.points_only = False  # keypoints: dots without the joining line

    def margin(self) -> float:
        return 8.0  # the dashed pen and the vertex dots

    def set_state(self, points: list[QPointF], cursor: QPointF | None, rect: QRectF | None = None) -> None:
        self.prepareGeometryChange()
        self.points, self.cursor, self.rect = points, cursor, rect
        self.points_only = False
        self.update()

    def boundingRect(self) -> QRectF:
        pts = list(self.points) + ([self.cursor] if self.cursor else [])
        rect = QPolygonF(pts).boundingRect() if pts else QRectF()
        if self.rect is not None:
            rect = rect.united(self.rect)
        m = self.scene_margin()
        return rect.adjusted(-m, -m, m, m)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        pen = QPen(self.color, 2, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        painter.setPen(pen)
        if self.rect is not None:
            fill = QColor(self.color)
            fill.setAlpha(40)
            painter.setBrush(fill)
            painter.drawRect(self.rect)
            return
        if len(self.points) > 1 and not self.points_only:
            painter.drawPolyline(QPolygonF(self.points))
        if self.points and self.cursor is not None:
            painter.drawLine(self.points[-1], self.cursor)
        r = 3.5 * scene_px(self)
        painter.setBrush(QBrush(self.color))
        for p in self.points:
            painter.drawEllipse(p, r, r)
