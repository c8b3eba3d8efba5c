"""Select and edit: click to select, drag to move, drag a handle to reshape; one undo step per drag."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent

from app.models import Annotation
from app.models.geometry import Geometry, Keypoints, Polygon, Visibility
from app.widgets.canvas import editing
from app.widgets.canvas.items import AnnotationItem
from app.widgets.canvas.overlays import HANDLE_PX
from app.widgets.canvas.tools.base import Tool


class SelectTool(Tool):
    name = "select"

    def __init__(self, view) -> None:  # type: ignore[no-untyped-def]
        super().__init__(view)
        self._reset()

    def _reset(self) -> None:
        self.mode: str | None = None  # "handle" | "move" | "band"
        self.start = QPointF()
        self.items: list[AnnotationItem] = []
        self.before: list[Annotation] = []
        self.handle = -1

    def _handle_under(self, pos: QPointF) -> tuple[AnnotationItem, int] | None:
        radius = HANDLE_PX * self.scene.px
        for item in self.scene.selected_items():
            i = editing.handle_at(item.geometry, pos.x(), pos.y(), radius)
            if i is not None:
                return item, i
        return None

    def press(self, pos: QPointF, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        mods = event.modifiers()
        hit = self._handle_under(pos) if self.has_image() else None
        if hit is not None:
            item, index = hit
            if mods & Qt.KeyboardModifier.AltModifier:
                self._delete_point(item, index)
                return
            self._begin("handle", pos, [item])
            self.handle = index
            return
        suggestion = self.view.suggestions.suggestion_at(pos) if self.view.suggestions is not None else None
        if suggestion is not None and self.view.assist is not None:
            self.view.assist.toggle(suggestion)  # a click selects a suggestion, a second one deselects it
            return
        item = self.scene.annotation_at(pos)
        if item is None:
            if not mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
                self.doc.set_selection(set())
            self.mode, self.start = "band", pos
            return
        if mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier):
            self.doc.set_selection(self.doc.selected ^ {item.ann_id})
            return
        if item.ann_id not in self.doc.selected:
            self.doc.set_selection({item.ann_id})
        if self.has_image():  # no moving where the image's extent is unknown (it failed to load)
            self._begin("move", pos, self.scene.selected_items())

    def _begin(self, mode: str, pos: QPointF, items: list[AnnotationItem]) -> None:
        self.mode, self.start, self.items = mode, pos, items
        self.before = [it.annotation for it in items]

    def move(self, pos: QPointF, event: QMouseEvent) -> None:
        if self.mode == "handle":
            item, before = self.items[0], self.before[0]
            x, y = self.clamp(pos)
            item.show_geometry(editing.drag_handle(before.geometry, self.handle, x, y))
            self.scene.handles.refresh()
        elif self.mode == "move":
            dx, dy = self._allowed_shift(pos.x() - self.start.x(), pos.y() - self.start.y())
            for item, before in zip(self.items, self.before, strict=True):
                item.show_geometry(before.geometry.translated(dx, dy))
            self.scene.handles.refresh()
        elif self.mode == "band":
            self.scene.draft.color = QColor("#ffffff")
            self.scene.draft.set_state([], None, QRectF(self.start, pos).normalized())

    def _allowed_shift(self, dx: float, dy: float) -> tuple[float, float]:
        """Limit a move so the selection stays inside the image."""
        rect = self.scene.image_rect()
        bounds = [b.geometry.bounds() for b in self.before]
        x1, y1 = min(b.x1 for b in bounds), min(b.y1 for b in bounds)
        x2, y2 = max(b.x2 for b in bounds), max(b.y2 for b in bounds)
        dx = min(max(dx, -x1), rect.width() - x2) if x2 - x1 <= rect.width() else dx
        dy = min(max(dy, -y1), rect.height() - y2) if y2 - y1 <= rect.height() else dy
        return dx, dy

    def release(self, pos: QPointF, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.mode in ("handle", "move") and self._snapshot_stale():
            # An undo, delete or retag landed mid-drag: writing our old copy back would undo it.
            self.cancel()
            return
        if self.mode in ("handle", "move"):
            after = [
                b.model_copy(update={"geometry": it.geometry})
                for it, b in zip(self.items, self.before, strict=True)
            ]
            changed = [(b, a) for b, a in zip(self.before, after, strict=True) if a.geometry != b.geometry]
            if changed:
                text = "Move" if self.mode == "move" else "Reshape"
                self.doc.update_annotations([c[0] for c in changed], [c[1] for c in changed], text)
        elif self.mode == "band":
            self.scene.draft.set_state([], None)
            rect = QRectF(self.start, pos).normalized()
            if rect.width() > 2 * self.scene.px and rect.height() > 2 * self.scene.px:
                picked = {i for i, it in self.scene.items_by_id.items() if rect.intersects(it.boundingRect())}
                self.doc.set_selection(self.doc.selected | picked)
        self._reset()

    def _snapshot_stale(self) -> bool:
        return any(self.doc.annotations.get(b.saved_id) != b for b in self.before)

    def double_click(self, pos: QPointF, event: QMouseEvent) -> None:
        if not self.has_image():
            return
        hit = self._handle_under(pos)
        if hit is not None and isinstance(keypoints := hit[0].geometry, Keypoints):
            item, index = hit
            self._replace(item, editing.toggle_visibility(keypoints, index), "Toggle keypoint visibility")
            return
        for item in self.scene.selected_items():
            if isinstance(item.geometry, Polygon):
                edge = editing.nearest_edge(item.geometry, pos.x(), pos.y(), HANDLE_PX * self.scene.px)
                if edge is not None:
                    self._replace(item, editing.insert_vertex(item.geometry, *edge), "Add vertex")
                    return

    def _delete_point(self, item: AnnotationItem, index: int) -> None:
        g = item.geometry
        if isinstance(g, Polygon):
            new = editing.remove_vertex(g, index)
            if new is None:
                self.doc.message.emit("A polygon keeps at least three vertices; delete the polygon instead.")
                return
            self._replace(item, new, "Delete vertex")
        elif isinstance(g, Keypoints):
            if len(g.labelled()) <= 1:
                self.doc.message.emit("That is the last placed point; delete the annotation instead.")
                return
            self._replace(item, editing.set_visibility(g, index, Visibility.UNLABELLED), "Remove keypoint")

    def _replace(self, item: AnnotationItem, geometry: Geometry, text: str) -> None:
        before = item.annotation
        self.doc.update_annotations([before], [before.model_copy(update={"geometry": geometry})], text)

    def cancel(self) -> bool:
        if self.mode in ("handle", "move"):
            for item, before in zip(self.items, self.before, strict=True):
                current = self.doc.annotations.get(before.saved_id)
                if current is not None:
                    item.show_geometry(current.geometry)
            self.scene.handles.refresh()
        busy = self.mode is not None
        self.scene.draft.set_state([], None)
        self._reset()
        return busy

    def hint(self) -> str:
        return "Click to select, drag to move, drag a handle to reshape; Del deletes."
