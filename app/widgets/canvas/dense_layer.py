"""Crowded images: one item draws every unselected box and polygon, one path per tag colour.

With thousands of annotations, asking each item to paint itself costs a Python call per item per frame.
Past THIN_LINES_ABOVE the scene marks box and polygon items as having no contents (Qt then skips them when
painting, but still finds them for clicks) and this layer draws them as a few combined paths instead.
Selected items, and keypoints, keep painting themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.widgets.canvas.items import AnnotationItem, BoxItem, PolygonItem


class DenseLayer(QGraphicsItem):
    def __init__(self) -> None:
        super().__init__()
        self._paths: list[tuple[QPen, QPainterPath]] = []
        self._rect = QRectF()

    def rebuild(self, items: Iterable[AnnotationItem]) -> None:
        """Draw these items (they must have been marked as having no contents)."""
        by_color: dict[int, tuple[QColor, QPainterPath]] = {}
        for item in items:
            key = item.color.rgba()
            entry = by_color.get(key)
            if entry is None:
                entry = by_color[key] = (item.color, QPainterPath())
            path = entry[1]
            if isinstance(item, PolygonItem):
                path.addPolygon(item._poly())
                path.closeSubpath()
            elif isinstance(item, BoxItem):
                path.addRect(item._rect())
        self.prepareGeometryChange()
        self._paths = []
        rect = QRectF()
        for color, path in by_color.values():
            pen = QPen(color, 0)
            pen.setCosmetic(True)
            self._paths.append((pen, path))
            rect = rect.united(path.boundingRect())
        self._rect = rect.adjusted(-2, -2, 2, 2) if not rect.isNull() else QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        painter.setBrush(QColor(0, 0, 0, 0))
        for pen, path in self._paths:
            painter.setPen(pen)
            painter.drawPath(path)


def draws_itself(item: AnnotationItem, dense: bool) -> bool:
    """Whether an item paints itself: always outside dense mode; selected ones and keypoints always."""
    return not dense or item.highlighted or not isinstance(item, BoxItem | PolygonItem)


def mark(item: AnnotationItem, dense: bool) -> None:
    item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, not draws_itself(item, dense))
