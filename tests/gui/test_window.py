"""The window as a whole: the action table, help overlay, pages, the demo project and the command line."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from app import __version__
from app.actions import ACTIONS
from app.demo import ensure_demo_project
from app.widgets.help_overlay import shortcuts_html

# Keys read by widgets rather than by the table: the canvas tools (TOOL_KEYS) and Qt's tab widget, which
# switches the Annotator / Deployments pages with Ctrl+Tab, Ctrl+Shift+Tab and Ctrl+PageUp / PageDown.
WIDGET_KEYS = (
    "Return",
    "Enter",
    "Backspace",
    "Ctrl+Tab",
    "Ctrl+Shift+Tab",
    "Ctrl+Backtab",
    "Ctrl+PgUp",
    "Ctrl+PgDown",
)


def test_no_two_actions_share_a_shortcut() -> None:
    keys = Counter(QKeySequence(s).toString() for spec in ACTIONS for s in spec.shortcuts)
    clashes = [k for k, n in keys.items() if n > 1]
    assert clashes == []
    assert all(QKeySequence(s).toString() for spec in ACTIONS for s in spec.shortcuts)  # every key parses
    assert set(keys) >= {"Ctrl+D", *(f"Ctrl+{n}" for n in range(1, 10))}  # the deployment keys are checked
    widget_keys = {QKeySequence(k).toString() for k in WIDGET_KEYS}
    assert "" not in widget_keys
    assert sorted(widget_keys & set(keys)) == []


def test_deployment_keys_are_in_the_table() -> None:
    by_key = {QKeySequence(s).toString(): spec.id for spec in ACTIONS for s in spec.shortcuts}
    assert by_key["Ctrl+D"] == "next_deployment"
    for n in range(1, 10):
        assert by_key[QKeySequence(f"Ctrl+{n}").toString()] == f"deployment_{n}"


def test_model_assist_keys_and_design_hotkeys_present() -> None:
    by_key = {QKeySequence(s).toString(): spec.id for spec in ACTIONS for s in spec.shortcuts}
    assert by_key["M"] == "assist" and by_key["Space"] == "commit_selected" and by_key["S"] == "commit_all"
    for k, action in {
        "D": "next_image",
        "A": "prev_image",
        "V": "tool_select",
        "R": "tool_rect",
        "P": "tool_polygon",
        "K": "tool_keypoints",
        "F": "fit",
        "Del": "delete",
        "Ctrl+Z": "undo",
        "Ctrl+Shift+Z": "redo",
        "1": "tag_1",
        "9": "tag_9",
    }.items():
        assert by_key[QKeySequence(k).toString()] == action


def test_help_overlay_lists_every_shortcut(make_window, image_folder, qtbot) -> None:
    text = shortcuts_html()
    for spec in ACTIONS:
        if not spec.id.startswith(("tag_", "deployment_")):
            assert spec.title in text
    assert "Pick tag 1 … 9" in text
    assert "Ctrl+1 … Ctrl+9" in text and "Choose online deployment 1 … 9" in text
    w = make_window(image_folder)
    qtbot.keyClick(w.canvas, "?")
    assert w.help.isVisible()
    row = w.doc.row
    qtbot.keyClick(w.help, Qt.Key.Key_D)  # closes the overlay; does not also flip to the next image
    assert not w.help.isVisible()
    assert w.doc.row == row


def test_window_has_annotator_and_deployments_pages(make_window, image_folder) -> None:
    w = make_window(image_folder)
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())] == ["Annotator", "Deployments"]
    assert {a.objectName() for a in w.findChildren(type(w.annotator.images_dock))} >= {"images_dock"}


def test_demo_project_has_the_sample_photos_and_tags(make_window, qtbot) -> None:
    project = ensure_demo_project()
    assert ensure_demo_project() == project  # second run reuses it
    w = make_window(project)
    assert len(w.doc.images) == 12
    assert {"person", "face", "body", "hand"} <= {t.name for t in w.doc.tag_list()}
    assert (project.parent / "images" / "SOURCES.md").exists()  # licences travel with the photos
    assert w.canvas.image_ready


def test_layout_is_remembered(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    w.annotator.images_dock.hide()
    w.close()
    w2 = make_window(image_folder)
    assert not w2.annotator.images_dock.isVisible()


def test_command_line_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"LabelAssist {__version__}"
