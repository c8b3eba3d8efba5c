"""Dialogs of the Deployments page: start a local deployment, add or edit a remote one, map labels."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from app.assist.mapping import KIND_FOR_TASK, resolve, tag_fits
from app.models import Deployment, LocalSpec, ModelInfo, Tag
from app.models.deployment import IGNORE, PEOPLE_MODELS

ONNX_CHOICE = "An ONNX file (Ultralytics detect / segment / pose export)…"


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
        form = QFormLayout(self)
        form.addRow(QLabel("Runs LabelAssist's reference server on this computer (127.0.0.1)."))
        form.addRow("Model", self.model)
        form.addRow("ONNX file", self.onnx_path)
        form.addRow("", browse)
        form.addRow("Name", self.name)
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


class RemoteDialog(QDialog):
    """Name, URL, model and token of a deployment someone else runs."""

    def __init__(self, parent: QWidget | None = None, existing: Deployment | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit deployment" if existing else "Add remote deployment")
        self.existing = existing
        self.name = QLineEdit(existing.name if existing else "")
        self.url = QLineEdit(existing.url if existing else "")
        self.url.setPlaceholderText("http://inference-host:8000")
        self.model = QLineEdit(existing.model if existing else "")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("kept in the system keyring" + (" (unchanged if empty)" if existing else ""))
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 600)
        self.timeout.setValue(existing.timeout_s if existing else 30)
        self.timeout.setSuffix(" s")
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0.1, 100)
        self.rate.setValue(existing.rate_limit if existing else 1.0)
        self.rate.setSuffix(" requests/s")
        for w, n in ((self.name, "remote_name"), (self.url, "remote_url"), (self.model, "remote_model"),
                     (self.token, "remote_token")):  # fmt: skip
            w.setObjectName(n)
        form = QFormLayout(self)
        form.addRow(QLabel("An Open Inference Protocol v2 server (Triton, KServe, MLServer, OpenVINO, or "
                           "labelassist-server) serving a model with LabelAssist's annotation profile."))  # fmt: skip
        form.addRow("Name", self.name)
        form.addRow("URL", self.url)
        form.addRow("Model", self.model)
        form.addRow("Token", self.token)
        form.addRow("Timeout", self.timeout)
        form.addRow("Prefetch limit", self.rate)
        form.addRow(_buttons(self))

    def deployment(self) -> Deployment | None:
        """The deployment described, or None after telling the user what is wrong."""
        base = self.existing.model_dump() if self.existing else {}
        try:
            return Deployment.model_validate({**base, "name": self.name.text(), "url": self.url.text(),
                                              "model": self.model.text(), "timeout_s": self.timeout.value(),
                                              "rate_limit": self.rate.value()})  # fmt: skip
        except ValidationError as e:
            first = e.errors()[0]
            QMessageBox.warning(self, "Deployment", f"{'.'.join(map(str, first['loc']))}: {first['msg']}")
            return None

    def accept(self) -> None:
        if self.deployment() is not None:
            super().accept()


class LabelMappingDialog(QDialog):
    """Each model label → a project tag, a new tag (automatic), or ignore."""

    AUTO = "auto"

    def __init__(self, d: Deployment, model: ModelInfo, tags: dict[int, Tag], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Label mapping — {d.name}")
        self.d = d
        kind = KIND_FOR_TASK[model.task]
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Model '{model.name}' labels → project tags ({kind.value} tags). Automatic: a tag "
                                "of the same name, or a new tag created on the first commit."))  # fmt: skip
        self.table = QTableWidget(len(model.labels), 2)
        self.table.setObjectName("mapping_table")
        self.table.setHorizontalHeaderLabels(["Model label", "Tag"])
        self.combos: dict[str, QComboBox] = {}
        for row, label in enumerate(model.labels):
            self.table.setCellWidget(row, 0, QLabel(label))
            combo = QComboBox()
            auto = resolve(label, d.model_copy(update={"label_map": {}}), model, tags).tag
            combo.addItem(f"Automatic ({'new tag ' if auto and auto.id is None else ''}'{auto.name if auto else ''}')",
                          self.AUTO)  # fmt: skip
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
