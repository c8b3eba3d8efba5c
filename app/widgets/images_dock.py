"""The Images dock: every image of the project with its status, review and who holds it; filter by
status (to do: new, in progress or rejected), labeller, review or name."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QComboBox, QDockWidget, QHBoxLayout, QLineEdit, QListView, QVBoxLayout, QWidget

from app.document import Document
from app.models import ImageRecord, ImageStatus, Review
from app.widgets.image_rows import STATUS_TEXT, ImageListModel, ImageRowDelegate, Index, status_dot

__all__ = ["ImageFilter", "ImageListModel", "ImagesDock"]

TO_DO = "to_do"  # the status filter's "To do": what a labeller still has to do
REVIEW_CHOICES = (
    ("Any review", None),
    ("Accepted", Review.ACCEPTED),
    ("Rejected", Review.REJECTED),
    ("Not reviewed", Review.NONE),
)


class ImageFilter(QSortFilterProxyModel):
    """Which images are listed: by status (or "to do"), labeller who set it, review and name."""

    def __init__(self) -> None:
        super().__init__()
        self.status: str = ""
        self.text = ""
        self.labeller = ""
        self.review: Review | None = None

    @property
    def active(self) -> bool:
        return bool(self.status or self.text or self.labeller) or self.review is not None

    def set_filter(self, status: str, text: str, labeller: str = "", review: Review | None = None) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9; invalidateFilter() is deprecated there
            self.beginFilterChange()
            self._set(status, text, labeller, review)
            self.endFilterChange()
        else:
            self._set(status, text, labeller, review)
            self.invalidateFilter()

    def _set(self, status: str, text: str, labeller: str, review: Review | None) -> None:
        self.status, self.text, self.labeller, self.review = status, text.strip().lower(), labeller, review

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        if not self.active:
            return True
        src = self.sourceModel()
        assert isinstance(src, ImageListModel)
        if row == src.doc.row:
            return True  # the image on screen stays listed (drawing on a "new" image must not jump away)
        img = src.doc.images[row]
        return self._status_fits(img) and (not self.text or self.text in img.path.lower())

    def _status_fits(self, img: ImageRecord) -> bool:
        if self.status == TO_DO:
            if img.status == ImageStatus.DONE and img.review != Review.REJECTED:
                return False
        elif self.status and img.status.value != self.status:
            return False
        if self.labeller and img.status_by != self.labeller:
            return False
        return self.review is None or img.review == self.review


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
        self.status_box.addItem("To do", TO_DO)
        for status, text in STATUS_TEXT.items():
            self.status_box.addItem(status_dot(status), text.capitalize(), status.value)
        self.status_box.setToolTip("To do: new, in progress, or rejected by a reviewer")
        self.labeller_box = QComboBox()
        self.labeller_box.setObjectName("labeller_filter")
        self.labeller_box.setToolTip("Images whose status this labeller set last")
        self._labellers: set[str] = set()
        self.review_box = QComboBox()
        self.review_box.setObjectName("review_filter")
        for text, review in REVIEW_CHOICES:
            self.review_box.addItem(text, review)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by name")
        self.search.setClearButtonEnabled(True)
        self.list = QListView()
        self.list.setObjectName("images_list")
        self.list.setModel(self.proxy)
        self.list.setUniformItemSizes(True)  # keeps 100,000 rows fast
        # A narrow dock shortens the file name in the middle: its status, holder and marks stay readable.
        self.list.setItemDelegate(ImageRowDelegate(self.list))
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status_box)
        row = QHBoxLayout()
        row.addWidget(self.labeller_box, 1)
        row.addWidget(self.review_box, 1)
        layout.addLayout(row)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.setWidget(body)
        self._list_labellers()
        for box in (self.status_box, self.labeller_box, self.review_box):
            box.currentIndexChanged.connect(self._refilter)
        self.search.textChanged.connect(self._refilter)
        self.list.selectionModel().currentChanged.connect(self._on_clicked)
        doc.currentImageChanged.connect(self._on_image_changed)
        doc.projectChanged.connect(self._follow_document)
        doc.imagesChanged.connect(self._follow_document)
        doc.projectChanged.connect(self._list_labellers)
        doc.imagesChanged.connect(self._list_labellers)
        doc.imageUpdated.connect(self._new_labeller)
        doc.claimsChanged.connect(self._holders_changed)

    def _holders_changed(self) -> None:
        """Every row repaints (who holds what was read again) and none is filtered again: the filter does
        not look at holders, and checking 100,000 rows on each renewal of the claims would stall the list."""
        self.proxy.setDynamicSortFilter(False)
        try:
            self.model.repaint_rows()
        finally:
            self.proxy.setDynamicSortFilter(True)

    def _list_labellers(self) -> None:
        """The labeller filter offers the names that set an image's status in this project."""
        self._labellers = {img.status_by for img in self.doc.images if img.status_by}
        chosen = self.labeller_box.currentData() or ""
        self.labeller_box.blockSignals(True)
        self.labeller_box.clear()
        self.labeller_box.addItem("Any labeller", "")
        for name in sorted(self._labellers):
            self.labeller_box.addItem(name, name)
        self.labeller_box.setCurrentIndex(max(0, self.labeller_box.findData(chosen)))
        self.labeller_box.blockSignals(False)
        if chosen and self.labeller_box.currentData() != chosen:
            self._refilter()  # the chosen name is gone with the project that had it

    def _new_labeller(self, row: int) -> None:
        if 0 <= row < len(self.doc.images):
            name = self.doc.images[row].status_by
            if name and name not in self._labellers:
                self._list_labellers()

    def _refilter(self) -> None:
        # Rows vanishing under the list's current index must not count as the user picking another image.
        selection = self.list.selectionModel()
        selection.blockSignals(True)
        try:
            self.proxy.set_filter(
                self.status_box.currentData(),
                self.search.text(),
                self.labeller_box.currentData() or "",
                self.review_box.currentData(),
            )
        finally:
            selection.blockSignals(False)
        self._follow_document()

    def _on_image_changed(self) -> None:
        if self.proxy.active:
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
        passed = False
        while 0 <= target < rows:
            row = self.proxy.mapToSource(self.proxy.index(target, 0)).row()
            if self.doc.holder_of(self.doc.images[row].id) is None:
                self.doc.go_to_row(row)
                return
            target += delta  # another labeller works on that one: D / A pass it by, as N does
            passed = True
        if passed:
            self.doc.message.emit("Every image that way is held by another labeller.")
