"""Flipping through images, persistence across reopen, copy/paste keys, bad images and bad project files in the
real window. The document rules behind them (undo, the clipboard, refused writes) are in tests/document."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gui_driver import drag, key
from PySide6.QtCore import Qt

from app.models import ImageStatus
from app.store import ProjectStore


def test_next_previous_and_work_survives_reopen(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    first = w.doc.current_image
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (20, 20), (120, 90))
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_D)
    assert w.doc.current_image.id != first.id
    assert w.canvas.annotation_scene.items_by_id == {}
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_Left)
    assert w.doc.current_image.id == first.id
    assert len(w.canvas.annotation_scene.items_by_id) == 1
    project = w.doc.project_path
    w.close()

    w2 = make_window(project)
    assert w2.doc.current_image.path == first.path
    [a] = list(w2.doc.annotations.values())
    assert a.geometry.x1 == pytest.approx(20, abs=2)
    assert w2.doc.current_image.status == ImageStatus.IN_PROGRESS


def test_copy_then_paste_onto_the_next_image(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (30, 40), (130, 140))
    key(qtbot, w, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, w, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_D)
    key(qtbot, w, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    [pasted] = list(w.doc.annotations.values())
    assert (pasted.geometry.x1, pasted.geometry.y1) == (pytest.approx(30, abs=2), pytest.approx(40, abs=2))
    store = ProjectStore.open(w.doc.project_path)
    assert len(store.annotations_for(w.doc.current_image.id)) == 1
    store.close()


def test_mark_done_and_filter_images_by_status(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    first = w.doc.current_image.path
    key(qtbot, w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert w.doc.current_image.status == ImageStatus.DONE
    dock = w.annotator.images_dock
    dock.status_box.setCurrentIndex(dock.status_box.findData("done"))
    assert dock.proxy.rowCount() == 1
    dock.status_box.setCurrentIndex(dock.status_box.findData("new"))
    assert w.doc.current_image.path == first  # filtering never switches the image on screen
    assert dock.proxy.rowCount() == len(w.doc.images)  # the image on screen stays listed until we move on
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_D)
    assert dock.proxy.rowCount() == len(w.doc.images) - 1
    listed = {dock.proxy.index(r, 0).data() for r in range(dock.proxy.rowCount())}
    assert not any(text.startswith(first) for text in listed)


def test_drawing_on_a_new_image_under_the_new_filter_stays_on_it(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    dock = w.annotator.images_dock
    dock.status_box.setCurrentIndex(dock.status_box.findData("new"))
    first = w.doc.current_image.id
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (20, 20), (120, 90))
    assert w.doc.current_image.id == first and w.doc.current_image.status == ImageStatus.IN_PROGRESS
    dock.search.setText("h")
    assert w.doc.current_image.id == first


def test_an_undo_during_a_drag_is_not_overwritten_by_the_drag(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (100, 100), (200, 200))
    key(qtbot, w, Qt.Key.Key_V)
    viewport = w.canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=w.canvas.scene_pos(150, 150))
    qtbot.mouseMove(viewport, w.canvas.scene_pos(170, 170))
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undoes the box being dragged
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=w.canvas.scene_pos(180, 180))
    assert w.doc.annotations == {}
    assert w.doc.undo_stack.canRedo()  # the box can still come back
    w.doc.undo_stack.redo()
    assert len(w.doc.annotations) == 1


def test_a_corrupt_image_shows_a_message_and_the_rest_keeps_working(make_window, image_folder, qtbot) -> None:
    (image_folder / "aaa_broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    (image_folder / "aab_empty.png").write_bytes(b"")
    w = make_window(image_folder)
    assert w.doc.current_image.path == "aaa_broken.jpg"
    assert "aaa_broken.jpg" in w.canvas.message
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_D)
    assert "aab_empty.png" in w.canvas.message and "empty" in w.canvas.message
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        key(qtbot, w, Qt.Key.Key_D)
    assert w.canvas.message == "" and w.canvas.image_ready
    assert not w.canvas.annotation_scene.pixmap_item.pixmap().isNull()


def test_a_file_that_is_not_a_project_is_refused_and_the_open_project_stays(
    make_window, image_folder, tmp_path, qtbot
) -> None:
    w = make_window(image_folder)
    bogus = tmp_path / "notes.labelassist"
    bogus.write_text("hello")
    assert not w.open_project(bogus)  # the file is left alone: see tests/document/test_session.py
    assert "not a LabelAssist project" in w.statusBar().currentMessage()
    assert w.doc.project_path == image_folder / "photos.labelassist" and len(w.doc.images) == 3


def test_adding_images_to_an_open_project(make_window, image_folder, tmp_path, qtbot) -> None:
    w = make_window(image_folder)
    extra = tmp_path / "more"
    extra.mkdir()
    shutil.copy(Path(__file__).parents[2] / "resources" / "samples" / "dog.jpg", extra / "dog.jpg")
    assert w.add_images([extra / "dog.jpg"]) == 1
    assert w.annotator.images_dock.proxy.rowCount() == 4
    assert w.statusBar().currentMessage() == "Added 1 image(s)"
