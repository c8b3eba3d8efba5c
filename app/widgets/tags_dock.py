"""The Tags dock: the project's tags; picking one makes it the tag new annotations get."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.document import Document
from app.models import Tag, TagKind
from app.widgets.tag_dialog import TagDialog

ID_ROLE = Qt.ItemDataRole.UserRole
KIND_TEXT = {TagKind.BOX: "box", TagKind.POLYGON: "polygon", TagKind.KEYPOINTS: "keypoints"}


class TagsDock(QDockWidget):
    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__("Tags", parent)
        self.setObjectName("tags_dock")
        self.doc = doc
        self.list = QListWidget()
        self.list.setObjectName("tags_list")
        # Picking a tag with the mouse leaves the keyboard on the canvas (Enter still closes a polygon).
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        add, edit, delete = QPushButton("Add…"), QPushButton("Edit…"), QPushButton("Delete")
        add.clicked.connect(self.add_tag)
        edit.clicked.connect(self.edit_tag)
        delete.clicked.connect(self.delete_tag)
        self.list.itemDoubleClicked.connect(lambda _item: self.edit_tag())
        buttons = QHBoxLayout()
        for b in (add, edit, delete):
            buttons.addWidget(b)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.setWidget(body)
        self._syncing = False
        self.list.currentItemChanged.connect(self._on_current)
        doc.tagsChanged.connect(self.rebuild)
        doc.currentTagChanged.connect(self._follow_current)

    def rebuild(self) -> None:
        self._syncing = True
        self.list.clear()
        for n, tag in enumerate(self.doc.tag_list(), start=1):
            key = f"{n}  " if n <= 9 else "    "
            extra = f", {len(tag.keypoint_names)} points" if tag.kind == TagKind.KEYPOINTS else ""
            item = QListWidgetItem(f"{key}{tag.name}   ({KIND_TEXT[tag.kind]}{extra})")
            item.setData(ID_ROLE, tag.id)
            item.setData(Qt.ItemDataRole.DecorationRole, QColor(tag.color))
            self.list.addItem(item)
        self._syncing = False
        self._follow_current()

    def _follow_current(self) -> None:
        self._syncing = True
        for row in range(self.list.count()):
            if self.list.item(row).data(ID_ROLE) == self.doc.current_tag_id:
                self.list.setCurrentRow(row)
        self._syncing = False

    def _on_current(self, item: QListWidgetItem | None, _prev: QListWidgetItem | None) -> None:
        if item is not None and not self._syncing:
            self.doc.set_current_tag(item.data(ID_ROLE))

    def add_tag(self) -> None:
        if self.doc.project_location is None:
            return
        dialog = TagDialog(Tag(name="new tag", color=self.doc.new_tag_color()), self)
        if dialog.exec():
            if any(t.name == dialog.tag.name for t in self.doc.tag_list()):
                QMessageBox.warning(self, "Tag exists", f"There is already a tag named '{dialog.tag.name}'.")
                return
            self.doc.add_tag(dialog.tag)

    def edit_tag(self) -> None:
        tag = self.doc.current_tag
        if tag is None:
            return
        dialog = TagDialog(tag, self, editing=True)
        if dialog.exec():
            if any(t.name == dialog.tag.name and t.id != tag.id for t in self.doc.tag_list()):
                QMessageBox.warning(self, "Tag exists", f"There is already a tag named '{dialog.tag.name}'.")
                return
            self.doc.update_tag(dialog.tag)

    def delete_tag(self) -> None:
        tag = self.doc.current_tag
        if tag is None or tag.id is None:
            return
        n = self.doc.count_with_tag(tag.id)
        if n:
            answer = QMessageBox.question(
                self,
                "Delete tag",
                f"Delete tag '{tag.name}' and its {n} annotation(s) in all images?\n(Ctrl+Z undoes it.)",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.doc.remove_tag(tag.id)
