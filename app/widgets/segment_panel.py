"""Click to Segment, in the Intelligent Tools dock: which engine the tool (I) and the refine key (Shift+I)
use, and the side-loaded pack with its SHA-256 and licence. `install` wires the parts into the window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.assist.refine import SuggestionRefiner
from app.assist.segmenter import Segmenter
from app.segment.pack_files import HOW_TO_ADD
from app.widgets.canvas.tools.segment import SegmentTool

if TYPE_CHECKING:
    from app.widgets.main_window import MainWindow

NO_PACK = "No SAM pack yet: Add pack… takes a folder with an ONNX encoder and decoder (hover for more)."


@dataclass
class Segmentation:
    segmenter: Segmenter
    tool: SegmentTool
    refiner: SuggestionRefiner
    panel: SegmentPanel


def install(window: MainWindow) -> Segmentation:
    """The segmenter, its canvas tool, the refine key's helper and this panel, for the window's document."""
    segmenter = Segmenter(window.doc, window.deployments, window.prefs, window)
    canvas = window.canvas
    tool = SegmentTool(canvas, segmenter)
    canvas.tools[tool.name] = tool
    canvas.toolChanged.connect(lambda name: segmenter.activate(name == tool.name))
    refiner = SuggestionRefiner(window.assist, segmenter, window)
    panel = SegmentPanel(segmenter, refiner)
    window.intelligent_dock.add_section(panel)
    for signal in (segmenter.status, segmenter.failed):
        signal.connect(window.doc.message)
    return Segmentation(segmenter, tool, refiner, panel)


def _button(text: str, name: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the canvas and the shortcuts
    return b


class SegmentPanel(QGroupBox):
    def __init__(
        self, segmenter: Segmenter, refiner: SuggestionRefiner, parent: QWidget | None = None
    ) -> None:
        super().__init__("Click to Segment (I)", parent)
        self.setObjectName("segment_panel")
        self.segmenter = segmenter
        layout = QVBoxLayout(self)
        self.combo = QComboBox()
        self.combo.setObjectName("segment_engine_combo")
        self.combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.combo.setToolTip("The engine the click-to-segment tool (I) and the refine key (Shift+I) use")
        layout.addWidget(self.combo)
        self.pack_label = QLabel()
        self.pack_label.setObjectName("segment_pack_label")
        self.pack_label.setWordWrap(True)
        self.pack_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.pack_label)
        row = QHBoxLayout()
        self.add_pack_button = _button("Add pack…", "segment_add_pack")
        self.add_pack_button.setToolTip("Choose a folder with a SAM-family ONNX encoder and decoder")
        self.refine_button = _button("Refine selected (Shift+I)", "segment_refine")
        self.refine_button.setToolTip(
            "Outline the selected box suggestions; they stay pending until committed"
        )
        row.addWidget(self.add_pack_button)
        row.addWidget(self.refine_button)
        layout.addLayout(row)
        self.combo.activated.connect(lambda i: segmenter.choose(self.combo.itemData(i)))
        self.add_pack_button.clicked.connect(self.ask_pack)
        self.refine_button.clicked.connect(refiner.refine_selected)
        segmenter.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        s = self.segmenter
        self.combo.blockSignals(True)
        self.combo.clear()
        for engine_id, title in s.choices():
            self.combo.addItem(title, engine_id)
        self.combo.setCurrentIndex(max(self.combo.findData(s.in_use()), 0))
        self.combo.blockSignals(False)
        pack = s.prefs.segment_pack
        if pack is None:
            self.pack_label.setText(NO_PACK)
            self.pack_label.setToolTip(HOW_TO_ADD)
        else:
            licence = pack.licence or "not stated in the pack's folder"
            self.pack_label.setText(f"Pack: {pack.name} · SHA-256 {pack.sha256[:12]}… · licence: {licence}")
            self.pack_label.setToolTip(f"{pack.folder}\nSHA-256 {pack.sha256}")
        self.add_pack_button.setText("Change pack…" if pack is not None else "Add pack…")

    def ask_pack(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the folder of a SAM-family ONNX pack")
        if folder:
            self.segmenter.add_pack(folder)
