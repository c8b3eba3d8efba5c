"""Bad input is refused with a message naming the file and the entry, and nothing is half-imported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.io.dataset import DatasetError
from app.io.export import ExportOptions, export_project
from app.io.importing import import_into, plan_for, write_plan
from app.models import Tag
from app.store import ProjectStore
from app.store.errors import IntegrityFailure

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture
def coco_dir(project: Path, tmp_path: Path) -> Path:
    export_project(project, tmp_path / "coco", ExportOptions("coco"))
    return tmp_path / "coco"


def _edit_coco(folder: Path, change) -> Path:  # type: ignore[no-untyped-def]
    path = folder / "annotations.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    return path


def _counts(project: Path) -> tuple[int, int, int]:
    store = ProjectStore.open(project)
    try:
        return len(store.tags()), store.image_count(), store.annotation_count()
    finally:
        store.close()


def _refused(project: Path, fmt: str, src: Path) -> str:
    before = _counts(project) if project.exists() else None
    with pytest.raises(DatasetError) as e:
        import_into(project, fmt, src)
    if before is None:
        assert not project.exists(), "a new project file was left behind"
    else:
        assert _counts(project) == before
    return str(e.value)


def test_malformed_json_names_the_file_and_the_line(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"images": [\n {"id": 1,,}\n]}')
    message = _refused(tmp_path / "p.labelassist", "coco", tmp_path / "broken.json")
    assert "broken.json, line 2" in message and "not valid JSON" in message


def test_a_json_file_that_is_not_coco(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"hello": "world"}')
    assert "not a COCO file" in _refused(tmp_path / "p.labelassist", "coco", tmp_path / "x.json")


def test_missing_image_is_named_with_its_entry(coco_dir: Path, tmp_path: Path) -> None:
    (coco_dir / "images" / "hand.jpg").unlink()
    message = _refused(tmp_path / "p.labelassist", "coco", coco_dir)
    assert "annotations.json, image 3 (hand.jpg): image not found" in message
    assert "and its 2 annotation(s)" in message


def test_out_of_range_coordinates_are_refused(coco_dir: Path, tmp_path: Path) -> None:
    def push_out(doc) -> None:  # type: ignore[no-untyped-def]
        doc["annotations"][0]["bbox"] = [500, 10, 100, 10]

    _edit_coco(coco_dir, push_out)
    message = _refused(tmp_path / "p.labelassist", "coco", coco_dir)
    assert "annotations.json, annotation 1: point (600, 20) is outside the 512×512 image" in message


def test_a_coordinate_within_a_pixel_outside_is_clipped(coco_dir: Path, tmp_path: Path, make_store) -> None:
    def nudge(doc) -> None:  # type: ignore[no-untyped-def]
        doc["annotations"][1]["bbox"] = [-0.5, 0, 512.75, 512]

    _edit_coco(coco_dir, nudge)
    import_into(tmp_path / "p.labelassist", "coco", coco_dir)
    store = make_store(tmp_path / "p.labelassist")
    boxes = [
        a.geometry
        for img in store.images()
        for a in store.annotations_for(img.id)
        if a.geometry.type == "box"
    ]
    assert max(b.x2 for b in boxes) == 512 and min(b.x1 for b in boxes) == 0


def test_unknown_category_is_named(coco_dir: Path, project: Path) -> None:
    def unknown(doc) -> None:  # type: ignore[no-untyped-def]
        doc["annotations"][2]["category_id"] = 99

    _edit_coco(coco_dir, unknown)
    message = _refused(project, "coco", coco_dir)  # into an existing project: it stays as it was
    assert "annotations.json, annotation 3: unknown category_id 99" in message


def test_skip_invalid_imports_the_rest_and_reports_what_it_skipped(coco_dir: Path, tmp_path: Path) -> None:
    def spoil(doc) -> None:  # type: ignore[no-untyped-def]
        doc["annotations"][2]["category_id"] = 99
        doc["annotations"][3]["keypoints"] = [1, 2]

    _edit_coco(coco_dir, spoil)
    plan = import_into(tmp_path / "p.labelassist", "coco", coco_dir, skip_invalid=True)
    assert len(plan.issues) == 2 and len(plan.annotations) == 6
    report = plan.report()
    assert "annotation 3: unknown category_id 99" in report
    assert "annotation 4: 'keypoints' must hold 15 numbers for 'face' (5 points)" in report
    assert _counts(tmp_path / "p.labelassist")[2] == 6


def test_yolo_problems_name_the_label_file_and_line(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "y", ExportOptions("yolo", task="detect"))
    label = tmp_path / "y" / "labels" / "train" / "astronaut.txt"
    label.write_text(label.read_text() + "7 0.5 0.5 0.1 0.1\n0 0.5 nan 0.1 0.1\n0 0.5 0.5\n")
    message = _refused(tmp_path / "p.labelassist", "yolo", tmp_path / "y")
    assert "labels/train/astronaut.txt, line 5: unknown class '7'" in message
    assert "labels/train/astronaut.txt, line 6: NaN or infinite coordinate" in message
    assert "labels/train/astronaut.txt, line 7: 3 values are neither a box" in message


def test_yolo_without_data_yaml(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "no data.yaml here" in _refused(tmp_path / "p.labelassist", "yolo", tmp_path / "empty")


def test_voc_broken_xml_and_bad_numbers(tmp_path: Path) -> None:
    (tmp_path / "voc").mkdir()
    shutil.copy(SAMPLES / "dog.jpg", tmp_path / "voc" / "dog.jpg")
    (tmp_path / "voc" / "a.xml").write_text("<annotation><filename>dog.jpg</filename>")
    (tmp_path / "voc" / "b.xml").write_text(
        "<annotation><filename>dog.jpg</filename><object><name>dog</name>"
        "<bndbox><xmin>ten</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object></annotation>"
    )
    message = _refused(tmp_path / "p.labelassist", "voc", tmp_path / "voc")
    assert "a.xml: not readable as XML" in message
    assert "b.xml, object 1 (dog): <xmin> is not a number: 'ten'" in message


def test_labelme_shape_with_wrong_points(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "cat.png", tmp_path / "cat.png")
    shapes = [{"label": "cat", "points": [[1, 2]], "shape_type": "rectangle"}]
    (tmp_path / "cat.json").write_text(json.dumps({"shapes": shapes, "imagePath": "cat.png"}))
    message = _refused(tmp_path / "p.labelassist", "labelme", tmp_path / "cat.json")
    assert "cat.json, shape 1 (cat): a rectangle has 2 points, this one 1" in message


def test_a_write_that_fails_midway_leaves_the_project_as_it_was(
    coco_dir: Path, project: Path, make_store
) -> None:
    store = make_store(project)
    before = (len(store.tags()), store.image_count(), store.annotation_count())
    other = make_store(project.parent / "other.labelassist")
    plan = plan_for(other, "coco", coco_dir)
    other.add_tag(Tag(name=plan.new_tags[-1].name))  # someone took the last tag's name in the meantime
    with pytest.raises(IntegrityFailure):
        write_plan(other, plan)
    assert (len(other.tags()), other.image_count(), other.annotation_count()) == (1, 0, 0)
    assert (len(store.tags()), store.image_count(), store.annotation_count()) == before


def test_a_nan_coordinate_is_named_as_its_entry_not_as_broken_json(coco_dir: Path, tmp_path: Path) -> None:
    # json.dumps writes NaN, which strict JSON has not: the file still reads, and the one entry is refused.
    def poison(doc: dict) -> None:
        first = doc["annotations"][0]
        first["bbox"][0] = first["segmentation"][0][0] = float("nan")

    path = _edit_coco(coco_dir, poison)
    assert "NaN" in path.read_text()
    message = _refused(tmp_path / "p.labelassist", "coco", coco_dir)
    assert "not valid JSON" not in message
    assert f"annotation {json.loads(path.read_text())['annotations'][0]['id']}" in message


def test_a_utf16_dataset_file_imports_like_its_utf8_twin(coco_dir: Path, tmp_path: Path) -> None:
    path = coco_dir / "annotations.json"
    expected = len(json.loads(path.read_text())["annotations"])
    path.write_text(path.read_text(), encoding="utf-16")
    plan = import_into(tmp_path / "p.labelassist", "coco", coco_dir)
    assert _counts(tmp_path / "p.labelassist")[2] == expected
    assert not plan.issues
