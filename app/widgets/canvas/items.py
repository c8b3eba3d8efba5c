"""Graphics items for annotations. They only draw; edits go through the document."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.models import Annotation, Tag
from app.models.geometry import Box, Geometry, Keypoints, Polygon, Visibility
from app.widgets.canvas.zoom_sized import ZoomSizedItem

FALLBACK_COLOR = "#808080"
POINT_RADIUS_PX = 4.0  # keypoint dots keep this size on screen at any zoom
TINY_PX = 6.0  # below this on-screen size a polygon is drawn as its bounding box


def scene_px(item: QGraphicsItem) -> float:
    """Scene units per screen pixel, set by the view on every zoom: for painting, never for an extent."""
    scene = item.scene()
    return getattr(scene, "px", 1.0) if scene is not None else 1.0


class AnnotationItem(ZoomSizedItem):
    """Base: holds the annotation shown, its tag colour and whether it is selected."""

    def __init__(self, annotation: Annotation, tag: Tag | None) -> None:
        super().__init__()
        self.annotation = annotation
        self.geometry: Geometry = annotation.geometry
        self.color = QColor(tag.color if tag else FALLBACK_COLOR)
        self.skeleton: tuple[tuple[int, int], ...] = tag.skeleton if tag else ()
        self.highlighted = False
        self.thin = False  # dense scene: 1 px outlines, no fill (wide pens and fills are slow paths)
        self.paints = True  # False while the dense layer draws it: the item only takes clicks
        self.setAcceptHoverEvents(False)
        self._restyle()

    def _restyle(self) -> None:
        """Build the pen and brush once per change, not once per paint."""
        width = 3 if self.highlighted else (0 if self.thin else 2)
        self.pen = QPen(self.color, width)
        self.pen.setCosmetic(True)
        fill = QColor(self.color)
        fill.setAlpha(90 if self.highlighted else 30)
        # Dense scenes: outlines only; thousands of translucent fills cost most of a frame and hide the image.
        self.brush = QBrush(fill) if self.highlighted or not self.thin else QBrush(Qt.BrushStyle.NoBrush)

    def set_thin(self, thin: bool) -> None:
        if thin != self.thin:
            self.thin = thin
            self._restyle()

    def set_paints(self, paints: bool) -> None:
        """Paint itself, or leave it to a layer that draws many at once (and keep no margin meanwhile)."""
        if paints != self.paints:
            self.prepareGeometryChange()  # the margin comes or goes with the painting
            self.paints = paints
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, not paints)

    def margin(self) -> float:
        return 2.0 if self.paints else 0.0  # the cosmetic pen, up to 3 px wide

    @property
    def ann_id(self) -> int:
        assert self.annotation.id is not None
        return self.annotation.id

    def set_annotation(self, annotation: Annotation, tag: Tag | None) -> None:
        self.annotation = annotation
        self.color = QColor(tag.color if tag else FALLBACK_COLOR)
        self.skeleton = tag.skeleton if tag else ()
        self._restyle()
        self.show_geometry(annotation.geometry)

    def show_geometry(self, geometry: Geometry) -> None:
        """Draw another geometry (a drag in progress) without changing the annotation."""
        self.prepareGeometryChange()  # while boundingRect() still gives the old extent
        self.geometry = geometry
        self._geometry_replaced()
        self.update()

    def _geometry_replaced(self) -> None:
        """Drop what was derived from the previous geometry."""

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.setZValue(1 if on else 0)
            self._restyle()
            self.update()

    def area(self) -> float:
        b = self.geometry.bounds()
        return max(b.width, 1e-6) * max(b.height, 1e-6)


class BoxItem(AnnotationItem):
    def _rect(self) -> QRectF:
        g = self.geometry
        assert isinstance(g, Box)
        return QRectF(QPointF(g.x1, g.y1), QPointF(g.x2, g.y2))

    def boundingRect(self) -> QRectF:
        m = self.scene_margin()
        return self._rect().adjusted(-m, -m, m, m)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRect(self._rect())
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setPen(self.pen)
        painter.setBrush(self.brush)
        painter.drawRect(self._rect())


class PolygonItem(AnnotationItem):
    def __init__(self, annotation: Annotation, tag: Tag | None) -> None:
        super().__init__(annotation, tag)
        self._cached: QPolygonF | None = None

    def _polygon(self) -> QPolygonF:
        g = self.geometry
        assert isinstance(g, Polygon)
        return QPolygonF([QPointF(x, y) for x, y in g.points])

    def _geometry_replaced(self) -> None:
        self._cached = None

    def _poly(self) -> QPolygonF:
        cached = self._cached
        if cached is None:
            cached = self._cached = self._polygon()
        return cached

    def boundingRect(self) -> QRectF:
        m = self.scene_margin()
        return self._poly().boundingRect().adjusted(-m, -m, m, m)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addPolygon(self._poly())
        path.closeSubpath()
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setPen(self.pen)
        painter.setBrush(self.brush)
        poly = self._poly()
        rect = poly.boundingRect()
        # A polygon a few pixels across on screen looks the same as its box and draws far faster.
        lod = option.levelOfDetailFromTransform(painter.worldTransform())  # type: ignore[attr-defined]
        if max(rect.width(), rect.height()) * lod < TINY_PX and not self.highlighted:
            painter.drawRect(rect)
        else:
            painter.drawPolygon(poly)


class KeypointsItem(AnnotationItem):
    def margin(self) -> float:
        return POINT_RADIUS_PX + 3  # dots keep their size on screen, 1.3× when selected

    def _points(self) -> list[tuple[QPointF, Visibility]]:
        g = self.geometry
        assert isinstance(g, Keypoints)
        return [(QPointF(p.x, p.y), p.v) for p in g.points]

    def boundingRect(self) -> QRectF:
        placed = [p for p, v in self._points() if v != Visibility.UNLABELLED]
        if not placed:
            return QRectF()
        r = self.scene_margin()
        rect = QPolygonF(placed).boundingRect()
        return rect.adjusted(-r, -r, r, r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        r = (POINT_RADIUS_PX + 3) * scene_px(self)
        for p, v in self._points():
            if v != Visibility.UNLABELLED:
                path.addEllipse(p, r, r)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        pts = self._points()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self.pen)
        for a, b in self.skeleton:
            if a < len(pts) and b < len(pts):
                (pa, va), (pb, vb) = pts[a], pts[b]
                if va != Visibility.UNLABELLED and vb != Visibility.UNLABELLED:
                    painter.drawLine(pa, pb)
        r = POINT_RADIUS_PX * scene_px(self) * (1.3 if self.highlighted else 1.0)
        outline = QPen(QColor("white"), 1)
        outline.setCosmetic(True)
        painter.setPen(outline)
        for p, v in pts:
            if v == Visibility.UNLABELLED:
                continue
            # Occluded points are drawn hollow.
            painter.setBrush(QBrush(self.color) if v == Visibility.VISIBLE else Qt.BrushStyle.NoBrush)
            if v == Visibility.OCCLUDED:
                painter.setPen(self.pen)
            painter.drawEllipse(p, r, r)
            painter.setPen(outline)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # the view does not restore state


def make_item(annotation: Annotation, tag: Tag | None) -> AnnotationItem:
    g = annotation.geometry
    if isinstance(g, Box):
        return BoxItem(annotation, tag)
    if isinstance(g, Polygon):
        return PolygonItem(annotation, tag)
    return KeypointsItem(annotation, tag)
