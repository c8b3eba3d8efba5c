"""Model assist end to end: the real reference server, the real window, keys and clicks like a labeller."""

from __future__ import annotations

from assist_driver import server_inferences, use_deployment, wait_for_suggestions
from gui_driver import click, key
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from app.models import Box, Keypoints, Polygon, Source, TagKind, Visibility
from app.store import ProjectStore


def _astronaut(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    names = [img.path for img in window.doc.images]
    if window.doc.current_image.path != "astronaut.jpg":
        with qtbot.waitSignal(window.canvas.imageShown, timeout=10_000):
            window.doc.go_to_row(names.index("astronaut.jpg"))


def _stored(window):  # type: ignore[no-untyped-def]
    """What a fresh reader of the project file sees for the image on screen."""
    store = ProjectStore.open(window.doc.project_path)
    try:
        return store.annotations_for(window.doc.current_image.id), {t.id: t for t in store.tags()}
    finally:
        store.close()


def _pixel(window, x: float, y: float) -> QColor:  # type: ignore[no-untyped-def]
    image = window.canvas.viewport().grab().toImage()
    p: QPoint = window.canvas.scene_pos(x, y)
    return image.pixelColor(p)


def test_face_boxes_suggest_filter_select_commit_undo(make_window, image_folder, people_url, qtbot) -> None:
    w = make_window(image_folder)
    _astronaut(w, qtbot)
    d = use_deployment(qtbot, w, "faces", people_url, "face")
    before = server_inferences(people_url, "face")
    centre = (225.0, 120.0)  # inside the astronaut's face
    plain = _pixel(w, *centre)

    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    assert server_inferences(people_url, "face") == before + 1
    shown = w.assist.shown()
    assert [s.label for s in shown] == ["face"] and isinstance(shown[0].geometry, Box)
    assert w.intelligent_dock.shown_label.text() == "1 of 1 shown"
    assert _pixel(w, *centre) != plain, "the suggestion is drawn over the face"

    # The slider filters the cached answer: no new request.
    w.intelligent_dock.slider.setValue(99)
    assert w.intelligent_dock.shown_label.text() == "0 of 1 shown"
    assert w.canvas.suggestions.shown_keys() == []
    w.intelligent_dock.slider.setValue(50)
    assert w.intelligent_dock.shown_label.text() == "1 of 1 shown"
    assert server_inferences(people_url, "face") == before + 1

    # Click selects (tag colour), a second click deselects, a third selects again.
    grey = _pixel(w, *centre)
    click(qtbot, w, centre)
    assert w.assist.selected == {shown[0].key}
    assert _pixel(w, *centre) != grey
    click(qtbot, w, centre)
    assert w.assist.selected == set()
    click(qtbot, w, centre)

    key(qtbot, w, Qt.Key.Key_Space)
    stored, tags = _stored(w)
    assert len(stored) == 1 and isinstance(stored[0].geometry, Box)
    p = stored[0].provenance
    assert (p.source, p.deployment, p.model, p.version) == (
        Source.MODEL,
        "faces",
        "face",
        "mediapipe-0.10.21",
    )
    assert p.score == shown[0].score
    assert tags[stored[0].tag_id].name == "face" and tags[stored[0].tag_id].kind == TagKind.BOX
    assert w.assist.shown() == [], "a committed suggestion is not suggested again"
    assert w.deployments.records.usage(d.id).committed == 1

    key(
        qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
    )  # one undo step: the commit and its new tag
    stored, tags = _stored(w)
    assert stored == [] and "face" not in {t.name for t in tags.values()}
    assert len(w.assist.shown()) == 1

    key(qtbot, w, Qt.Key.Key_S)
    assert len(_stored(w)[0]) == 1
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    key(qtbot, w, Qt.Key.Key_Escape)  # dismiss: hidden, remembered for this image and model
    assert w.assist.shown() == [] and _stored(w)[0] == []
    assert w.deployments.records.usage(d.id).dismissed == 1
    key(qtbot, w, Qt.Key.Key_M)  # from the cache: still dismissed, and no request
    wait_for_suggestions(qtbot, w)
    assert w.assist.shown() == []
    assert server_inferences(people_url, "face") == before + 1
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(w.assist.shown()) == 1

    usage = w.deployments.records.usage(d.id)
    assert (usage.calls, usage.failures, usage.images, usage.predictions) == (1, 0, 1, 1)
    assert usage.p50_ms is not None and usage.p95_ms is not None
    w.deployments_page.refresh()  # the page may read the figures in the background: wait for them
    qtbot.waitUntil(lambda: w.deployments_page.row_text(d.id)["Calls"] == "1", timeout=10_000)
    assert w.deployments_page.row_text(d.id)["Status"].startswith("online")


def test_person_polygon_commit_all(make_window, image_folder, people_url, qtbot) -> None:
    w = make_window(image_folder)
    _astronaut(w, qtbot)
    use_deployment(qtbot, w, "people", people_url, "person-segmentation")
    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    shown = w.assist.shown()
    assert len(shown) >= 1 and all(isinstance(s.geometry, Polygon) for s in shown)
    key(qtbot, w, Qt.Key.Key_S)
    stored, tags = _stored(w)
    assert len(stored) == len(shown)
    assert all(isinstance(a.geometry, Polygon) for a in stored)
    tag = tags[stored[0].tag_id]
    assert tag.name == "person" and tag.kind == TagKind.POLYGON
    img = w.doc.current_image
    for a in stored:  # clipped into the image
        b = a.geometry.bounds()
        assert 0 <= b.x1 <= b.x2 <= img.width and 0 <= b.y1 <= b.y2 <= img.height
    # Committed annotations are ordinary ones: selectable and deletable, undoably.
    w.doc.set_selection({a.id for a in stored})
    key(qtbot, w, Qt.Key.Key_Delete)
    assert _stored(w)[0] == []


def test_pose_skeleton_tab_x_space(make_window, image_folder, people_url, qtbot) -> None:
    w = make_window(image_folder)
    _astronaut(w, qtbot)
    use_deployment(qtbot, w, "body", people_url, "pose")
    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    shown = w.assist.shown()
    assert len(shown) == 1 and isinstance(shown[0].geometry, Keypoints)
    assert len(w.assist.view.result.model.skeleton) > 30  # drawn as grey points and skeleton lines

    key(qtbot, w, Qt.Key.Key_Tab)
    assert w.assist.focused == shown[0].key and w.assist.selected == set()
    key(qtbot, w, Qt.Key.Key_X)
    assert w.assist.selected == {shown[0].key}
    key(qtbot, w, Qt.Key.Key_Space)
    stored, tags = _stored(w)
    assert len(stored) == 1
    kp = stored[0].geometry
    assert isinstance(kp, Keypoints) and len(kp.points) == 33
    assert sum(p.v == Visibility.VISIBLE for p in kp.points) >= 10
    tag = tags[stored[0].tag_id]
    assert tag.kind == TagKind.KEYPOINTS and len(tag.keypoint_names) == 33 and tag.skeleton
