"""What the click-to-segment tool shows: the outline Enter would commit, the clicks (green on the object,
red off it) and the box. One item; its extent is the image and a wide border, set only when the image's
size changes, so zooming never changes it behind the scene index's back (see zoom_sized.py)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.models.geometry import Polygon
from app.widgets.canvas.items import scene_px

OBJECT = QColor("#2ecc40")
BACKGROUND = QColor("#ff4136")
DOT_PX = 5.0
Z_PREVIEW = 1500  # over annotations and suggestions, under the shape being drawn


class SegmentPreview(QGraphicsItem):
    def __init__(self) -> None:
        super().__init__()
        self.setZValue(Z_PREVIEW)
        self._extent = QRectF()
        self.outline: QPolygonF | None = None
        self.positive: list[QPointF] = []
        self.negative: list[QPointF] = []
        self.box: QRectF | None = None
        self.color = QColor("#00c8ff")
        self.stale = False  # the outline answers an earlier prompt; a newer one is on its way

    def fit_image(self, image: QRectF) -> None:
        """Cover the image and a border as wide as it (dots and the box may sit on its edge)."""
        extent = image.adjusted(-image.width(), -image.height(), image.width(), image.height())
        if extent != self._extent:
            self.prepareGeometryChange()
            self._extent = extent

    def show_prompt(self, positive: list[QPointF], negative: list[QPointF], box: QRectF | None) -> None:
        self.positive, self.negative, self.box = positive, negative, box
        self.stale = True
        self.update()

    def show_outline(self, polygon: Polygon | None) -> None:
        self.outline = QPolygonF([QPointF(x, y) for x, y in polygon.points]) if polygon is not None else None
        self.stale = False
        self.update()

    def clear(self) -> None:
        self.outline, self.positive, self.negative, self.box = None, [], [], None
        self.stale = False
        self.update()

    def boundingRect(self) -> QRectF:
        return self._extent

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        px = scene_px(self)
        if self.outline is not None:
            fill = QColor(self.color)
            fill.setAlpha(50 if self.stale else 90)
            pen = QPen(self.color, 2, Qt.PenStyle.DashLine if self.stale else Qt.PenStyle.SolidLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QBrush(fill))
            painter.drawPolygon(self.outline)
        if self.box is not None:
            pen = QPen(self.color, 1.5, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.box)
        r = DOT_PX * px
        for points, color in ((self.positive, OBJECT), (self.negative, BACKGROUND)):
            pen = QPen(QColor("white"), 1.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QBrush(color))
            for p in points:
                painter.drawEllipse(p, r, r)
