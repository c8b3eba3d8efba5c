"""The Intelligent Tools dock: pick a deployment, ask for suggestions, filter them, commit or dismiss."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from app.assist.controller import AssistController
from app.widgets.deployment_dialogs import LabelMappingDialog


def _button(text: str, name: str) -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the canvas and the shortcuts
    return b


class IntelligentToolsDock(QDockWidget):
    def __init__(self, controller: AssistController, parent: QWidget | None = None) -> None:
        super().__init__("Intelligent Tools", parent)
        self.setObjectName("intelligent_tools_dock")
        self.c = controller
        body = QWidget()
        layout = QVBoxLayout(body)

        settings = QGroupBox("Model Settings")
        form = QFormLayout(settings)
        self.combo = QComboBox()
        self.combo.setObjectName("deployment_combo")
        self.combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.combo.setToolTip(
            "Online deployments (Ctrl+1 … Ctrl+9 choose one, Ctrl+D the next); start or add one on the "
            "Deployments page"
        )
        form.addRow(QLabel("Select a Deployment"))
        form.addRow(self.combo)
        self.deployment_note = QLabel()
        self.deployment_note.setWordWrap(True)
        self.deployment_note.setObjectName("deployment_note")
        form.addRow(self.deployment_note)
        self.mapping_button = _button("Label mapping…", "mapping_button")
        form.addRow(self.mapping_button)
        layout.addWidget(settings)

        assist = QGroupBox("Model Assist")
        rows = QVBoxLayout(assist)
        row = QHBoxLayout()
        rows.addLayout(row)
        self.assist_button = _button("Model Assist (M)", "assist_button")
        self.refresh_button = _button("Refresh", "refresh_button")
        self.refresh_button.setToolTip("Ask the model again for this image (the cache is bypassed)")
        self.auto_box = QCheckBox("Auto-assist")
        self.auto_box.setObjectName("auto_assist")
        self.auto_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.auto_box.setToolTip("Ask for every image you open, and prefetch the next ones")
        row.addWidget(self.assist_button)
        row.addWidget(self.refresh_button)
        row.addWidget(self.auto_box)
        batch = QHBoxLayout()
        rows.addLayout(batch)
        self.prelabel_button = _button("Pre-label images to do", "prelabel_button")
        self.prelabel_button.setToolTip(
            "Ask the model for every image not marked done, in the background and within the prefetch limit; "
            "the suggestions wait on each image"
        )
        self.batch_bar = QProgressBar()
        self.batch_bar.setObjectName("prelabel_progress")
        self.batch_cancel = _button("Cancel", "prelabel_cancel")
        batch.addWidget(self.prelabel_button)
        batch.addWidget(self.batch_bar, 1)
        batch.addWidget(self.batch_cancel)
        layout.addWidget(assist)

        filters = QGroupBox("Assist Settings")
        grid = QVBoxLayout(filters)
        top = QHBoxLayout()
        top.addWidget(QLabel("Confidence"))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("threshold_slider")
        self.slider.setRange(0, 100)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        top.addWidget(self.slider, 1)
        self.value_label = QLabel()
        self.value_label.setObjectName("threshold_value")
        self.value_label.setMinimumWidth(32)
        top.addWidget(self.value_label)
        grid.addLayout(top)
        self.shown_label = QLabel()
        self.shown_label.setObjectName("shown_label")
        grid.addWidget(self.shown_label)
        self.best_button = _button("Use best threshold", "use_best_threshold_button")
        self.best_button.setToolTip(
            "The threshold at which this model version's suggestions best matched what labellers kept "
            "(highest F1; Deployments page)"
        )
        self._quality_for: tuple[int, str] | None = None  # the model version whose figures were asked for
        grid.addWidget(self.best_button)
        buttons = QHBoxLayout()
        self.commit_selected_button = _button("Commit selected (Space)", "commit_selected_button")
        self.commit_all_button = _button("Commit all (S)", "commit_all_button")
        self.dismiss_button = _button("Dismiss (Esc)", "dismiss_button")
        for b in (self.commit_selected_button, self.commit_all_button, self.dismiss_button):
            buttons.addWidget(b)
        grid.addLayout(buttons)
        layout.addWidget(filters)
        layout.addStretch(1)
        self._sections = layout
        self.setWidget(body)

        self.combo.activated.connect(self._on_combo)
        self.mapping_button.clicked.connect(self.edit_mapping)
        self.assist_button.clicked.connect(lambda: controller.assist())
        self.refresh_button.clicked.connect(controller.refresh)
        self.prelabel_button.clicked.connect(controller.prefetcher.prelabel)
        self.batch_cancel.clicked.connect(controller.prefetcher.cancel_batch)
        controller.prefetcher.batchProgress.connect(self._show_batch)
        self.auto_box.toggled.connect(controller.set_auto)
        self.slider.valueChanged.connect(lambda v: controller.set_threshold(v / 100))
        self.commit_selected_button.clicked.connect(controller.commit_selected)
        self.commit_all_button.clicked.connect(controller.commit_all)
        self.dismiss_button.clicked.connect(controller.dismiss)
        controller.stateChanged.connect(self.refresh)
        controller.suggestionsChanged.connect(self._update_counts)
        controller.deployments.changed.connect(self.refresh)
        self.best_button.clicked.connect(self._use_best)
        controller.deployments.quality.changed.connect(self._show_best)
        self.refresh()
        self._show_batch(0, 0, 0)

    def refresh(self) -> None:
        c = self.c
        online = c.deployments.online()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem("— none —" if online else "— no deployment online —", None)
        for d in online:
            self.combo.addItem(f"{d.name} ({d.model})", d.id)
        index = self.combo.findData(c.deployment_id) if c.deployment_id is not None else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        # One line: a short dock squeezes a wrapped second line under the button below.
        no_deployment = "Start or add one on the Deployments page."
        self.deployment_note.setText("" if online else no_deployment)
        self.deployment_note.setVisible(not online)
        has = c.deployment is not None
        for w in (self.assist_button, self.refresh_button, self.mapping_button, self.prelabel_button):
            w.setEnabled(has)
        self.assist_button.setText("Waiting…" if c.busy else "Model Assist (M)")
        self.auto_box.blockSignals(True)
        self.auto_box.setChecked(c.auto)
        self.auto_box.blockSignals(False)
        self.slider.blockSignals(True)
        self.slider.setValue(round(c.threshold * 100))
        self.slider.blockSignals(False)
        self._update_counts()
        self._show_best()

    def _chosen_version(self) -> tuple[int, str] | None:
        d, probe = self.c.deployment, self.c.choice.probe()
        return (d.saved_id, probe.model.version) if d is not None and probe is not None else None

    def _show_best(self) -> None:
        """The best threshold of the chosen model version, once its figures are read (asked for when
        another version is chosen)."""
        chosen = self._chosen_version()
        if chosen is not None and chosen != self._quality_for:
            self._quality_for = chosen
            self.c.deployments.quality.refresh()
        best = self.c.deployments.quality.best_threshold(*chosen) if chosen is not None else None
        self.best_button.setEnabled(best is not None)
        self.best_button.setText("Use best threshold" if best is None else f"Use best threshold ({best:.2f})")

    def _use_best(self) -> None:
        chosen = self._chosen_version()
        best = self.c.deployments.quality.best_threshold(*chosen) if chosen is not None else None
        if best is not None:
            self.c.set_threshold(best)

    def add_section(self, section: QWidget) -> None:
        """Another group of tools (click to segment), below the model assist ones."""
        self._sections.insertWidget(self._sections.count() - 1, section)

    def _show_batch(self, done: int, total: int, failed: int) -> None:
        running = total > 0
        self.batch_bar.setVisible(running)
        self.batch_cancel.setVisible(running)
        self.prelabel_button.setVisible(not running)
        if running:
            self.batch_bar.setRange(0, total)
            self.batch_bar.setValue(done)
            self.batch_bar.setFormat(f"%v of %m pre-labelled{f', {failed} failed' if failed else ''}")

    def _update_counts(self) -> None:
        shown, total = self.c.counts()
        self.value_label.setText(f"{self.c.threshold:.2f}")
        self.shown_label.setText(f"{shown} of {total} shown" if self.c.view else "No suggestions (press M)")
        for b in (self.commit_selected_button, self.commit_all_button, self.dismiss_button):
            b.setEnabled(shown > 0)

    def edit_mapping(self) -> None:
        c = self.c
        d, probe = c.deployment, c.choice.probe()
        if d is None or probe is None:
            return
        dialog = LabelMappingDialog(d, probe.model, c.doc.tags, self)
        if dialog.exec() == LabelMappingDialog.DialogCode.Accepted:
            c.deployments.save(d.model_copy(update={"label_map": dialog.mapping()}))

    def _on_combo(self, index: int) -> None:
        self.c.select_deployment(self.combo.itemData(index))

    def choose(self, n: int) -> str:
        """Ctrl+n: choose the n-th online deployment, in the dropdown's order; returns the status line."""
        online = self.c.deployments.online()
        if not 1 <= n <= len(online):
            count = f"{len(online)} online" if online else "none online"
            return f"No online deployment {n}: {count}; the deployment stays as it was."
        d = online[n - 1]
        self.c.select_deployment(d.id)  # the controller's stateChanged refreshes the dropdown
        return f"Deployment: {d.name} ({n} of {len(online)} online)"

    def choose_next(self) -> str:
        """Ctrl+D: the online deployment after the chosen one (the first after the last, or when none is)."""
        ids = [d.id for d in self.c.deployments.online()]
        if not ids:
            return "No deployment online: start or add one on the Deployments page."
        i = ids.index(self.c.deployment_id) if self.c.deployment_id in ids else -1
        return self.choose((i + 1) % len(ids) + 1)
