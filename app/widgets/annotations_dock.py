"""The Annotations dock: the current image's annotations and who made them; selection mirrors the canvas."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QDockWidget, QListWidget, QListWidgetItem, QMenu, QWidget

from app.document import Document
from app.models import Annotation, Source, Tag
from app.models.geometry import Box, Keypoints, Polygon

ID_ROLE = Qt.ItemDataRole.UserRole


def describe(a: Annotation, tag_name: str) -> str:
    g = a.geometry
    if isinstance(g, Box):
        shape = f"box {g.width:.0f}×{g.height:.0f}"
    elif isinstance(g, Polygon):
        shape = f"polygon, {len(g.points)} vertices"
    elif isinstance(g, Keypoints):
        shape = f"{len(g.labelled())}/{len(g.points)} keypoints"
    else:
        shape = ""
    origin = ""
    if a.provenance.source == Source.MODEL:
        score = f" {a.provenance.score:.2f}" if a.provenance.score is not None else ""
        origin = f"  · model{score}"
    return f"{tag_name} — {shape}{origin}"


def made_by(a: Annotation) -> str:
    """Who drew it, and who changed it last when that is someone else ('' when not recorded)."""
    if not a.author:
        return f"edited by {a.editor}" if a.editor else ""
    edited = f", edited by {a.editor}" if a.editor and a.editor != a.author else ""
    return f"by {a.author}{edited}"


class AnnotationsDock(QDockWidget):
    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__("Annotations", parent)
        self.setObjectName("annotations_dock")
        self.doc = doc
        self.list = QListWidget()
        self.list.setObjectName("annotations_list")
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setWidget(self.list)
        self._syncing = False
        self._shown: tuple[list[Annotation], list[Tag], bool] | None = None  # what the list was made from
        self.list.itemSelectionChanged.connect(self._on_list_selection)
        self.list.customContextMenuRequested.connect(self._context_menu)
        for signal in (
            doc.currentImageChanged,
            doc.annotationsAdded,
            doc.annotationsChanged,
            doc.annotationsRemoved,
            doc.tagsChanged,
        ):
            signal.connect(self.rebuild)
        doc.selectionChanged.connect(self._follow_selection)

    def rebuild(self) -> None:
        # Opening an image announces its tags and its annotations: the list is made once for what it shows.
        shown = (list(self.doc.annotations.values()), list(self.doc.tags.values()), self.doc.is_team)
        if self._shown is not None and _same(shown, self._shown):
            return
        self._shown = shown
        self._syncing = True
        self.list.clear()
        for a in self.doc.annotations.values():
            tag = self.doc.tags.get(a.tag_id)
            text = describe(a, tag.name if tag else "(no tag)")
            who = made_by(a)
            # In a team project who made each one matters at a glance; alone, it is only in the tooltip.
            item = QListWidgetItem(f"{text}  · {who}" if who and self.doc.is_team else text)
            item.setToolTip(f"{text}\n{who}" if who else text)
            item.setData(ID_ROLE, a.id)
            item.setData(Qt.ItemDataRole.DecorationRole, QColor(tag.color if tag else "#808080"))
            self.list.addItem(item)
        self._syncing = False
        self._follow_selection()
        self.setWindowTitle(f"Annotations ({len(self.doc.annotations)})")

    def _follow_selection(self) -> None:
        # One selection-model call, not one per row: thousands of rows stay instant.
        selection = QItemSelection()
        if self.doc.selected:
            model = self.list.model()
            for row in range(self.list.count()):
                if self.list.item(row).data(ID_ROLE) in self.doc.selected:
                    index = model.index(row, 0)
                    selection.select(index, index)
        elif not self.list.selectionModel().hasSelection():
            return
        self._syncing = True
        self.list.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._syncing = False

    def _on_list_selection(self) -> None:
        if not self._syncing:
            self.doc.set_selection({it.data(ID_ROLE) for it in self.list.selectedItems()})

    def _context_menu(self, pos) -> None:  # type: ignore[no-untyped-def]
        if not self.doc.selected:
            return
        menu = QMenu(self)
        retag = menu.addMenu("Change tag")
        kinds = {self.doc.tags[self.doc.annotations[i].tag_id].kind for i in self.doc.selected}
        for tag in self.doc.tag_list():
            if tag.kind in kinds:
                action = QAction(tag.name, retag)
                action.triggered.connect(lambda _=False, t=tag.id: self.doc.retag_selected(t))
                retag.addAction(action)
        menu.addAction("Delete", self.doc.delete_selected)
        menu.exec(self.list.mapToGlobal(pos))


def _same(a: tuple[list[Annotation], list[Tag], bool], b: tuple[list[Annotation], list[Tag], bool]) -> bool:
    """The same annotations and tags (frozen models: a change is a new object) in the same kind of project."""
    return (
        a[2] == b[2]
        and len(a[0]) == len(b[0])
        and len(a[1]) == len(b[1])
        and all(x is y for x, y in zip(a[0], b[0], strict=True))
        and all(x is y for x, y in zip(a[1], b[1], strict=True))
    )
