"""The Images dock: every image of the project with its status; filter by status or name."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QComboBox, QDockWidget, QLineEdit, QListView, QVBoxLayout, QWidget

from app.assist.prelabel_marks import PrelabelMarks
from app.document import Document
from app.models import ImageStatus

STATUS_TEXT = {ImageStatus.NEW: "new", ImageStatus.IN_PROGRESS: "in progress", ImageStatus.DONE: "done"}
STATUS_COLOR = {ImageStatus.NEW: "#9e9e9e", ImageStatus.IN_PROGRESS: "#f5a623", ImageStatus.DONE: "#3cb44b"}
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1

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
            waiting = "  ·  pre-labelled" if self._is_prelabelled(img.id) else ""
            return f"{img.path}   ·  {STATUS_TEXT[img.status]}{waiting}"
        if role == Qt.ItemDataRole.DecorationRole:
            return status_dot(img.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            size = f"{img.width}×{img.height}" if img.width else "size not read yet"
            marked = self._is_prelabelled(img.id)
            waiting = "\nthe selected model's suggestions wait here (pre-labelled)" if marked else ""
            return f"{img.path}\n{size}\nstatus: {STATUS_TEXT[img.status]}{waiting}"
        if role == STATUS_ROLE:
            return img.status.value
        return None


class ImageFilter(QSortFilterProxyModel):
    def __init__(self) -> None:
        super().__init__()
        self.status: str = ""
        self.text = ""

    def set_filter(self, status: str, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self.status, self.text = status, text.strip().lower()
            self.endFilterChange()
        else:
            self.status, self.text = status, text.strip().lower()
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        if not self.status and not self.text:
            return True
        src = self.sourceModel()
        assert isinstance(src, ImageListModel)
        if row == src.doc.row:
            return True  # the image on screen stays listed (drawing on a "new" image must not jump away)
        img = src.doc.images[row]
        if self.status and img.status.value != self.status:
            return False
        return not self.text or self.text in img.path.lower()


class ImagesDock(QDockWidget):
    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__("Images", parent)
        self.setObjectName("images_dock")
        self.doc = doc
        self.model = ImageListModel(doc)
        self.proxy = ImageFilter()
        self.proxy.setSourceModel(self.model)
        self.status_box = QComboBox()
        self.status_box.addItem("All images", "")
        for status, text in STATUS_TEXT.items():
            self.status_box.addItem(status_dot(status), text.capitalize(), status.value)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by name")
        self.search.setClearButtonEnabled(True)
        self.list = QListView()
        self.list.setObjectName("images_list")
        self.list.setModel(self.proxy)
        self.list.setUniformItemSizes(True)  # keeps 100,000 rows fast
        # A narrow dock shortens the file name in the middle: its status and "pre-labelled" stay readable.
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status_box)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.setWidget(body)
        self.status_box.currentIndexChanged.connect(self._refilter)
        self.search.textChanged.connect(self._refilter)
        self.list.selectionModel().currentChanged.connect(self._on_clicked)
        doc.currentImageChanged.connect(self._on_image_changed)
        doc.projectChanged.connect(self._follow_document)
        doc.imagesChanged.connect(self._follow_document)

    def _refilter(self) -> None:
        # Rows vanishing under the list's current index must not count as the user picking another image.
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        try:
            self.proxy.set_filter(self.status_box.currentData(), self.search.text())
        finally:
            selection.blockSignals(False)
        self._follow_document()

    def _on_image_changed(self) -> None:
        if self.proxy.status or self.proxy.text:
            self._refilter()  # the image left behind may no longer match
        else:
            self._follow_document()

    def _on_clicked(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.doc.go_to_row(self.proxy.mapToSource(current).row())

    def _follow_document(self) -> None:
        if self.doc.row < 0:
            return
        index = self.proxy.mapFromSource(self.model.index(self.doc.row))
        if index.isValid() and index != self.list.currentIndex():
            self.list.selectionModel().blockSignals(True)
            self.list.setCurrentIndex(index)
            self.list.selectionModel().blockSignals(False)
            self.list.scrollTo(index)
            self.list.viewport().update()

    def step(self, delta: int) -> None:
        """Next/previous image among those the filter shows."""
        rows = self.proxy.rowCount()
        if rows == 0:
            return
        current = (
            self.proxy.mapFromSource(self.model.index(self.doc.row)) if self.doc.row >= 0 else QModelIndex()
        )
        if current.isValid():
            target = current.row() + delta
        else:
            target = 0 if delta > 0 else rows - 1
        if 0 <= target < rows:
            self.doc.go_to_row(self.proxy.mapToSource(self.proxy.index(target, 0)).row())
