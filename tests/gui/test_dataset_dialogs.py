"""File → Export / Import dataset in the real window: progress, cancel, and an import as one undo step."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gui_driver import export_coco
from PySide6.QtCore import QTimer

import app.io.coco_export as coco_format
from app.models import Box, ImageRecord
from app.store import ProjectStore
from app.widgets.dataset_dialogs import ExportDialog, ImportDialog

pytestmark = pytest.mark.gui


@pytest.fixture
def make_store() -> Iterator[Callable[[Path], ProjectStore]]:
    """Connections of the test's own to a project file, closed at teardown."""
    opened: list[ProjectStore] = []

    def make(path: Path) -> ProjectStore:
        opened.append(ProjectStore.open(path))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


def _dialog(window, action: str, kind):  # type: ignore[no-untyped-def]
    window.actions_by_id[action].trigger()
    dialog = window.findChild(kind)
    assert dialog is not None and dialog.isVisible()
    return dialog


def _annotate(project: Path, paths: list[str]) -> None:
    """Boxes on the given images, written straight into the project file before the window opens it."""
    from app.models import Annotation, Tag

    store = ProjectStore.open(project)
    tag = store.add_tag(Tag(name="thing"))
    by_path = {r.path: r for r in store.images()}
    store.add_annotations(
        [
            Annotation(image_id=by_path[p].id, tag_id=tag.id, geometry=Box(x1=5, y1=6, x2=50, y2=60))
            for p in paths
        ]
    )
    store.close()


def _coco_for(folder: Path, names: list[str], category: str = "cat") -> Path:
    doc = {
        "images": [{"id": i, "file_name": n} for i, n in enumerate(names, 1)],
        "categories": [{"id": 1, "name": category}, {"id": 2, "name": "zone"}],
        "annotations": [
            {"id": 10 + i, "image_id": i, "category_id": 1, "bbox": [10, 20, 30, 40], "segmentation": []}
            for i in range(1, len(names) + 1)
        ]
        + [
            {
                "id": 99,
                "image_id": 1,
                "category_id": 2,
                "bbox": [0, 0, 5, 5],
                "segmentation": [[0, 0, 5, 0, 5, 5]],
            }
        ],
    }
    path = folder / "labels.json"
    path.write_text(json.dumps(doc))
    return path


def test_export_dialog_writes_the_dataset(make_window, image_folder, tmp_path, qtbot) -> None:
    w = make_window(image_folder)
    _annotate(w.doc.project_path, ["cat.png"])
    report, coco = export_coco(qtbot, w, tmp_path / "out")
    assert "Exported 3 image(s) and 1 annotation(s)" in report
    assert len(coco["images"]) == 3 and [c["name"] for c in coco["categories"]] == ["thing"]
    assert sorted(p.name for p in (tmp_path / "out" / "images").iterdir()) == [
        "astronaut.jpg",
        "cat.png",
        "hand.jpg",
    ]


def test_export_shows_progress_keeps_the_ui_live_and_cancels_cleanly(
    make_window, image_folder, tmp_path, qtbot, monkeypatch
) -> None:
    w = make_window(image_folder)
    release = threading.Event()
    real_place = coco_format.place

    def slow_place(*args):  # type: ignore[no-untyped-def]
        release.wait(10)  # hold the worker on its first image until the test has pressed Cancel
        real_place(*args)

    monkeypatch.setattr(coco_format, "place", slow_place)
    dialog = _dialog(w, "export_dataset", ExportDialog)
    dialog.out.setText(str(tmp_path / "out"))
    dialog.format.setCurrentIndex(dialog.format.findData("coco"))
    dialog.run_button.click()
    qtbot.waitUntil(lambda: dialog.progress_bar.maximum() == 3, timeout=10_000)
    assert dialog.progress_bar.isVisible() and not dialog.run_button.isEnabled()
    assert dialog.cancel_button.text() == "Cancel"
    ticks = []
    QTimer.singleShot(0, lambda: ticks.append(1))  # the event loop runs while the export works
    qtbot.waitUntil(lambda: bool(ticks), timeout=2_000)
    dialog.cancel_button.click()
    release.set()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=10_000)
    assert dialog.report.toPlainText() == "Cancelled; nothing was written."
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if ".exporting-" in p.name]
    assert dialog.run_button.isEnabled() and dialog.cancel_button.text() == "Close"


def test_import_is_one_undo_step(make_window, make_store, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    src = _coco_for(image_folder, ["astronaut.jpg", "cat.png", "hand.jpg"])
    steps = w.doc.undo_stack.count()
    dialog = _dialog(w, "import_dataset", ImportDialog)
    dialog.src.setText(str(src))
    dialog.run_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=20_000)
    assert (
        "4 annotation(s), 0 new image(s) (3 already in the project), 2 new tag(s)"
        in dialog.report.toPlainText()
    )
    assert w.doc.undo_stack.count() == steps + 1
    assert sorted(t.name for t in w.doc.tags.values()) == ["cat", "zone"]
    on_screen = w.doc.current_image.path
    expected = 2 if on_screen == "astronaut.jpg" else 1
    assert len(w.doc.annotations) == expected  # the image on screen shows what was imported onto it
    store = make_store(w.doc.project_path)  # what another program reads from the project file
    assert store.annotation_count() == 4

    w.doc.undo_stack.undo()
    assert (
        store.annotation_count() == 0 and store.tags() == [] and w.doc.tags == {} and w.doc.annotations == {}
    )
    assert w.doc.current_image.path == on_screen
    w.doc.undo_stack.redo()
    assert store.annotation_count() == 4 and len(w.doc.tags) == 2 and len(w.doc.annotations) == expected


def test_undoing_an_import_removes_the_images_it_added(
    make_window, make_store, image_folder, tmp_path, qtbot
) -> None:
    w = make_window(image_folder)
    extra = image_folder / "new"
    extra.mkdir()
    shutil.copy(image_folder / "cat.png", extra / "kitten.png")
    src = _coco_for(extra, ["kitten.png"])
    dialog = _dialog(w, "import_dataset", ImportDialog)
    dialog.src.setText(str(src))
    dialog.run_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=20_000)
    assert [i.path for i in w.doc.images if i.path.startswith("new/")] == ["new/kitten.png"]
    w.doc.show_image_id(next(i.id for i in w.doc.images if i.path == "new/kitten.png"))
    assert len(w.doc.annotations) == 2  # a box and a polygon
    w.doc.undo_stack.undo()
    assert [i.path for i in w.doc.images] == ["astronaut.jpg", "cat.png", "hand.jpg"]
    assert w.doc.current_image is not None and w.doc.current_image.path == "astronaut.jpg"
    assert make_store(w.doc.project_path).images() == w.doc.images


def test_bad_input_imports_nothing_and_says_where(make_window, make_store, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    src = _coco_for(image_folder, ["astronaut.jpg", "missing.jpg"])
    steps = w.doc.undo_stack.count()
    dialog = _dialog(w, "import_dataset", ImportDialog)
    dialog.src.setText(str(src))
    dialog.run_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=20_000)
    text = dialog.report.toPlainText()
    assert text.startswith("Nothing was imported:")
    assert "labels.json, image 2 (missing.jpg): image not found" in text
    store = make_store(w.doc.project_path)
    assert w.doc.undo_stack.count() == steps and store.annotation_count() == 0 and w.doc.tags == {}

    dialog.skip_invalid.setChecked(True)
    dialog.run_button.click()
    qtbot.waitUntil(lambda: not dialog.running(), timeout=20_000)
    assert "skipped: labels.json, image 2 (missing.jpg): image not found" in dialog.report.toPlainText()
    assert store.annotation_count() == 2
    assert ImageRecord(path="missing.jpg") not in w.doc.images
