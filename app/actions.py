"""Every user action in one table: id, title, default shortcuts, group. Menus, toolbars and the help overlay
are built from it, and a test checks it for clashes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence


@dataclass(frozen=True)
class ActionSpec:
    id: str
    title: str
    shortcuts: tuple[str, ...] = ()
    group: str = "General"
    checkable: bool = False


ACTIONS: tuple[ActionSpec, ...] = (
    # File
    ActionSpec("open_project", "Open project…", ("Ctrl+O",), "File"),
    ActionSpec("open_team_project", "Open team project…", ("Ctrl+Shift+T",), "File"),
    ActionSpec("new_project", "New project from folder…", ("Ctrl+N",), "File"),
    ActionSpec("add_images", "Add images…", ("Ctrl+I",), "File"),
    ActionSpec("add_folder", "Add folder…", ("Ctrl+Shift+I",), "File"),
    ActionSpec("import_dataset", "Import dataset (COCO, YOLO, VOC, labelme)…", ("Ctrl+Shift+O",), "File"),
    ActionSpec("export_dataset", "Export dataset (COCO, YOLO, VOC, labelme)…", ("Ctrl+E",), "File"),
    ActionSpec("quit", "Quit", ("Ctrl+Q",), "File"),
    # Edit
    ActionSpec("undo", "Undo", ("Ctrl+Z",), "Edit"),
    ActionSpec("redo", "Redo", ("Ctrl+Shift+Z", "Ctrl+Y"), "Edit"),
    ActionSpec("copy", "Copy annotations", ("Ctrl+C",), "Edit"),
    ActionSpec("paste", "Paste annotations", ("Ctrl+V",), "Edit"),
    ActionSpec("delete", "Delete selected", ("Del",), "Edit"),
    ActionSpec("select_all", "Select all annotations", ("Ctrl+A",), "Edit"),
    # Images
    ActionSpec("next_image", "Next image", ("D", "Right"), "Images"),
    ActionSpec("prev_image", "Previous image", ("A", "Left"), "Images"),
    ActionSpec("toggle_done", "Mark image done / not done", ("Ctrl+Return",), "Images"),
    ActionSpec("next_to_do", "Next image to do (not held by others)", ("N",), "Images"),
    # Review (team projects: reviewers and owners; anyone on a project file)
    ActionSpec("accept_image", "Accept image", ("Ctrl+Shift+A",), "Review"),
    ActionSpec("reject_image", "Reject image…", ("Ctrl+Shift+R",), "Review"),
    # Tools
    ActionSpec("tool_select", "Select / edit", ("V",), "Tools", checkable=True),
    ActionSpec("tool_rect", "Rectangle", ("R",), "Tools", checkable=True),
    ActionSpec("tool_polygon", "Polygon", ("P",), "Tools", checkable=True),
    ActionSpec("tool_keypoints", "Keypoints", ("K",), "Tools", checkable=True),
    ActionSpec("tool_segment", "Click to segment", ("I",), "Tools", checkable=True),
    *(ActionSpec(f"tag_{n}", f"Pick tag {n}", (str(n),), "Tags") for n in range(1, 10)),
    # View
    ActionSpec("fit", "Fit image", ("F",), "View"),
    ActionSpec("zoom_in", "Zoom in", ("Ctrl+=", "Ctrl++"), "View"),
    ActionSpec("zoom_out", "Zoom out", ("Ctrl+-",), "View"),
    ActionSpec("help", "Keyboard shortcuts", ("F1", "?"), "View"),
    # Model assist
    ActionSpec("assist", "Model assist", ("M",), "Model assist"),
    ActionSpec("commit_selected", "Commit selected suggestions", ("Space",), "Model assist"),
    ActionSpec("commit_all", "Commit all shown suggestions", ("S",), "Model assist"),
    ActionSpec("dismiss", "Cancel drawing / dismiss suggestions", ("Esc",), "Model assist"),
    ActionSpec("refresh_assist", "Ask the model again (bypass the cache)", ("Shift+M",), "Model assist"),
    ActionSpec(
        "auto_assist", "Auto-assist: ask for every image opened", ("Ctrl+M",), "Model assist", checkable=True
    ),
    ActionSpec(
        "prelabel", "Pre-label the images to do (in the background)", ("Ctrl+Shift+M",), "Model assist"
    ),
    ActionSpec("next_suggestion", "Next suggestion", ("Tab",), "Model assist"),
    ActionSpec("prev_suggestion", "Previous suggestion", ("Shift+Tab",), "Model assist"),
    ActionSpec("toggle_suggestion", "Toggle focused suggestion", ("X",), "Model assist"),
    ActionSpec(
        "refine_suggestions", "Refine selected box suggestions to outlines", ("Shift+I",), "Model assist"
    ),
    # Deployment: Ctrl+D, not Ctrl+Tab — Qt's tab widget switches the Annotator / Deployments pages with it.
    ActionSpec("next_deployment", "Next online deployment", ("Ctrl+D",), "Deployment"),
    *(
        ActionSpec(f"deployment_{n}", f"Choose online deployment {n}", (f"Ctrl+{n}",), "Deployment")
        for n in range(1, 10)
    ),
)

# Keys the drawing tools read directly on the canvas (not shortcuts; listed in the help overlay).
TOOL_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", "close the polygon / finish keypoints"),
    ("Backspace", "remove the last vertex or point while drawing"),
    ("Right click", "skip this keypoint while placing keypoints"),
    ("Shift+click", "place a keypoint as occluded"),
    ("Right click (I)", "click to segment: a point that is not the object"),
    ("Drag (I)", "click to segment: a box around the object"),
    ("Double-click", "polygon edge: add a vertex · keypoint: visible ↔ occluded"),
    ("Alt+click", "delete a polygon vertex / un-place a keypoint"),
    ("Wheel", "zoom at the cursor (Shift/Ctrl+wheel scroll)"),
    ("Middle drag", "pan"),
)

SPECS: dict[str, ActionSpec] = {a.id: a for a in ACTIONS}


def build_actions(parent: QObject, handlers: dict[str, Callable[[], object]]) -> dict[str, QAction]:
    """QActions for the table; an action without a handler is disabled."""
    actions: dict[str, QAction] = {}
    for spec in ACTIONS:
        action = QAction(spec.title, parent)
        action.setObjectName(spec.id)
        action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(spec.checkable)
        handler = handlers.get(spec.id)
        if handler is None:
            action.setEnabled(False)
        else:
            action.triggered.connect(lambda _checked=False, h=handler: h())
        if spec.shortcuts:
            action.setToolTip(f"{spec.title} ({', '.join(spec.shortcuts)})")
        actions[spec.id] = action
    return actions
