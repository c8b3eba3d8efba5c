"""The canvas: shows the document's current image and its annotations; zoom, pan, and the active tool."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QWheelEvent
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.document import Document
from app.imaging.async_source import ImageSource
from app.widgets.canvas.scene import AnnotationScene
from app.widgets.canvas.tools import KeypointTool, PolygonTool, RectTool, SelectTool, Tool

if TYPE_CHECKING:
    from app.assist.controller import AssistController
    from app.widgets.canvas.suggestion_layer import SuggestionLayer

ZOOM_STEP = 1.25
MIN_PX, MAX_PX = 1 / 64, 64.0  # scene units per screen pixel: 64× magnification to 1/64


class CanvasView(QGraphicsView):
    toolChanged = Signal(str)
    hintChanged = Signal(str)
    imageShown = Signal()  # the full-resolution image (or an error message) is on screen

    def __init__(self, doc: Document, parent: QWidget | None = None, *, preview_side: int = 2048) -> None:
        super().__init__(parent)
        self.doc = doc
        self.annotation_scene = AnnotationScene(doc)
        self.setScene(self.annotation_scene)
        self.setObjectName("canvas")
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        # Every item sets its own pen and brush, so the view need not save and restore painter state.
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.image_ready = False
        self.suggestions: SuggestionLayer | None = None  # set by bind_assist
        self.assist: AssistController | None = None
        self.message = "Open a project or a folder of images (File menu)."
        self._fit_pending = True
        self._pan_from: QPoint | None = None
        self._key: object = None
        self.tools: dict[str, Tool] = {
            t.name: t for t in (SelectTool(self), RectTool(self), PolygonTool(self), KeypointTool(self))
        }
        self.tool: Tool = self.tools["select"]
        self.source = ImageSource(self, preview_side=preview_side)
        self.source.preview_ready.connect(self._on_preview)
        self.source.full_ready.connect(self._on_full)
        self.source.failed.connect(self._on_failed)
        doc.currentImageChanged.connect(self._load_current)

    # ---- tools ---------------------------------------------------------------------------------

    def set_tool(self, name: str) -> None:
        self.tool.cancel()
        self.tool = self.tools[name]
        self.viewport().setCursor(self.tool.cursor)
        self.toolChanged.emit(name)
        self.show_hint(self.tool.hint())

    def show_hint(self, text: str) -> None:
        self.hintChanged.emit(text)

    def can_edit(self) -> bool:
        """Shapes can be drawn and edited once the image's extent is known and it did not fail to load."""
        return (
            self.doc.current_image is not None
            and not self.message
            and not self.annotation_scene.image_rect().isEmpty()
        )

    def cancel(self) -> bool:
        """Esc: drop the shape being drawn or dragged; else clear the selection."""
        if self.tool.cancel():
            return True
        if self.doc.selected:
            self.doc.set_selection(set())
            return True
        return False

    # ---- image ---------------------------------------------------------------------------------

    def _load_current(self) -> None:
        self.tool.cancel()
        path = self.doc.current_path()
        img = self.doc.current_image
        self.image_ready = False
        self._fit_pending = True
        self.annotation_scene.set_image(None, QSize(img.width, img.height) if img else QSize())
        if path is None or img is None:
            self._key = None
            no_images = "This project has no images yet: add some with File → Add images."
            self.message = no_images if self.doc.project_location is not None and not self.doc.images else ""
            self.viewport().update()
            return
        self._key = (img.id, str(path))
        self.message = ""
        self.source.request(path, self._key)

    def _on_preview(self, key: object, image: QImage, full_size: QSize) -> None:
        if key != self._key:
            return  # an image no longer on screen
        self._show(image, full_size, ready=False)

    def _on_full(self, key: object, image: QImage) -> None:
        if key != self._key:
            return
        self._show(image, image.size(), ready=True)
        self.imageShown.emit()

    def _on_failed(self, key: object, message: str) -> None:
        if key != self._key:
            return
        img = self.doc.current_image
        self.annotation_scene.set_image(None, QSize(img.width, img.height) if img else QSize())
        self.image_ready = False
        self.message = message
        self.viewport().update()
        self.doc.message.emit(message)
        self.imageShown.emit()

    def _show(self, image: QImage, full_size: QSize, *, ready: bool) -> None:
        self.annotation_scene.set_image(image, full_size)
        self.doc.set_image_size(full_size.width(), full_size.height())
        self.image_ready = ready or self.image_ready
        self.message = ""
        if self._fit_pending:
            self.fit()
            self._fit_pending = False
        self.viewport().update()

    # ---- zoom and pan --------------------------------------------------------------------------

    def fit(self) -> None:
        rect = self.annotation_scene.image_rect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        self._zoom_changed()

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        px = 1.0 / max(self.transform().m11(), 1e-9)
        target = min(max(px / factor, MIN_PX), MAX_PX)
        factor = px / target
        if abs(factor - 1.0) < 1e-9:
            return
        if anchor is None:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.scale(factor, factor)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._zoom_changed()

    def _zoom_changed(self) -> None:
        scale = self.transform().m11()
        self.annotation_scene.set_px(1.0 / max(scale, 1e-9))
        # Smooth when shrinking a photo; crisp pixels when zoomed in to place points precisely.
        self.annotation_scene.pixmap_item.setTransformationMode(
            Qt.TransformationMode.SmoothTransformation
            if scale < 2
            else Qt.TransformationMode.FastTransformation
        )

    def wheelEvent(self, event: QWheelEvent) -> None:
        mods = event.modifiers()
        if mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier) or (
            event.angleDelta().y() == 0 and event.pixelDelta().manhattanLength() > 0
        ):
            # Ctrl/Shift+wheel and touchpad two-finger scrolling pan.
            if mods & Qt.KeyboardModifier.ShiftModifier and not event.angleDelta().x():
                bar = self.horizontalScrollBar()
                bar.setValue(bar.value() - event.angleDelta().y())
                return
            super().wheelEvent(event)
            return
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(ZOOM_STEP**steps, event.position().toPoint())

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        if self.image_ready and self._fit_pending:
            self.fit()

    # ---- input to the tool ---------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        self.tool.press(self.mapToScene(event.position().toPoint()), event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            return
        self.tool.move(self.mapToScene(event.position().toPoint()), event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(self.tool.cursor)
            return
        self.tool.release(self.mapToScene(event.position().toPoint()), event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.tool.double_click(self.mapToScene(event.position().toPoint()), event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.tool.key(event):
            super().keyPressEvent(event)

    # ---- messages in place of the image ---------------------------------------------------------

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if not self.message:
            return
        painter.save()
        painter.resetTransform()
        area = QRectF(self.viewport().rect()).adjusted(40, 40, -40, -40)
        painter.setPen(QColor("#f0f0f0"))
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        painter.restore()

    def scene_pos(self, x: float, y: float) -> QPoint:
        """Viewport coordinates of the image point (x, y) — for tests and the help overlay."""
        return self.mapFromScene(QPointF(x, y))
