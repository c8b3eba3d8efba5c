"""The scene: the image and one item per annotation of the document's current image, kept in sync."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene

from app.document import Document
from app.models import Annotation
from app.widgets.canvas.dense_layer import DenseLayer, draws_itself, mark
from app.widgets.canvas.items import AnnotationItem, make_item
from app.widgets.canvas.overlays import DraftItem, HandlesOverlay

THIN_LINES_ABOVE = 1000  # annotations on one image; past this outlines are drawn 1 px wide


class AnnotationScene(QGraphicsScene):
    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.px = 1.0  # scene units per screen pixel
        self.image_size = QSize()
        self.items_by_id: dict[int, AnnotationItem] = {}
        self.pixmap_item = QGraphicsPixmapItem()
        self.pixmap_item.setZValue(-1000)
        self.pixmap_item.setShapeMode(QGraphicsPixmapItem.ShapeMode.BoundingRectShape)
        self.addItem(self.pixmap_item)
        self.handles = HandlesOverlay()
        self.addItem(self.handles)
        self.draft = DraftItem()
        self.addItem(self.draft)
        self.dense = DenseLayer(self)
        self.addItem(self.dense)
        self._dense_on = False
        self._highlighted: set[int] = set()  # the ids drawn selected, not by the dense layer
        self.setBackgroundBrush(Qt.GlobalColor.darkGray)
        doc.currentImageChanged.connect(self.rebuild)
        doc.annotationsAdded.connect(self._on_added)
        doc.annotationsChanged.connect(self._on_changed)
        doc.annotationsRemoved.connect(self._on_removed)
        doc.selectionChanged.connect(self._on_selection)
        doc.tagsChanged.connect(self._on_tags)

    # ---- image ---------------------------------------------------------------------------------

    def set_image(self, image: QImage | None, full_size: QSize) -> None:
        """Show `image` stretched over the full image size (a reduced preview first, then the full one)."""
        self.image_size = QSize(full_size)
        if image is None or image.isNull():
            self.pixmap_item.setPixmap(QPixmap())
        else:
            self.pixmap_item.setPixmap(QPixmap.fromImage(image))
            sx = full_size.width() / image.width()
            sy = full_size.height() / image.height()
            self.pixmap_item.setTransform(QTransform.fromScale(sx, sy))
        self.setSceneRect(QRectF(0, 0, max(full_size.width(), 1), max(full_size.height(), 1)))

    def image_rect(self) -> QRectF:
        return QRectF(0, 0, self.image_size.width(), self.image_size.height())

    def set_px(self, px: float) -> None:
        if abs(px - self.px) / max(px, 1e-9) < 1e-6:
            return
        self.px = px
        # Every item sized in screen pixels is told before its extent changes (see zoom_sized.py: a change
        # Qt's index was not told of left dangling pointers to deleted items, and a crash).
        for item in self.items_by_id.values():
            item.set_px(px)
        self.handles.set_px(px)
        self.draft.set_px(px)
        self.dense.zoomed()

    # ---- annotations ---------------------------------------------------------------------------

    def rebuild(self) -> None:
        for item in self.items_by_id.values():
            self.removeItem(item)
        self.items_by_id = {}
        self._highlighted = set()
        self._on_added(list(self.doc.annotations.values()))
        self._on_selection()

    def _on_added(self, annotations: list[Annotation]) -> None:
        thin = len(self.items_by_id) + len(annotations) > THIN_LINES_ABOVE
        for a in annotations:
            item = make_item(a, self.doc.tags.get(a.tag_id))
            item.set_px(self.px)
            item.set_thin(thin)
            self.items_by_id[a.saved_id] = item
            self.addItem(item)
        self._set_thin(thin)

    def _set_thin(self, thin: bool) -> None:
        for item in self.items_by_id.values():
            item.set_thin(thin)
        self._dense_on = thin
        self._redraw_dense()

    def _redraw_dense(self) -> None:
        """In dense mode the layer draws the unselected boxes and polygons; the items only take clicks."""
        dense = self._dense_on
        for item in self.items_by_id.values():
            mark(item, dense)
        self.dense.rebuild(
            [it for it in self.items_by_id.values() if not draws_itself(it, dense)] if dense else []
        )

    def _on_changed(self, annotations: list[Annotation]) -> None:
        for a in annotations:
            item = self.items_by_id.get(a.saved_id)
            if item is not None:
                item.set_annotation(a, self.doc.tags.get(a.tag_id))
        self.handles.refresh()
        if self._dense_on:
            self._redraw_dense()

    def _on_removed(self, ids: list[int]) -> None:
        for i in ids:
            item = self.items_by_id.pop(i, None)
            if item is not None:
                self.removeItem(item)
        self._set_thin(len(self.items_by_id) > THIN_LINES_ABOVE)
        self._on_selection()

    def _on_tags(self) -> None:
        self._on_changed(list(self.doc.annotations.values()))

    def _on_selection(self) -> None:
        selected: list[AnnotationItem] = []
        highlighted: set[int] = set()
        for i, item in self.items_by_id.items():
            on = i in self.doc.selected
            item.set_highlighted(on)
            if on:
                selected.append(item)
                highlighted.add(i)
        self.handles.show_for(selected)
        if self._dense_on and highlighted != self._highlighted:  # selected items leave the layer, or return
            self._redraw_dense()
        self._highlighted = highlighted

    def selected_items(self) -> list[AnnotationItem]:
        return [self.items_by_id[i] for i in self.doc.selected if i in self.items_by_id]

    def annotation_at(self, pos: QPointF) -> AnnotationItem | None:
        """The annotation under `pos`; among overlapping ones the smallest, so nested shapes stay reachable."""
        hits = [it for it in self.items(pos) if isinstance(it, AnnotationItem)]
        if not hits:
            return None
        return min(hits, key=lambda it: it.area())
