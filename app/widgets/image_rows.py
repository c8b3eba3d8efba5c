"""The rows of the Images dock: each image's path, status, review, who holds it and whether model
suggestions wait on it, read from the document as they are painted (nothing is copied per row)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from app.assist.prelabel_marks import PrelabelMarks
from app.document import Document
from app.models import ImageRecord, ImageStatus, Review

STATUS_TEXT = {ImageStatus.NEW: "new", ImageStatus.IN_PROGRESS: "in progress", ImageStatus.DONE: "done"}
STATUS_COLOR = {ImageStatus.NEW: "#9e9e9e", ImageStatus.IN_PROGRESS: "#f5a623", ImageStatus.DONE: "#3cb44b"}
REVIEW_TEXT = {Review.ACCEPTED: "✓ accepted", Review.REJECTED: "✗ rejected"}
HELD_COLOR = "#9e9e9e"
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1
NAME_ROLE = Qt.ItemDataRole.UserRole + 2  # the file name part of the row's text
PAINTED_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole]

Index = QModelIndex | QPersistentModelIndex
_DOTS: dict[ImageStatus, QPixmap] = {}


def status_dot(status: ImageStatus) -> QPixmap:
    """A small filled circle in the status colour (made once per status)."""
    dot = _DOTS.get(status)
    if dot is None:
        dot = QPixmap(12, 12)
        dot.fill(Qt.GlobalColor.transparent)
        painter = QPainter(dot)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(QColor(STATUS_COLOR[status]))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(1, 1, 10, 10)
        painter.end()
        _DOTS[status] = dot
    return dot


class ImageListModel(QAbstractListModel):
    """A read-only view of `doc.images` (fast for 100,000 rows: nothing is copied)."""

    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self._marks: PrelabelMarks | None = None  # which images' model suggestions wait for review
        doc.projectChanged.connect(self._reset)
        doc.imagesChanged.connect(self._reset)
        doc.imageUpdated.connect(self._row_changed)

    def _reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def follow_marks(self, marks: PrelabelMarks) -> None:
        """Show the pre-label marks as model assist holds them (their one copy), and follow their changes."""
        self._marks = marks
        marks.changed.connect(self._all_rows_changed)
        marks.added.connect(self._all_rows_changed)
        self._all_rows_changed()

    def _is_prelabelled(self, image_id: int | None) -> bool:
        return image_id is not None and self._marks is not None and self._marks.is_prelabelled(image_id)

    def _all_rows_changed(self, *_: object) -> None:
        if self.doc.images:
            self.dataChanged.emit(self.index(0), self.index(len(self.doc.images) - 1))

    def repaint_rows(self) -> None:
        """Every row's text changed but nothing a filter reads (who holds which image was read again)."""
        if self.doc.images:
            self.dataChanged.emit(self.index(0), self.index(len(self.doc.images) - 1), PAINTED_ROLES)

    def _row_changed(self, row: int) -> None:
        i = self.index(row)
        self.dataChanged.emit(i, i)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.doc.images)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        img = self.doc.images[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(img)
        if role == Qt.ItemDataRole.DecorationRole:
            return status_dot(img.status)
        if role == Qt.ItemDataRole.ForegroundRole:
            return QColor(HELD_COLOR) if self.doc.holder_of(img.id) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(img)
        if role == STATUS_ROLE:
            return img.status.value
        if role == NAME_ROLE:
            return img.path
        return None

    def _text(self, img: ImageRecord) -> str:
        parts = [img.path, STATUS_TEXT[img.status]]
        if img.review in REVIEW_TEXT:
            parts.append(REVIEW_TEXT[img.review])
        holder = self.doc.holder_of(img.id)
        if holder:
            parts.append(f"held by {holder}")  # words, not an emoji: not every system font has one
        if self._is_prelabelled(img.id):
            parts.append("pre-labelled")  # last: the eye finds it at the end of the row
        return "   ·  ".join(parts[:2]) + "".join(f"  ·  {p}" for p in parts[2:])

    def _tooltip(self, img: ImageRecord) -> str:
        lines = [img.path, f"{img.width}×{img.height}" if img.width else "size not read yet"]
        by = f" (by {img.status_by})" if img.status_by else ""
        lines.append(f"status: {STATUS_TEXT[img.status]}{by}")
        if img.review != Review.NONE:
            note = f": {img.review_note}" if img.review_note else ""
            lines.append(f"{img.review.value} by {img.reviewed_by or 'a reviewer'}{note}")
        holder = self.doc.holder_of(img.id)
        if holder:
            lines.append(f"{holder} is working on it: read-only until they move on")
        if self._is_prelabelled(img.id):
            lines.append("the selected model's suggestions wait here (pre-labelled)")
        return "\n".join(lines)


class ImageRowDelegate(QStyledItemDelegate):
    """Shortens only the file name of a row that does not fit (in its middle), so the status, the review,
    who holds the image and the pre-labelled mark stay whole in a narrow dock."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        name, text = index.data(NAME_ROLE), option.text  # type: ignore[attr-defined]
        metrics = option.fontMetrics  # type: ignore[attr-defined]
        room = option.rect.width() - option.decorationSize.width() - 16  # type: ignore[attr-defined]
        if not isinstance(name, str) or not text.startswith(name) or metrics.horizontalAdvance(text) <= room:
            return
        rest = text[len(name) :]
        width = max(room - metrics.horizontalAdvance(rest), metrics.horizontalAdvance("w…w"))
        option.text = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width) + rest  # type: ignore[attr-defined]
