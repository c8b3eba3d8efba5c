"""The Annotator page: the canvas in the centre (under the team bar, shown when editing is paused or the
image is someone else's), Images on the left, Annotations and Tags on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from app.document import Document
from app.widgets.annotations_dock import AnnotationsDock
from app.widgets.canvas.view import CanvasView
from app.widgets.images_dock import ImagesDock
from app.widgets.tags_dock import TagsDock
from app.widgets.team_banner import TeamBanner


class AnnotatorPage(QMainWindow):
    """A QMainWindow used as a page so its docks can be moved and restored."""

    def __init__(self, doc: Document, parent: QWidget | None = None, *, preview_side: int = 2048) -> None:
        super().__init__(parent)
        self.setObjectName("annotator_page")
        self.setWindowFlags(Qt.WindowType.Widget)
        self.canvas = CanvasView(doc, self, preview_side=preview_side)
        self.team_banner = TeamBanner(doc)
        centre = QWidget()
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.team_banner)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(centre)
        self.images_dock = ImagesDock(doc, self)
        self.annotations_dock = AnnotationsDock(doc, self)
        self.tags_dock = TagsDock(doc, self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.images_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.tags_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.annotations_dock)
