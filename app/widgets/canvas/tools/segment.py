"""Click to segment: left click on the object, right click off it, or drag a box around it; the outline
follows each click (worked out off the UI thread), Enter adds it as a polygon, Esc drops it, Backspace takes
back the last click. One undo step. The engine is chosen in Intelligent Tools."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent

from app.assist.segmenter import Segmenter, SegmentResult
from app.models import TagKind
from app.segment.engine import Prompt, Rect
from app.widgets.canvas.segment_preview import SegmentPreview
from app.widgets.canvas.tools.base import Tool

MIN_BOX_PX = 6.0  # a shorter drag is a click


class SegmentTool(Tool):
    name = "segment"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, view, segmenter: Segmenter) -> None:  # type: ignore[no-untyped-def]
        super().__init__(view)
        self.segmenter = segmenter
        self.preview = SegmentPreview()
        self.scene.addItem(self.preview)
        self._reset()
        segmenter.resultReady.connect(self._on_result)
        segmenter.failed.connect(self._on_failed)

    def _reset(self) -> None:
        self.positive: list[tuple[float, float]] = []
        self.negative: list[tuple[float, float]] = []
        self.box: Rect | None = None
        self.order: list[str] = []  # "positive" | "negative" | "box": what Backspace takes back
        self.view_rect: Rect | None = None  # the part of the image on screen at the first click
        self.pressed: tuple[float, float] | None = None
        self.dragging = False
        self.result: SegmentResult | None = None
        self.commit_when_ready = False

    # ---- input ---------------------------------------------------------------------------------

    def press(self, pos: QPointF, event: QMouseEvent) -> None:
        if not self.has_image():
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self.pressed, self.dragging = self.clamp(pos), False
        elif event.button() == Qt.MouseButton.RightButton and not self.segmenter.takes_clicks_along_edges():
            self._add("negative", self.clamp(pos))

    def move(self, pos: QPointF, event: QMouseEvent) -> None:
        if self.pressed is None or not self.segmenter.uses_box():
            return
        x, y = self.clamp(pos)
        far = MIN_BOX_PX * self.scene.px
        if self.dragging or abs(x - self.pressed[0]) >= far or abs(y - self.pressed[1]) >= far:
            self.dragging = True
            self._show_prompt(QRectF(QPointF(*self.pressed), QPointF(x, y)).normalized())

    def release(self, pos: QPointF, event: QMouseEvent) -> None:
        if self.pressed is None or event.button() != Qt.MouseButton.LeftButton:
            return
        start, self.pressed = self.pressed, None
        if self.dragging:
            (x1, y1), (x2, y2) = start, self.clamp(pos)
            self.dragging = False
            self.box = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
            self.order = [o for o in self.order if o != "box"]
            self._add("box", None)
        else:
            self._add("positive", start)

    def key(self, event: QKeyEvent) -> bool:
        if not self.order:
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.commit()
            return True
        if event.key() == Qt.Key.Key_Backspace:
            last = self.order.pop()
            if last == "box":
                self.box = None
            else:
                getattr(self, last).pop()
            self._ask()
            return True
        return False

    def _add(self, kind: str, point: tuple[float, float] | None) -> None:
        if self.view_rect is None:
            self.view_rect = self._visible_image()
            tag = self.doc.current_tag
            self.preview.color = QColor(tag.color if tag and tag.kind == TagKind.POLYGON else "#00c8ff")
        if point is not None:
            getattr(self, kind).append(point)
        self.order.append(kind)
        self._ask()

    def _ask(self) -> None:
        prompt = Prompt(tuple(self.positive), tuple(self.negative), self.box)
        self._show_prompt(None)
        if not self.order:
            self.cancel()
            return
        assert self.view_rect is not None
        self.segmenter.segment(prompt, self.view_rect)
        self.view.show_hint(self.hint())

    def _show_prompt(self, dragged: QRectF | None) -> None:
        box = (
            dragged
            if dragged is not None
            else (QRectF(QPointF(*self.box[:2]), QPointF(*self.box[2:])) if self.box else None)
        )
        self.preview.fit_image(self.scene.image_rect())
        self.preview.show_prompt(
            [QPointF(*p) for p in self.positive], [QPointF(*p) for p in self.negative], box
        )

    def _visible_image(self) -> Rect:
        shown = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        r = shown.intersected(self.scene.image_rect())
        if r.isEmpty():
            r = self.scene.image_rect()
        return r.left(), r.top(), r.right(), r.bottom()

    # ---- answers -------------------------------------------------------------------------------

    def _on_result(self, result: SegmentResult) -> None:
        if not self.order:
            return
        self.result = result
        self.preview.show_outline(result.outline.polygon)
        self.view.show_hint(self.hint())
        if self.commit_when_ready:
            self.commit()

    def _on_failed(self, message: str) -> None:
        self.commit_when_ready = False  # the message itself goes to the status bar (see segment_panel.py)

    def commit(self) -> None:
        """Enter: add the outline as a polygon (once the answer to the last click is in)."""
        if self.result is None or self.preview.stale:
            self.commit_when_ready = bool(self.order)
            return
        found = self.result.outline
        self.cancel()
        if found.polygon is None:
            self.doc.message.emit(
                "Nothing found to outline there: click on the object, or drag a box around it."
            )
            return
        tag = self.doc.tag_for_kind(TagKind.POLYGON)
        if tag is None:
            return
        self.doc.add_annotation(found.polygon, tag.id)
        note = f" ({found.note()})" if found.note() else ""
        self.doc.message.emit(f"Added a {tag.name} outline of {len(found.polygon.points)} points{note}.")

    def cancel(self) -> bool:
        busy = bool(self.order) or self.pressed is not None
        if busy:
            self.segmenter.cancel()
        self._reset()
        self.preview.clear()
        return busy

    def hint(self) -> str:
        engine = self.segmenter.engine_title()
        if self.segmenter.takes_clicks_along_edges():
            if len(self.positive) < 3:
                return f"{engine}: click along the object's edge; the outline closes back to the first click."
        elif not self.order:
            return f"{engine}: click on the object (right click: not the object) or drag a box around it."
        if self.result is None or self.preview.stale:
            return f"{engine}: working…"
        found = self.result.outline
        if found.polygon is None:
            return f"{engine}: nothing found yet — click on the object, right click beside it."
        note = f" — {found.note()}" if found.note() else ""
        return (
            f"{engine}: {len(found.polygon.points)} points in {self.result.seconds * 1000:.0f} ms{note}. "
            "Enter adds it, Esc drops it, Backspace takes back the last click."
        )
