"""Dialogs of the Deployments page: start a local deployment, add or edit a remote one, map labels."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.assist.mapping import KIND_FOR_TASK, resolve, tag_fits
from app.models import Deployment, LocalSpec, ModelInfo, Tag
from app.models.deployment import IGNORE, PEOPLE_MODELS

ONNX_CHOICE = "An ONNX file (Ultralytics detect / segment / pose export)…"


def rate_spin(value: float) -> QDoubleSpinBox:
    """The prefetch limit: how many background requests per second auto-assist may send to a deployment."""
    spin = QDoubleSpinBox()
    spin.setObjectName("rate_limit")
    spin.setRange(0.1, 100)
    spin.setValue(value)
    spin.setSuffix(" requests/s")
    spin.setToolTip(
        "How often auto-assist's prefetch and pre-labelling may ask this deployment; "
        "M on the image on screen is never held back"
    )
    return spin


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class StartLocalDialog(QDialog):
    """Choose what the local reference server runs: one people-pack model or an ONNX file."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start local deployment")
        self.model = QComboBox()
        self.model.setObjectName("local_model")
        self.model.addItems([*PEOPLE_MODELS, ONNX_CHOICE])
        self.onnx_path = QLineEdit()
        self.onnx_path.setPlaceholderText("path/to/best.onnx")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.name = QLineEdit()
        self.name.setObjectName("local_name")
        self.rate = rate_spin(1.0)
        form = QFormLayout(self)
        form.addRow(QLabel("Runs LabelAssist's reference server on this computer (127.0.0.1)."))
        form.addRow("Model", self.model)
        form.addRow("ONNX file", self.onnx_path)
        form.addRow("", browse)
        form.addRow("Name", self.name)
        form.addRow("Prefetch limit", self.rate)
        form.addRow(_buttons(self))
        self.model.currentTextChanged.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        onnx = self.model.currentText() == ONNX_CHOICE
        self.onnx_path.setEnabled(onnx)
        self.name.setText(f"local {self.model.currentText()}" if not onnx else "local onnx")

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "ONNX model", "", "ONNX models (*.onnx)")
        if path:
            self.onnx_path.setText(path)

    def spec(self) -> LocalSpec | None:
        if self.model.currentText() == ONNX_CHOICE:
            path = self.onnx_path.text().strip()
            return LocalSpec(onnx_path=path) if path else None
        return LocalSpec(people_model=self.model.currentText())


class LocalSettingsDialog(QDialog):
    """What can change on a local deployment without restarting it: its name and its prefetch limit."""

    def __init__(self, d: Deployment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Local deployment — {d.name}")
        self.d = d
        self.name = QLineEdit(d.name)
        self.name.setObjectName("local_name")
        self.name.setMinimumWidth(260)
        self.rate = rate_spin(d.rate_limit)
        form = QFormLayout(self)
        what = (d.local.people_model or d.local.onnx_path) if d.local else d.model
        form.addRow(QLabel(f"Runs the model '{what}' on this computer (127.0.0.1); it keeps running."))
        form.addRow("Name", self.name)
        form.addRow("Prefetch limit", self.rate)
        form.addRow(_buttons(self))

    def deployment(self) -> Deployment:
        return self.d.model_copy(
            update={"name": self.name.text().strip() or self.d.name, "rate_limit": self.rate.value()}
        )


class LabelMappingDialog(QDialog):
    """Each model label → a project tag, a new tag (automatic), or ignore."""

    AUTO = "auto"

    def __init__(
        self, d: Deployment, model: ModelInfo, tags: dict[int, Tag], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Label mapping — {d.name}")
        self.d = d
        kind = KIND_FOR_TASK[model.task]
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"Model '{model.name}' labels → project tags ({kind.value} tags). Automatic: a tag "
                "of the same name, or a new tag created on the first commit."
            )
        )
        self.table = QTableWidget(len(model.labels), 2)
        self.table.setObjectName("mapping_table")
        self.table.setHorizontalHeaderLabels(["Model label", "Tag"])
        self.combos: dict[str, QComboBox] = {}
        for row, label in enumerate(model.labels):
            self.table.setCellWidget(row, 0, QLabel(label))
            combo = QComboBox()
            auto = resolve(label, d.model_copy(update={"label_map": {}}), model, tags).tag
            combo.addItem(
                f"Automatic ({'new tag ' if auto and auto.id is None else ''}'{auto.name if auto else ''}')",
                self.AUTO,
            )
            combo.addItem("Ignore", IGNORE)
            for tag in tags.values():
                if tag_fits(tag, kind, model):
                    combo.addItem(tag.name, tag.id)
            chosen = d.label_map.get(label)
            if chosen is not None:
                combo.setCurrentIndex(max(combo.findData(chosen), 0))
            self.table.setCellWidget(row, 1, combo)
            self.combos[label] = combo
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        layout.addWidget(_buttons(self))

    def mapping(self) -> dict[str, int | str]:
        out: dict[str, int | str] = {}
        for label, combo in self.combos.items():
            value = combo.currentData()
            if value != self.AUTO:
                out[label] = value
        return out
