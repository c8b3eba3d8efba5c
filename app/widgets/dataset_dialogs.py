"""File → Export dataset… and File → Import dataset…: the work runs on a background worker with a progress
bar and Cancel; an import lands as one undo step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.document import Document
from app.document.import_command import ImportDataset
from app.io.dataset import YOLO_TASKS
from app.io.progress import Progress
from app.worker import BackgroundRunner

if TYPE_CHECKING:
    from app.io.export import ExportOptions
    from app.io.plan import ImportPlan

FORMAT_TITLES = {
    "coco": "COCO (JSON)",
    "yolo": "YOLO (Ultralytics)",
    "voc": "Pascal VOC (XML)",
    "labelme": "labelme (JSON)",
}


class _ProgressRelay(QObject):
    """Carries progress from the worker thread to the dialog (a queued signal)."""

    moved = Signal(int, int, str)


class _DatasetDialog(QDialog):
    """The shared frame: a format, a form, a progress bar, a report, and Run / Cancel."""

    run_text = "Run"

    def __init__(self, doc: Document, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName(type(self).__name__)
        self.doc = doc
        self.format = QComboBox()
        for key, text in FORMAT_TITLES.items():
            self.format.addItem(text, key)
        self.form = QFormLayout()
        self.form.addRow("Format", self.format)
        self.progress_bar = QProgressBar()
        self.progress_bar.setVisible(False)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.run_button = self.buttons.addButton(self.run_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel_or_close)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.report)
        layout.addWidget(self.buttons)
        self.relay = _ProgressRelay(self)
        self.relay.moved.connect(self._on_progress)
        self.runner: BackgroundRunner | None = None  # one per run, stopped when the run ends: no idle thread
        self.job: Progress | None = None
        self.finished.connect(self._stop)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._stop)
        self.resize(560, 320)

    def running(self) -> bool:
        return self.job is not None

    def start(self) -> None:
        problem = self.check()
        if problem:
            self.show_report(problem)
            return
        self.job = Progress(lambda done, total, stage: self.relay.moved.emit(done, total, stage), every=25)
        self.run_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.progress_bar.setVisible(True)
        self.progress_bar.setRange(0, 0)
        self.report.setVisible(False)
        self.runner = BackgroundRunner(self, replace_pending=False, name=type(self).__name__)
        self.runner.result.connect(lambda _token, value: self._finished(value))
        self.runner.error.connect(lambda _token, message: self._failed(message))
        self.runner.submit(self.work(self.job), type(self).__name__)

    def _stop(self) -> None:
        """Cancel a running job and join its thread (it stops at the next image)."""
        if self.job is not None:
            self.job.cancel()
        if self.runner is not None:
            self.runner.stop()
            self.runner.deleteLater()
            self.runner = None

    def cancel_or_close(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_button.setEnabled(False)
        else:
            self.reject()

    def _on_progress(self, done: int, total: int, stage: str) -> None:
        if self.job is None:
            return
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)
        self.progress_bar.setFormat(f"{stage}: %v of %m")

    def _idle(self) -> None:
        self.job = None
        self._stop()
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.progress_bar.setVisible(False)

    def _finished(self, value: object) -> None:
        self._idle()
        self.show_report(self.done(value))

    def _failed(self, message: str) -> None:
        cancelled = self.job is not None and self.job.cancelled
        self._idle()
        self.show_report("Cancelled; nothing was written." if cancelled else self.failure(message))

    def show_report(self, text: str) -> None:
        self.report.setPlainText(text)
        self.report.setVisible(True)

    def done(self, value: object) -> str:
        raise NotImplementedError

    def failure(self, message: str) -> str:
        return message

    def check(self) -> str:
        raise NotImplementedError

    def work(self, progress: Progress) -> Callable[[], object]:
        raise NotImplementedError

    def _path_row(self, label: str, edit: QLineEdit, *choosers: tuple[str, object]) -> None:
        row = QHBoxLayout()
        row.addWidget(edit)
        for text, handler in choosers:
            button = QPushButton(text)
            button.clicked.connect(handler)
            row.addWidget(button)
        self.form.addRow(label, row)


class ExportDialog(_DatasetDialog):
    run_text = "Export"

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(doc, "Export dataset", parent)
        self.out = QLineEdit()
        self._path_row("Into folder", self.out, ("Choose…", self._choose_out))
        self.only_done = QCheckBox("Only images marked done")
        self.link = QCheckBox("Link the images instead of copying them")
        self.form.addRow(self.only_done)
        self.form.addRow(self.link)
        self.task = QComboBox()
        self.task.addItems(["auto", *YOLO_TASKS])
        self.task.setToolTip("auto: one dataset per kind of tag (detect/, segment/, pose/)")
        self.val = QDoubleSpinBox()
        self.val.setRange(0.0, 0.9)
        self.val.setSingleStep(0.05)
        self.form.addRow("YOLO task", self.task)
        self.form.addRow("YOLO val share", self.val)
        self._retraining_options()
        self.format.currentIndexChanged.connect(self._yolo_options)
        self._yolo_options()
        folder = doc.default_export_folder()
        if folder is not None:
            self.out.setText(str(folder))

    def _retraining_options(self) -> None:
        """For the next training run: only what changed since a model version, or only its hard examples."""
        from app.io.export import model_versions

        self.version = QComboBox()
        project = self.doc.project_opener()
        for name, version in model_versions(project) if project is not None else []:
            self.version.addItem(f"{name} · {version or '(no version)'}", (name, version))
        self.changed_since = QCheckBox("Only images labelled since this model version first answered")
        self.hard_examples = QCheckBox("Only its hard examples: images with misses or corrected suggestions")
        for w in (self.version, self.changed_since, self.hard_examples):
            w.setEnabled(self.version.count() > 0)
        self.form.addRow("Model version", self.version)
        self.form.addRow(self.changed_since)
        self.form.addRow(self.hard_examples)

    def _yolo_options(self) -> None:
        yolo = self.format.currentData() == "yolo"
        self.task.setEnabled(yolo)
        self.val.setEnabled(yolo)

    def _choose_out(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export into folder", self.out.text())
        if folder:
            self.out.setText(folder)

    def options(self) -> ExportOptions:
        from app.io.export import ExportOptions  # the format modules load on first use, not at start-up

        deployment, version = self.version.currentData() or (None, None)
        return ExportOptions(
            format=self.format.currentData(),
            only_done=self.only_done.isChecked(),
            images="link" if self.link.isChecked() else "copy",
            val_fraction=self.val.value(),
            task=self.task.currentText(),
            changed_since=version if self.changed_since.isChecked() else None,
            hard_examples=self.hard_examples.isChecked(),
            deployment=deployment,
        )

    def check(self) -> str:
        if self.doc.project_location is None:
            return "Open a project first."
        return "" if self.out.text().strip() else "Choose a folder to export into."

    def work(self, progress: Progress) -> Callable[[], object]:
        from app.io.export import export_project

        project, out, options = self.doc.project_opener(), Path(self.out.text().strip()), self.options()
        assert project is not None, "check() asked for an open project"
        return lambda: export_project(project, out, options, progress)

    def done(self, value: object) -> str:
        return value.summary()  # type: ignore[attr-defined]


class ImportDialog(_DatasetDialog):
    run_text = "Import"

    def __init__(self, doc: Document, parent: QWidget | None = None) -> None:
        super().__init__(doc, "Import dataset", parent)
        self.src = QLineEdit()
        self._path_row("From", self.src, ("File…", self._choose_file), ("Folder…", self._choose_folder))
        self.skip_invalid = QCheckBox("Skip invalid entries and import the rest")
        self.form.addRow(self.skip_invalid)
        self.form.addRow(
            QLabel("Tags are matched by name; images already in the project get the new annotations.")
        )

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import from file", self.src.text(), "Datasets (*.json *.yaml *.yml *.xml)"
        )
        if path:
            self.src.setText(path)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import from folder", self.src.text())
        if folder:
            self.src.setText(folder)

    def check(self) -> str:
        if self.doc.project_location is None:
            return "Open a project first."
        return "" if self.src.text().strip() else "Choose the dataset file or folder to import."

    def work(self, progress: Progress) -> Callable[[], object]:
        project, fmt = self.doc.project_opener(), self.format.currentData()
        src = Path(self.src.text().strip())
        assert project is not None, "check() asked for an open project"
        skip = self.skip_invalid.isChecked()
        from app.io.importing import plan_for_project

        return lambda: plan_for_project(project, fmt, src, skip, progress)

    def done(self, value: object) -> str:
        plan: ImportPlan = value  # type: ignore[assignment]
        if plan.is_empty():
            return "Nothing new to import: " + plan.report()
        command = ImportDataset(self.doc, plan, f"Import {len(plan.annotations)} annotation(s)")
        self.doc.undo_stack.push(command)
        if command.written is None:
            return "Nothing was imported: the project file refused the write (the status bar says why)."
        return f"Imported {plan.report()}\nEdit → Undo removes the whole import."

    def failure(self, message: str) -> str:
        return f"Nothing was imported:\n{message}\n\nFix the input, or tick 'Skip invalid entries' to import the rest."


def open_export(doc: Document, parent: QWidget) -> ExportDialog:
    dialog = ExportDialog(doc, parent)
    dialog.open()
    return dialog


def open_import(doc: Document, parent: QWidget) -> ImportDialog:
    dialog = ImportDialog(doc, parent)
    dialog.open()
    return dialog
