"""Drawing and editing on the real canvas with mouse events; what is stored is checked in the project file."""

from __future__ import annotations

import pytest
from gui_driver import click, drag, key
from PySide6.QtCore import Qt

from app.models import Box, Keypoints, Polygon, Tag, TagKind, Visibility
from app.store import ProjectStore


def stored(window) -> list:  # type: ignore[no-untyped-def]
    """Annotations of the current image as a fresh connection to the project file sees them."""
    store = ProjectStore.open(window.doc.project_path)
    try:
        return store.annotations_for(window.doc.current_image.id)
    finally:
        store.close()


def test_draw_a_box_then_undo_and_redo(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (100, 120), (300, 260))
    [ann] = stored(w)
    assert isinstance(ann.geometry, Box)
    assert ann.geometry.x1 == pytest.approx(100, abs=2) and ann.geometry.y2 == pytest.approx(260, abs=2)
    tag = w.doc.tags[ann.tag_id]
    assert (tag.name, tag.kind) == ("object", "box")  # a folder project gets a box tag on the first box
    assert len(w.canvas.annotation_scene.items_by_id) == 1
    assert w.annotator.annotations_dock.list.count() == 1
    assert w.doc.current_image.status == "in_progress"
    assert "· in progress · 1 annotation · tag: object" in w.position_label.text()

    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert stored(w) == []
    assert "· 0 annotations ·" in w.position_label.text()
    assert w.statusBar().currentMessage().startswith("Undone: ")  # not the edit's own, now stale, line
    assert w.canvas.annotation_scene.items_by_id == {}
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [a.geometry for a in stored(w)] == [ann.geometry]


def test_a_tiny_drag_is_not_a_box(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_R)
    click(qtbot, w, (50, 50))
    assert stored(w) == []


def test_resize_with_a_handle_and_move_are_one_undo_step_each(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (100, 100), (200, 200))
    after_draw = w.doc.undo_stack.count()
    key(qtbot, w, Qt.Key.Key_V)
    click(qtbot, w, (150, 150))  # select it, then drag its bottom-right handle
    drag(qtbot, w, (200, 200), (260, 240))
    [a] = stored(w)
    assert (a.geometry.x2, a.geometry.y2) == (pytest.approx(260, abs=2), pytest.approx(240, abs=2))
    assert (a.geometry.x1, a.geometry.y1) == (pytest.approx(100, abs=2), pytest.approx(100, abs=2))
    # Move by dragging the inside.
    drag(qtbot, w, (150, 150), (170, 180))
    [a] = stored(w)
    assert a.geometry.x1 == pytest.approx(120, abs=2) and a.geometry.y1 == pytest.approx(130, abs=2)
    assert w.doc.undo_stack.count() == after_draw + 2  # resize, move
    w.doc.undo_stack.undo()
    [a] = stored(w)
    assert a.geometry.x1 == pytest.approx(100, abs=2)


def test_moving_stops_at_the_image_edge(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (10, 10), (60, 60))
    key(qtbot, w, Qt.Key.Key_V)
    click(qtbot, w, (30, 30))
    drag(qtbot, w, (30, 30), (-200, -200))
    [a] = stored(w)
    assert (a.geometry.x1, a.geometry.y1) == (pytest.approx(0, abs=0.01), pytest.approx(0, abs=0.01))


def test_polygon_vertices_close_on_enter_and_can_be_edited(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_P)
    for p in [(100, 100), (300, 100), (300, 300), (100, 300)]:
        click(qtbot, w, p)
    key(qtbot, w, Qt.Key.Key_Return)
    [a] = stored(w)
    assert isinstance(a.geometry, Polygon) and len(a.geometry.points) == 4
    assert w.doc.tags[a.tag_id].kind == "polygon"

    key(qtbot, w, Qt.Key.Key_V)
    click(qtbot, w, (150, 150))
    # Double-click the middle of the top edge: a vertex is added there.
    qtbot.mouseDClick(w.canvas.viewport(), Qt.MouseButton.LeftButton, pos=w.canvas.scene_pos(200, 100))
    [a] = stored(w)
    assert len(a.geometry.points) == 5
    assert a.geometry.points[1] == (pytest.approx(200, abs=2), pytest.approx(100, abs=2))
    # Alt+click a vertex deletes it.
    click(qtbot, w, (300, 300), modifier=Qt.KeyboardModifier.AltModifier)
    [a] = stored(w)
    assert len(a.geometry.points) == 4
    assert all(abs(x - 300) > 2 or abs(y - 300) > 2 for x, y in a.geometry.points)


def test_polygon_closes_by_clicking_the_first_vertex_and_escape_cancels(
    make_window, image_folder, qtbot
) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_P)
    for p in [(10, 10), (100, 10), (100, 100), (10, 10)]:
        click(qtbot, w, p)
    assert len(stored(w)) == 1
    for p in [(200, 200), (250, 200)]:
        click(qtbot, w, p)
    key(qtbot, w, Qt.Key.Key_Escape)
    click(qtbot, w, (250, 250))
    key(qtbot, w, Qt.Key.Key_Return)  # only one vertex since Esc: nothing is made
    assert len(stored(w)) == 1


def test_keypoints_in_order_with_a_skipped_and_an_occluded_point(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    hand = (
        next(t for t in w.doc.tag_list() if t.name == "hand")
        if any(t.name == "hand" for t in w.doc.tag_list())
        else None
    )
    if hand is None:  # a folder project starts without tags: make a hand tag as a user would
        from app.models.templates import keypoint_tag

        w.doc.add_tag(keypoint_tag("hand", "hand (21 points)", "#46f0f0"))
        hand = next(t for t in w.doc.tag_list() if t.name == "hand")
    w.doc.set_current_tag(hand.id)
    key(qtbot, w, Qt.Key.Key_K)
    click(qtbot, w, (100, 100))  # WRIST
    click(qtbot, w, (0, 0), button=Qt.MouseButton.RightButton)  # THUMB_CMC skipped
    click(qtbot, w, (120, 90), modifier=Qt.KeyboardModifier.ShiftModifier)  # THUMB_MCP occluded
    key(qtbot, w, Qt.Key.Key_Return)
    [a] = stored(w)
    assert isinstance(a.geometry, Keypoints) and len(a.geometry.points) == 21
    vs = [p.v for p in a.geometry.points]
    assert vs[:3] == [Visibility.VISIBLE, Visibility.UNLABELLED, Visibility.OCCLUDED]
    assert set(vs[3:]) == {Visibility.UNLABELLED}
    assert (a.geometry.points[0].x, a.geometry.points[0].y) == (
        pytest.approx(100, abs=2),
        pytest.approx(100, abs=2),
    )

    # Edit: drag the wrist, then double-click it to mark it occluded.
    key(qtbot, w, Qt.Key.Key_V)
    click(qtbot, w, (100, 100))
    drag(qtbot, w, (100, 100), (140, 150))
    qtbot.mouseDClick(w.canvas.viewport(), Qt.MouseButton.LeftButton, pos=w.canvas.scene_pos(140, 150))
    [a] = stored(w)
    assert (a.geometry.points[0].x, a.geometry.points[0].y) == (
        pytest.approx(140, abs=2),
        pytest.approx(150, abs=2),
    )
    assert a.geometry.points[0].v == Visibility.OCCLUDED


def test_delete_and_retag_selected(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    from app.models import Tag

    w.doc.add_tag(Tag(name="car", color="#ff0000"))
    w.doc.add_tag(Tag(name="bus", color="#00ff00"))
    w.doc.set_current_tag(next(t.id for t in w.doc.tag_list() if t.name == "car"))
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (10, 10), (80, 80))
    key(qtbot, w, Qt.Key.Key_2)  # while drawing, a tag key picks the tag for the next box only
    [a] = stored(w)
    assert w.doc.tags[a.tag_id].name == "car" and w.doc.current_tag.name == "bus"
    key(qtbot, w, Qt.Key.Key_V)
    click(qtbot, w, (40, 40))
    key(qtbot, w, Qt.Key.Key_1)  # in the select tool it retags the selection
    [a] = stored(w)
    assert w.doc.tags[a.tag_id].name == "car"
    key(qtbot, w, Qt.Key.Key_2)
    [a] = stored(w)
    assert w.doc.tags[a.tag_id].name == "bus"
    key(qtbot, w, Qt.Key.Key_Delete)
    assert stored(w) == []


def test_picking_a_tag_with_the_mouse_mid_polygon_keeps_enter_on_the_canvas(
    make_window, image_folder, qtbot
) -> None:
    from PySide6.QtWidgets import QApplication

    w = make_window(image_folder)
    w.activateWindow()
    key(qtbot, w, Qt.Key.Key_P)
    for p in [(10, 10), (100, 10), (100, 100)]:
        click(qtbot, w, p)
    tags = w.annotator.tags_dock.list
    w.doc.add_tag(Tag(name="zone", kind=TagKind.POLYGON, color="#123456"))
    item = tags.item(tags.count() - 1)
    qtbot.mouseClick(tags.viewport(), Qt.MouseButton.LeftButton, pos=tags.visualItemRect(item).center())
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert QApplication.focusWidget() is w.canvas
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert len(stored(w)) == 1
