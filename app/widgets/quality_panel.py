"""The Deployments page's "How good is the model?" panel for the selected deployment: one model version's
figures per label, precision/recall by threshold with the slider's threshold marked, acceptance over time,
calls and latency over time, and two versions side by side. It draws what it is given; the figures are read
in the background (app/inference/quality_view.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.quality import DeploymentQuality, VersionQuality
from app.report import figures
from app.report.table import COLUMNS, label_cells, percent

if TYPE_CHECKING:
    from app.widgets.quality_plots import FigureView

PLOTS = ("threshold", "acceptance", "comparison", "calls", "latency")  # in the grid, three a row


class QualityPanel(QWidget):
    thresholdChosen = Signal(float)  # "Use this threshold": the best threshold of the version shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quality_panel")
        self.quality: DeploymentQuality | None = None
        self.selected = ""  # the deployment chosen on the page, named while it has no figures
        self.threshold: float | None = None  # the Confidence slider's position, marked on the plot
        self.summary = QLabel()
        self.summary.setObjectName("quality_summary")
        self.summary.setWordWrap(True)
        self.version_combo = QComboBox()
        self.version_combo.setObjectName("quality_version")
        self.compare_combo = QComboBox()
        self.compare_combo.setObjectName("quality_compare")
        for combo in (self.version_combo, self.compare_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.use_button = QPushButton("Use this threshold")
        self.use_button.setObjectName("use_threshold_button")
        self.use_button.setToolTip(
            "Set the Confidence slider in Intelligent Tools to this version's best threshold"
        )
        choices = QHBoxLayout()
        choices.addWidget(QLabel("Model version"))
        choices.addWidget(self.version_combo)
        choices.addWidget(QLabel("compared with"))
        choices.addWidget(self.compare_combo)
        choices.addWidget(self.use_button)
        choices.addStretch(1)
        self.labels = QTableWidget(0, len(COLUMNS))
        self.labels.setObjectName("quality_labels")
        self.labels.setHorizontalHeaderLabels(COLUMNS)
        self.labels.verticalHeader().setVisible(False)
        self.labels.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.labels.setMaximumHeight(130)
        # Built when first shown: pyqtgraph takes a fifth of a second to import, too much for start-up.
        self.plots: dict[str, FigureView] = {}
        self.grid = QGridLayout()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>How good is the model?</b> From the labellers' own decisions (see the README).")
        layout.addWidget(title)
        layout.addLayout(choices)
        layout.addWidget(self.summary)
        layout.addWidget(self.labels)
        layout.addLayout(self.grid, 100)
        layout.addStretch(1)  # keeps the rest at the top while there are no plots
        self.version_combo.activated.connect(lambda _i: self._draw())
        self.compare_combo.activated.connect(lambda _i: self._draw())
        self.use_button.clicked.connect(self._use_best)
        self._draw()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.plots and self.grid.count() == 0:
            self._build_plots()
            self._draw()

    def _build_plots(self) -> None:
        try:
            from app.widgets.quality_plots import FigureView
        except ImportError as e:  # an installation without pyqtgraph's Qt parts: the table still says it all
            note = QLabel(f"The plots cannot be drawn here ({e}); the figures are in the table above.")
            note.setWordWrap(True)
            self.grid.addWidget(note, 0, 0)
            return
        for i, name in enumerate(PLOTS):
            view = self.plots[name] = FigureView(self)
            view.setObjectName(f"{name}_plot")
            self.grid.addWidget(view, i // 3, i % 3)

    def show_quality(self, quality: DeploymentQuality | None, selected: str = "") -> None:
        """Another deployment's figures (or new ones of the same): the versions chosen stay where they can.
        `selected` names the deployment when it has no figures yet."""
        shown, compared = self.version_combo.currentData(), self.compare_combo.currentData()
        self.quality, self.selected = quality, selected
        versions = [v.version for v in quality.versions] if quality is not None else []
        for combo, keep, default in (
            (self.version_combo, shown, -1),
            (self.compare_combo, compared, -2),
        ):
            combo.clear()
            for v in quality.versions if quality is not None else ():
                combo.addItem(v.title, v.version)
            if keep in versions:
                combo.setCurrentIndex(versions.index(keep))
            elif versions:
                combo.setCurrentIndex(max(len(versions) + default, 0))
        self._draw()

    def set_threshold(self, value: float) -> None:
        if value != self.threshold:
            self.threshold = value
            self._fill_labels(self.shown_version())
            self._draw_threshold()

    def shown_version(self) -> VersionQuality | None:
        return self._version(self.version_combo)

    def _version(self, combo: QComboBox) -> VersionQuality | None:
        return self.quality.version(combo.currentData()) if self.quality is not None else None

    def _draw(self) -> None:
        q, v, other = self.quality, self.shown_version(), self._version(self.compare_combo)
        has = v is not None
        for w in (self.version_combo, self.compare_combo):
            w.setEnabled(has)
        if q is not None:
            self.summary.setText(self._summary(v))
        elif self.selected:
            self.summary.setText(
                f"No figures for {self.selected} yet: they start with the first image it answers."
            )
        else:
            self.summary.setText("Select a deployment to see how good its model is.")
        self._fill_labels(v)
        self._draw_threshold()
        if not self.plots:
            return
        if v is not None:
            self.plots["acceptance"].show_figure(figures.acceptance_figure(v))
        if q is not None:
            self.plots["calls"].show_figure(figures.calls_figure(q))
            self.plots["latency"].show_figure(figures.latency_figure(q))
        if v is not None and other is not None and other.version != v.version:
            older, newer = sorted((other, v), key=lambda x: x.first_seen)
            self.plots["comparison"].show_figure(figures.comparison_figure(older, newer))
        for name, view in self.plots.items():
            view.setVisible(has or (q is not None and name in ("calls", "latency")))
        self.plots["comparison"].setVisible(has and other is not None and other.version != v.version)  # type: ignore[union-attr]

    def _draw_threshold(self) -> None:
        v = self.shown_version()
        if v is not None and self.plots:
            self.plots["threshold"].show_figure(figures.threshold_figure(v, self.threshold))
        best = v.total.best if v is not None else None
        self.use_button.setEnabled(best is not None)
        self.use_button.setText(
            f"Use this threshold ({best.threshold:.2f})" if best else "Use this threshold"
        )

    def _summary(self, v: VersionQuality | None) -> str:
        if v is None:
            return "No answers from this deployment yet: its figures start with the first image it answers."
        seconds = "—" if v.seconds_per_image is None else f"{v.seconds_per_image:.1f} s"
        best = v.total.best
        return (
            f"{v.worked} of {v.answered} answered images worked on · acceptance {percent(v.total.acceptance)} · "
            f"{v.total.missed} missed · best threshold {f'{best.threshold:.2f} (F1 {best.f1:.2f})' if best else '—'}"
            f" · {seconds} per image with its suggestions"
        )

    def _fill_labels(self, v: VersionQuality | None) -> None:
        rows = [] if v is None else [*v.labels, v.total]
        threshold = self.threshold if self.threshold is not None else 0.5
        self.labels.setRowCount(len(rows))
        for r, q in enumerate(rows):
            for c, text in enumerate(label_cells(q, threshold)):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.labels.setItem(r, c, item)
        self.labels.resizeColumnsToContents()

    def _use_best(self) -> None:
        v = self.shown_version()
        if v is not None and v.total.best is not None:
            self.thresholdChosen.emit(v.total.best.threshold)
