"""Crowded images: one item draws every unselected box and polygon, one path per tag colour.

With thousands of annotations, asking each item to paint itself costs a Python call per item per frame.
Past THIN_LINES_ABOVE the scene marks box and polygon items as having no contents (Qt then skips them when
painting, but still finds them for clicks) and this layer draws them as a few combined paths instead.
Selected items, and keypoints, keep painting themselves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QRectF, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.widgets.canvas.items import AnnotationItem, BoxItem, PolygonItem

RECT_BELOW_PX = 4.0  # smaller than this on screen: drawn as its box
COARSE_BELOW_PX = 24.0  # smaller than this on screen: every other vertex is enough
SETTLE_MS = (
    150  # while zooming, the last sharp picture is scaled; this long after the last step it is redrawn
)


@dataclass
class _Bucket:
    """The shapes of one colour and one size class (scene size below `limit`), at three levels of detail."""

    pen: QPen
    limit: float
    full: QPainterPath = field(default_factory=QPainterPath)
    coarse: QPainterPath = field(default_factory=QPainterPath)
    boxes: QPainterPath = field(default_factory=QPainterPath)


class DenseLayer(QGraphicsItem):
    def __init__(self, owner: QObject) -> None:
        super().__init__()
        self._buckets: list[_Bucket] = []
        self._rect = QRectF()
        # The last sharp picture of the layer, as drawn on the viewport, and the transform it was drawn with.
        self._picture: QImage | None = None
        self._picture_transform = QTransform()
        # Owned by the scene (an item is no QObject): it dies with the scene and never fires on a dead item.
        self._settle = QTimer(owner)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.update)

    def zoomed(self) -> None:
        """The view's scale changes: scale the last picture until the zoom settles, then draw sharp."""
        self._settle.start()

    def rebuild(self, items: Iterable[AnnotationItem]) -> None:
        """Draw these items (they must have been marked as having no contents)."""
        buckets: dict[tuple[int, int], _Bucket] = {}
        rect = QRectF()
        for item in items:
            if isinstance(item, PolygonItem):
                poly = item._poly()
                bounds = poly.boundingRect()
            elif isinstance(item, BoxItem):
                poly, bounds = None, item._rect()
            else:
                continue
            size = max(bounds.width(), bounds.height(), 1e-3)
            level = max(math.ceil(math.log2(size)), -8)
            key = (item.color.rgba(), level)
            bucket = buckets.get(key)
            if bucket is None:
                pen = QPen(item.color, 0)
                pen.setCosmetic(True)
                bucket = buckets[key] = _Bucket(pen, 2.0**level)
            bucket.boxes.addRect(bounds)
            if poly is None:
                bucket.full.addRect(bounds)
                bucket.coarse.addRect(bounds)
            else:
                bucket.full.addPolygon(poly)
                bucket.full.closeSubpath()
                bucket.coarse.addPolygon(_every_other(poly) if poly.size() > 8 else poly)
                bucket.coarse.closeSubpath()
            rect = rect.united(bounds)
        self.prepareGeometryChange()
        self._buckets = list(buckets.values())
        self._picture = None
        self._rect = rect.adjusted(-2, -2, 2, 2) if not rect.isNull() else QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        transform = painter.worldTransform()
        picture = self._picture
        if (
            picture is not None
            and self._settle.isActive()
            and transform.m11() != self._picture_transform.m11()
        ):
            # Zooming: the last sharp picture, moved and scaled exactly onto the new transform.
            inverse, _ok = self._picture_transform.inverted()
            painter.save()
            painter.setWorldTransform(inverse * transform)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(0, 0, picture)
            painter.restore()
            return
        device = painter.device()
        if device is None or widget is None:  # printing or an image export: draw directly
            self._draw(painter, option.levelOfDetailFromTransform(transform))  # type: ignore[attr-defined]
            return
        picture = QImage(device.width(), device.height(), QImage.Format.Format_ARGB32_Premultiplied)
        picture.fill(0)
        offscreen = QPainter(picture)
        offscreen.setWorldTransform(transform)
        self._draw(offscreen, option.levelOfDetailFromTransform(transform))  # type: ignore[attr-defined]
        offscreen.end()
        self._picture, self._picture_transform = picture, QTransform(transform)
        painter.save()
        painter.resetTransform()
        painter.drawImage(0, 0, picture)
        painter.restore()

    def _draw(self, painter: QPainter, lod: float) -> None:
        painter.setBrush(QColor(0, 0, 0, 0))
        for b in self._buckets:
            on_screen = b.limit * lod  # the largest shape of the bucket, in screen pixels
            painter.setPen(b.pen)
            painter.drawPath(
                b.boxes if on_screen < RECT_BELOW_PX else b.coarse if on_screen < COARSE_BELOW_PX else b.full
            )


def _every_other(poly: QPolygonF) -> QPolygonF:
    return QPolygonF([poly.at(i) for i in range(0, poly.size(), 2)])


def draws_itself(item: AnnotationItem, dense: bool) -> bool:
    """Whether an item paints itself: always outside dense mode; selected ones and keypoints always."""
    return not dense or item.highlighted or not isinstance(item, BoxItem | PolygonItem)


def mark(item: AnnotationItem, dense: bool) -> None:
    item.set_paints(draws_itself(item, dense))
