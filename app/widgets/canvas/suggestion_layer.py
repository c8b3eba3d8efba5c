"""Model suggestions on the canvas: one item draws them all, greyed out; selected ones in their tag colour.

A single layer item keeps a thousand suggestions cheap to show, filter and repaint: shapes are turned
into paths once per answer, and the threshold slider only changes which of them are painted. Which are
selected and focused it reads, when painting, from the suggestion set: it keeps no copy of its own.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.assist.suggestions import Suggestion
from app.models.geometry import Box, Keypoints, Polygon, Visibility
from app.models.palette import next_color
from app.widgets.canvas.items import scene_px

GREY = QColor(170, 170, 170)
GREY_FILL = QColor(128, 128, 128, 70)
DOT_PX = 3.5
CAPTIONS_UP_TO = 400  # with more shown, captions are left out (they would cover the image)
Z_SUGGESTIONS = 50


class Selection(Protocol):
    """Where the layer reads which suggestions are selected and focused (the suggestion set)."""

    @property
    def selected(self) -> Set[str]: ...

    @property
    def focused(self) -> str | None: ...


@dataclass
class _Shape:
    s: Suggestion
    path: QPainterPath  # box or polygon outline; empty for keypoints
    bounds: QRectF
    points: list[QPointF | None]  # keypoints; None where not placed
    caption: QStaticText


class SuggestionLayer(QGraphicsItem):
    def __init__(self, selection: Selection) -> None:
        super().__init__()
        self.setZValue(Z_SUGGESTIONS)
        self.selection = selection
        self._rect = QRectF()
        self._shapes: dict[str, _Shape] = {}
        self._shown: list[_Shape] = []
        self.skeleton: tuple[tuple[int, int], ...] = ()
        self.new_tag_color = QColor(next_color([]))
        self._font = QFont()
        self._font.setPixelSize(11)
        self._grey_pen = QPen(GREY, 1.5, Qt.PenStyle.DashLine)
        self._grey_pen.setCosmetic(True)
        self._grey_brush = QBrush(GREY_FILL)

    # ---- content -------------------------------------------------------------------------------

    def set_suggestions(
        self,
        shown: list[Suggestion],
        image_rect: QRectF,
        skeleton: tuple[tuple[int, int], ...],
        new_tag_color: str,
    ) -> None:
        """Show these suggestions; shapes already built for the same keys are reused (slider moves)."""
        if image_rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QRectF(image_rect)
        self.skeleton = skeleton
        self.new_tag_color = QColor(new_tag_color)
        for s in shown:
            shape = self._shapes.get(s.key)
            if shape is None or shape.s != s:
                self._shapes[s.key] = _build(s)
        self._shown = [self._shapes[s.key] for s in shown]
        self.update()

    def reset(self) -> None:
        """Forget the shapes built for the previous answer."""
        self._shapes, self._shown = {}, []
        self.update()

    def shown_keys(self) -> list[str]:
        return [sh.s.key for sh in self._shown]

    def suggestion_at(self, pos: QPointF) -> str | None:
        """The shown suggestion under `pos` (the smallest, so nested ones stay reachable)."""
        slack = 4 * scene_px(self)
        best, best_area = None, float("inf")
        for sh in self._shown:
            r = sh.bounds.adjusted(-slack, -slack, slack, slack)
            if not r.contains(pos):
                continue
            if not sh.path.isEmpty() and isinstance(sh.s.geometry, Polygon) and not sh.path.contains(pos):
                continue
            area = max(sh.bounds.width(), 1e-6) * max(sh.bounds.height(), 1e-6)
            if area < best_area:
                best, best_area = sh.s.key, area
        return best

    # ---- painting ------------------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        if not self._shown:
            return
        px = scene_px(self)
        exposed = option.exposedRect  # type: ignore[attr-defined]
        visible = [sh for sh in self._shown if sh.bounds.intersects(exposed)]
        for sh in visible:
            self._paint_shape(painter, sh, px)
        if len(visible) <= CAPTIONS_UP_TO:
            painter.setFont(self._font)
            for sh in visible:
                self._paint_caption(painter, sh, px)

    def _colors(self, sh: _Shape) -> tuple[QPen, QBrush]:
        key, selected, focused = sh.s.key, self.selection.selected, self.selection.focused
        if key not in selected and key != focused:
            return self._grey_pen, self._grey_brush
        tag = sh.s.target.tag
        color = QColor(tag.color) if tag is not None and tag.id is not None else self.new_tag_color
        if key not in selected:
            color = GREY  # focused only: grey, but drawn solid and wider
        pen = QPen(color, 3 if key == focused else 2)
        pen.setCosmetic(True)
        fill = QColor(color)
        fill.setAlpha(80)
        return pen, QBrush(fill)

    def _paint_shape(self, painter: QPainter, sh: _Shape, px: float) -> None:
        pen, brush = self._colors(sh)
        painter.setPen(pen)
        if not sh.path.isEmpty():
            painter.setBrush(brush)
            painter.drawPath(sh.path)
            return
        placed = len(sh.points)
        for a, b in self.skeleton:
            start, end = sh.points[a] if a < placed else None, sh.points[b] if b < placed else None
            if start is not None and end is not None:
                painter.drawLine(start, end)
        painter.setBrush(QBrush(pen.color()))
        r = DOT_PX * px
        for p in sh.points:
            if p is not None:
                painter.drawEllipse(p, r, r)

    def _paint_caption(self, painter: QPainter, sh: _Shape, px: float) -> None:
        # Inside the shape's top-left corner, so it never leaves the image (and this item's bounds).
        painter.save()
        painter.translate(sh.bounds.topLeft())
        painter.scale(px, px)
        size = sh.caption.size()
        painter.fillRect(QRectF(0, 0, size.width() + 6, size.height() + 2), QColor(40, 40, 40, 190))
        painter.setPen(QColor(235, 235, 235))
        painter.drawStaticText(QPointF(3, 1), sh.caption)
        painter.restore()


def _build(s: Suggestion) -> _Shape:
    g = s.geometry
    path = QPainterPath()
    points: list[QPointF | None] = []
    if isinstance(g, Box):
        path.addRect(QRectF(g.x1, g.y1, g.width, g.height))
    elif isinstance(g, Polygon):
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in g.points]))
        path.closeSubpath()
    elif isinstance(g, Keypoints):
        points = [QPointF(p.x, p.y) if p.v != Visibility.UNLABELLED else None for p in g.points]
    b = g.bounds()
    caption = QStaticText(f"{s.label} {s.score:.2f}")
    caption.setTextFormat(Qt.TextFormat.PlainText)
    return _Shape(s, path, QRectF(b.x1, b.y1, b.width, b.height), points, caption)
