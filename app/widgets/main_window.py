"""The main window: assembles the pages, menus, toolbar and status bar around one Document.

The program shows the window's frame (title, size, menus, status bar) first and builds the rest from the event
loop (`MainWindow(build=False)`, then `build()`): the frame needs only Qt, so it is on screen before the
document, the models and the assist code are imported (a third of a second on a slow machine).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QActionGroup, QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QTabWidget, QToolBar, QWidget

from app import gui_gc
from app.actions import ACTIONS, build_actions
from app.widgets import window_layout
from app.widgets.status_line import StatusLine, position_text

if TYPE_CHECKING:
    from app.widgets.help_overlay import HelpOverlay


class MainWindow(QMainWindow):
    def __init__(self, parent: QWidget | None = None, *, build: bool = True) -> None:
        super().__init__(parent)
        gui_gc.install()
        self.setObjectName("main_window")
        self.setWindowTitle("LabelAssist")
        self.built = False
        self._help: HelpOverlay | None = (
            None  # made on the first F1: its rich text costs a tenth of the start
        )
        # Every action forwards to its handler, which exists once the window is built.
        self._handlers: dict[str, Callable[[], object]] = {}
        self.actions_by_id = build_actions(
            self, {spec.id: partial(self._trigger, spec.id) for spec in ACTIONS}
        )
        self._build_menus()
        self.setStatusBar(StatusLine(self))
        self.position_label = QLabel()
        self.statusBar().addPermanentWidget(self.position_label)
        window_layout.restore_geometry(self)
        if build:
            self.build()

    def build(self) -> None:
        """The document, the controllers and the pages (imported here: see the module's docstring)."""
        from app import start_trace
        from app.assist.controller import AssistController
        from app.document import Document
        from app.inference.client import InferenceClient
        from app.inference.deployments import Deployments
        from app.settings import load_preferences
        from app.widgets import segment_panel
        from app.widgets.annotator_page import AnnotatorPage
        from app.widgets.canvas.assist_binding import bind_assist
        from app.widgets.deployments_page import DeploymentsPage
        from app.widgets.intelligent_dock import IntelligentToolsDock
        from app.widgets.project_opening import ProjectOpening

        self.prefs = load_preferences()
        self.doc = Document(self)
        self.opening = ProjectOpening(self, self.doc, self.prefs)
        self.deployments = Deployments(InferenceClient(), self)
        self.assist = AssistController(self.doc, self.deployments, self)
        self.annotator = AnnotatorPage(self.doc, self, preview_side=self.prefs.preview_side)
        self.canvas = self.annotator.canvas
        bind_assist(self.canvas, self.assist)
        start_trace.watch(self.canvas)  # a no-op unless a benchmark asks for the first-paint time
        self.intelligent_dock = IntelligentToolsDock(self.assist, self.annotator)
        self.annotator.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.intelligent_dock)
        self.segmentation = segment_panel.install(self)  # the click-to-segment tool and its dock section
        self.deployments_page = DeploymentsPage(self.deployments, self, tag_names=self.doc.tag_names)
        quality = self.deployments_page.quality  # "Use this threshold" moves the slider; the plot marks it
        quality.thresholdChosen.connect(self.assist.set_threshold)
        self.assist.stateChanged.connect(lambda: quality.set_threshold(self.assist.threshold))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("pages")
        self.tabs.addTab(self.annotator, "Annotator")
        self.tabs.addTab(self.deployments_page, "Deployments")
        self.setCentralWidget(self.tabs)
        self._handlers = self._make_handlers()
        self._build_toolbar()
        self._build_status_bar()
        self.doc.undo_stack.canUndoChanged.connect(self.actions_by_id["undo"].setEnabled)
        self.doc.undo_stack.canRedoChanged.connect(self.actions_by_id["redo"].setEnabled)
        self.actions_by_id["undo"].setEnabled(False)
        self.actions_by_id["redo"].setEnabled(False)
        self.doc.projectChanged.connect(self._follow_role)
        self._follow_role()
        self.canvas.toolChanged.connect(self._on_tool_changed)
        self.canvas.set_tool("select")
        window_layout.restore_docks(self.annotator)
        self.built = True

    @property
    def help(self) -> HelpOverlay:
        """The keyboard-shortcut overlay (F1)."""
        if self._help is None:
            from app.widgets.help_overlay import HelpOverlay

            self._help = HelpOverlay(self)
        return self._help

    # ---- actions -------------------------------------------------------------------------------

    def _trigger(self, action_id: str) -> None:
        handler = self._handlers.get(action_id)
        if handler is not None:
            handler()

    def _make_handlers(self) -> dict[str, Callable[[], object]]:
        from app.models import Review
        from app.widgets import dataset_dialogs

        doc, canvas = self.doc, self.canvas
        handlers = {
            "open_project": self.ask_open_project,
            "open_team_project": self.opening.ask_open_team,
            "new_project": self.ask_new_project,
            "add_images": self.ask_add_images,
            "add_folder": self.ask_add_folder,
            "import_dataset": lambda: dataset_dialogs.open_import(self.doc, self),
            "export_dataset": lambda: dataset_dialogs.open_export(self.doc, self),
            "quit": self.close,
            "undo": lambda: self._step_history(-1),
            "redo": lambda: self._step_history(+1),
            "copy": self._copy,
            "paste": doc.paste,
            "delete": doc.delete_selected,
            "select_all": lambda: doc.set_selection(set(doc.annotations)),
            "next_image": lambda: self.annotator.images_dock.step(+1),
            "prev_image": lambda: self.annotator.images_dock.step(-1),
            "toggle_done": doc.toggle_done,
            "next_to_do": doc.next_to_do,
            "accept_image": lambda: doc.set_review(Review.ACCEPTED),
            "reject_image": self._reject_image,
            "tool_select": lambda: canvas.set_tool("select"),
            "tool_rect": lambda: canvas.set_tool("rect"),
            "tool_polygon": lambda: canvas.set_tool("polygon"),
            "tool_keypoints": lambda: canvas.set_tool("keypoints"),
            "tool_segment": lambda: canvas.set_tool("segment"),
            "fit": canvas.fit,
            "zoom_in": lambda: canvas.zoom_by(1.25),
            "zoom_out": lambda: canvas.zoom_by(1 / 1.25),
            "help": lambda: self.help.toggle(),
            "dismiss": self._escape,
            "assist": lambda: self.assist.assist(),
            "refresh_assist": self.assist.refresh,
            "auto_assist": lambda: self.assist.set_auto(not self.assist.auto),
            "prelabel": self.assist.prefetcher.prelabel,
            "commit_selected": self.assist.commit_selected,
            "commit_all": self.assist.commit_all,
            "next_suggestion": lambda: self.assist.cycle(+1),
            "prev_suggestion": lambda: self.assist.cycle(-1),
            "toggle_suggestion": self.assist.toggle_focused,
            "refine_suggestions": self.segmentation.refiner.refine_selected,
        }
        dock = self.intelligent_dock
        handlers["next_deployment"] = lambda: doc.message.emit(dock.choose_next())
        for n in range(1, 10):
            handlers[f"tag_{n}"] = lambda n=n: self._pick_tag(n)
            handlers[f"deployment_{n}"] = lambda n=n: doc.message.emit(dock.choose(n))
        return handlers

    def _build_menus(self) -> None:
        menus: dict[str, QMenu] = {}
        for spec in ACTIONS:
            menu = menus.get(spec.group)
            if menu is None:
                menu = menus[spec.group] = self.menuBar().addMenu(spec.group)
            menu.addAction(self.actions_by_id[spec.id])
            if spec.id == "new_project":
                self.recent_menu = menu.addMenu("Recent projects")
                self.recent_menu.aboutToShow.connect(lambda: self.opening.fill_recent(self.recent_menu))
        tools = QActionGroup(self)
        for tool in ("tool_select", "tool_rect", "tool_polygon", "tool_keypoints", "tool_segment"):
            tools.addAction(self.actions_by_id[tool])

    def _build_toolbar(self) -> None:
        bar = QToolBar("Tools")
        bar.setObjectName("tools_toolbar")
        for action_id in (
            "tool_select",
            "tool_rect",
            "tool_polygon",
            "tool_keypoints",
            "tool_segment",
            None,
            "prev_image",
            "next_image",
            "toggle_done",
            None,
            "undo",
            "redo",
            None,
            "fit",
            "help",
        ):
            if action_id is None:
                bar.addSeparator()
            else:
                bar.addAction(self.actions_by_id[action_id])
        self.annotator.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)

    def _build_status_bar(self) -> None:
        self.doc.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.assist.status.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.deployments.message.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.assist.stateChanged.connect(
            lambda: self.actions_by_id["auto_assist"].setChecked(self.assist.auto)
        )
        self.annotator.images_dock.model.follow_marks(self.assist.marks)
        self.canvas.hintChanged.connect(lambda text: self.statusBar().showMessage(text))
        for signal in (
            self.doc.currentImageChanged,
            self.doc.annotationsAdded,
            self.doc.annotationsRemoved,
            self.doc.currentTagChanged,
            self.doc.imageUpdated,
            self.doc.projectChanged,
        ):
            signal.connect(self._update_position)

    def _update_position(self) -> None:
        self.position_label.setText(position_text(self.doc))

    def _on_tool_changed(self, name: str) -> None:
        self.actions_by_id[f"tool_{name}"].setChecked(True)

    def _pick_tag(self, n: int) -> None:
        tags = self.doc.tag_list()
        if n > len(tags):
            return
        tag = tags[n - 1]
        self.doc.set_current_tag(tag.id)
        self.doc.message.emit(f"Tag: {tag.name}")
        if self.doc.selected and self.canvas.tool.name == "select":
            self.doc.retag_selected(tag.saved_id)

    def _follow_role(self) -> None:
        """Accepting and rejecting images is for a team project's reviewers (and anyone on a project file)."""
        can = self.doc.project_location is not None and self.doc.can_review
        for action_id in ("accept_image", "reject_image"):
            self.actions_by_id[action_id].setEnabled(can)

    def _reject_image(self) -> None:
        from app.models import Review
        from app.widgets.team_dialogs import ask_reject_note

        if self.doc.current_image is None or not self.doc.can_review:
            return
        note = ask_reject_note(self)
        if note is not None:
            self.doc.set_review(Review.REJECTED, note)

    def _step_history(self, step: int) -> None:
        """Ctrl+Z / Ctrl+Shift+Z, and the status bar says what was undone or redone (not the edit's own line)."""
        stack = self.doc.undo_stack
        text = stack.undoText() if step < 0 else stack.redoText()
        if not text:
            return
        if step < 0:
            stack.undo()
        else:
            stack.redo()
        self.statusBar().showMessage(f"{'Undone' if step < 0 else 'Redone'}: {text}", 8000)

    def _copy(self) -> None:
        n = self.doc.copy_selected()
        if n:
            self.doc.message.emit(f"Copied {n} annotation(s); Ctrl+V pastes them on any image.")

    def _escape(self) -> None:
        """Esc: close the help, else drop the shape being drawn, else dismiss suggestions, else deselect."""
        if self._help is not None and self._help.isVisible():
            self._help.hide()
        elif not self.canvas.tool.cancel() and not self.assist.dismiss():
            self.canvas.cancel()

    # ---- projects ------------------------------------------------------------------------------

    def open_project(self, location: str | os.PathLike[str]) -> bool:
        """Open a project file, a folder of images or a team project's URL (see ProjectOpening)."""
        return self.opening.open(location)

    def ask_open_project(self) -> None:
        from app.widgets import project_dialogs

        path = project_dialogs.ask_project_file(self)
        if path:
            self.open_project(path)

    def ask_new_project(self) -> None:
        from app.widgets import project_dialogs

        folder = project_dialogs.ask_folder(self, "Create a project from a folder of images")
        if folder:
            self.open_project(folder)

    def add_images(self, files: list[Path]) -> int:
        if self.doc.project_location is None or not files:
            return 0
        added = self.doc.add_image_files(files)
        self.statusBar().showMessage(f"Added {added} image(s)", 8000)
        return added

    def ask_add_images(self) -> None:
        from app.widgets import project_dialogs

        self.add_images(project_dialogs.ask_image_files(self))

    def ask_add_folder(self) -> None:
        from app.project_files import scan_images
        from app.widgets import project_dialogs

        folder = project_dialogs.ask_folder(self, "Add a folder of images")
        if folder:
            self.add_images(scan_images(folder))

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.built:  # closed before it was built: nothing to keep or stop
            super().closeEvent(event)
            return
        window_layout.save_layout(self, self.annotator)
        self.canvas.source.stop()
        self.assist.stop()
        self.segmentation.segmenter.stop()
        self.deployments_page.stop()
        self.deployments.shutdown()
        self.doc.close()
        super().closeEvent(event)
