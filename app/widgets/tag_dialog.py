"""Dialog to add or edit a tag: name, colour, kind, and for keypoint tags the points and skeleton."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.models import Tag, TagKind
from app.models.templates import KEYPOINT_TEMPLATES

CUSTOM = "custom"


def parse_skeleton(text: str) -> tuple[tuple[int, int], ...]:
    """'0-1, 1-2' → ((0, 1), (1, 2))."""
    edges = []
    for part in text.replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        a, _, b = part.partition("-")
        edges.append((int(a), int(b)))
    return tuple(edges)


class TagDialog(QDialog):
    def __init__(self, tag: Tag, parent: QWidget | None = None, *, editing: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit tag" if editing else "New tag")
        self.tag = self.original = tag
        self.editing = editing
        self.name = QLineEdit(tag.name)
        self.color = tag.color
        self.color_button = QPushButton()
        self.color_button.clicked.connect(self._pick_color)
        self.kind = QComboBox()
        for kind in TagKind:
            self.kind.addItem(kind.value, kind)
        self.kind.setCurrentIndex(list(TagKind).index(tag.kind))
        self.kind.setEnabled(not editing)  # existing annotations fix the kind
        self.template = QComboBox()
        self.template.addItems([*KEYPOINT_TEMPLATES, CUSTOM])
        self.names = QPlainTextEdit(", ".join(tag.keypoint_names))
        self.skeleton = QLineEdit(", ".join(f"{a}-{b}" for a, b in tag.skeleton))
        self.error = QLabel()
        self.error.setStyleSheet("color: #d32f2f")
        form = QFormLayout(self)
        form.addRow("Name", self.name)
        form.addRow("Colour", self.color_button)
        form.addRow("Kind", self.kind)
        form.addRow("Keypoints from", self.template)
        form.addRow("Point names", self.names)
        form.addRow("Skeleton (i-j, …)", self.skeleton)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._update_visibility)
        self.template.currentTextChanged.connect(self._apply_template)
        if tag.kind == TagKind.KEYPOINTS:
            self.template.setCurrentText(CUSTOM)
        elif not editing:
            self._apply_template(self.template.currentText())
        self._show_color()
        self._update_visibility()

    def _pick_color(self) -> None:
        c = QColorDialog.getColor(QColor(self.color), self, "Tag colour")
        if c.isValid():
            self.color = c.name()
            self._show_color()

    def _show_color(self) -> None:
        self.color_button.setText(self.color)
        self.color_button.setStyleSheet(f"background: {self.color}")

    def _apply_template(self, name: str) -> None:
        if name in KEYPOINT_TEMPLATES:
            names, skeleton = KEYPOINT_TEMPLATES[name]
            self.names.setPlainText(", ".join(names))
            self.skeleton.setText(", ".join(f"{a}-{b}" for a, b in skeleton))

    def _update_visibility(self) -> None:
        kp = self.kind.currentData() == TagKind.KEYPOINTS
        for w in (self.template, self.names, self.skeleton):
            w.setEnabled(kp and (w is not self.template or self.kind.isEnabled()))

    def result_tag(self) -> Tag:
        kind = self.kind.currentData()
        kp = kind == TagKind.KEYPOINTS
        names = tuple(n.strip() for n in self.names.toPlainText().split(",") if n.strip()) if kp else ()
        return Tag(
            id=self.tag.id,
            name=self.name.text(),
            color=self.color,
            kind=kind,
            keypoint_names=names,
            skeleton=parse_skeleton(self.skeleton.text()) if kp else (),
        )

    def _accept(self) -> None:
        try:
            self.tag = self.result_tag()
        except (ValidationError, ValueError) as e:
            errors = e.errors() if isinstance(e, ValidationError) else [{"msg": str(e)}]
            self.error.setText("; ".join(str(err["msg"]).removeprefix("Value error, ") for err in errors))
            return
        before = len(self.original.keypoint_names)
        if self.editing and len(self.tag.keypoint_names) != before:
            self.error.setText(f"This tag has {before} points; existing annotations need the same number.")
            self.tag = self.original
            return
        self.accept()
