"""A crowded image (more annotations than THIN_LINES_ABOVE): one layer draws the unselected shapes, the
items still take clicks, and the selection draws itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from gui_driver import click, key
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QGraphicsItem

from app.models import Annotation, Box, ImageRecord, Tag
from app.store import ProjectStore
from app.widgets.canvas.scene import THIN_LINES_ABOVE

STEP, SIDE = 14, 10
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def _crowded_project(tmp_path, samples):  # type: ignore[no-untyped-def]
    shutil.copy(samples / "astronaut.jpg", tmp_path / "astronaut.jpg")
    store = ProjectStore.create(tmp_path / "crowd.labelassist")
    (img,) = store.add_images([ImageRecord(path="astronaut.jpg", width=512, height=512)])
    tag = store.add_tag(Tag(name="dot", color="#00ff00"))
    boxes = [
        Annotation(image_id=img.id, tag_id=tag.id, geometry=Box(x1=x, y1=y, x2=x + SIDE, y2=y + SIDE))
        for y in range(2, 500, STEP)
        for x in range(2, 500, STEP)
    ]
    store.add_annotations(boxes)
    store.close()
    assert len(boxes) > THIN_LINES_ABOVE
    return tmp_path / "crowd.labelassist"


def _changed(a, b, rect: QRect) -> int:  # type: ignore[no-untyped-def]
    return sum(
        a.pixel(x, y) != b.pixel(x, y)
        for y in range(rect.top(), rect.bottom())
        for x in range(rect.left(), rect.right())
    )


def test_crowded_image_is_drawn_by_one_layer_and_stays_editable(make_window, tmp_path, qtbot) -> None:
    w = make_window(_crowded_project(tmp_path, SAMPLES))
    scene, canvas = w.canvas.annotation_scene, w.canvas
    items = list(scene.items_by_id.values())
    assert all(it.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents for it in items)

    def grab(layer_visible: bool = True):  # type: ignore[no-untyped-def]
        scene.dense.setVisible(layer_visible)
        image = canvas.viewport().grab().toImage()
        scene.dense.setVisible(True)
        return image

    first = (2 + 18 * STEP + SIDE / 2, 2 + 18 * STEP + SIDE / 2)  # a box in the middle
    x0 = y0 = 2 + 18 * STEP
    around = QRect(canvas.scene_pos(x0 - 1.5, y0 - 1.5), canvas.scene_pos(x0 + SIDE + 1.5, y0 + SIDE + 1.5))
    assert _changed(grab(), grab(False), around) > 10, "the layer draws the outlines"

    click(qtbot, w, first)  # the item under the click is found although the layer draws it
    (selected,) = w.doc.selected
    item = scene.items_by_id[selected]
    assert not item.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
    assert _changed(grab(), grab(False), around) == 0, "the layer leaves the selected box out"
    scene.handles.setVisible(False)  # the resize handles would cover most of a small box
    shown = grab()
    item.setVisible(False)
    assert _changed(shown, grab(), around) > 10, "and it draws itself"
    item.setVisible(True)
    scene.handles.setVisible(True)

    key(qtbot, w, Qt.Key.Key_Delete)
    assert selected not in scene.items_by_id
    assert _changed(grab(), grab(False), around) == 0, "gone from the layer too"
    key(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _changed(grab(), grab(False), around) > 10


def _green(image) -> np.ndarray:  # type: ignore[no-untyped-def]
    image = image.convertToFormat(image.Format.Format_RGB32)
    a = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    b, g, r = a[..., 0].astype(int), a[..., 1].astype(int), a[..., 2].astype(int)
    return (g > 150) & (r < 120) & (b < 120)


def test_while_zooming_the_layer_is_scaled_into_place_then_drawn_sharp(make_window, tmp_path, qtbot) -> None:
    w = make_window(_crowded_project(tmp_path, SAMPLES))
    canvas, layer = w.canvas, w.canvas.annotation_scene.dense
    qtbot.waitUntil(lambda: not layer._settle.isActive(), timeout=2000)
    canvas.viewport().grab()  # a sharp picture to scale from
    canvas.zoom_by(0.8, canvas.viewport().rect().center())  # out: no scroll bars appear meanwhile
    assert layer._settle.isActive()
    moving = _green(canvas.viewport().grab().toImage())
    qtbot.waitUntil(lambda: not layer._settle.isActive(), timeout=2000)
    sharp = _green(canvas.viewport().grab().toImage())
    near = np.zeros_like(sharp)  # within 2 px of a sharp outline
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            near |= np.roll(np.roll(sharp, dy, 0), dx, 1)
    assert moving.sum() > 1000 and sharp.sum() > 1000
    assert (moving & ~near).sum() < 0.02 * moving.sum(), "the scaled picture lies on the sharp outlines"
