"""Importing files shaped like the ones other tools write, built here from each format's documentation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from app.io.importing import import_into
from app.models import Box, Keypoints, Polygon, TagKind, Visibility
from app.store import ProjectStore

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
COCO_PERSON = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
]
COCO_SKELETON = [
    [16, 14],
    [14, 12],
    [17, 15],
    [15, 13],
    [12, 13],
    [6, 12],
    [7, 13],
    [6, 7],
    [6, 8],
    [7, 9],
    [8, 10],
    [9, 11],
    [2, 3],
    [1, 2],
    [1, 3],
    [2, 4],
    [3, 5],
    [4, 6],
    [5, 7],
]


def _contents(project: Path) -> tuple[dict[str, object], list[tuple[str, str, object]]]:
    store = ProjectStore.open(project)
    try:
        tags = {t.id: t for t in store.tags()}
        anns = [
            (img.path, tags[a.tag_id].name, a.geometry)
            for img in store.images()
            for a in store.annotations_for(img.id)
        ]
        return {t.name: t for t in tags.values()}, anns
    finally:
        store.close()


def test_coco_instances_and_person_keypoints(tmp_path: Path) -> None:
    root = tmp_path / "coco"
    (root / "val2017").mkdir(parents=True)
    (root / "annotations").mkdir()
    shutil.copy(SAMPLES / "astronaut.jpg", root / "val2017" / "000000000139.jpg")
    crowd = np.zeros((512, 512), dtype=np.uint8, order="F")
    crowd[100:150, 200:260] = 1
    compressed = mask_utils.encode(crowd)
    compressed["counts"] = compressed["counts"].decode("ascii")
    doc = {
        "info": {"year": 2017},
        "licenses": [{"id": 1, "name": "x", "url": ""}],
        "images": [{"id": 139, "file_name": "000000000139.jpg", "height": 512, "width": 512, "license": 1}],
        "categories": [
            {
                "supercategory": "person",
                "id": 1,
                "name": "person",
                "keypoints": COCO_PERSON,
                "skeleton": COCO_SKELETON,
            },
            {"supercategory": "furniture", "id": 62, "name": "chair"},
            {"supercategory": "vehicle", "id": 3, "name": "car"},
        ],
        "annotations": [
            {
                "id": 1,
                "image_id": 139,
                "category_id": 62,
                "iscrowd": 0,
                "area": 100.0,
                "bbox": [10, 10, 50, 40],
                "segmentation": [[10, 10, 60, 10, 60, 50, 10, 50], [100, 100, 120, 100, 110, 130]],
            },
            {
                "id": 2,
                "image_id": 139,
                "category_id": 1,
                "iscrowd": 0,
                "area": 5000,
                "bbox": [200, 90, 100, 300],
                "num_keypoints": 2,
                "keypoints": [250, 100, 2, 260, 95, 1] + [0, 0, 0] * 15,
                "segmentation": [[200, 90, 300, 90, 300, 390, 200, 390]],
            },
            {
                "id": 3,
                "image_id": 139,
                "category_id": 62,
                "iscrowd": 1,
                "area": 3000,
                "bbox": [200, 100, 60, 50],
                "segmentation": compressed,
            },
            {
                "id": 4,
                "image_id": 139,
                "category_id": 3,
                "iscrowd": 0,
                "area": 1,
                "bbox": [300.5, 400, 20, 10],
                "segmentation": [],
            },
        ],
    }
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(doc))
    project = tmp_path / "p.labelassist"
    plan = import_into(project, "coco", root / "annotations" / "instances_val2017.json")
    assert not plan.issues
    assert any("RLE" in n for n in plan.notes) and any("2 polygon parts" in n for n in plan.notes)
    tags, anns = _contents(project)
    assert tags["person"].kind == TagKind.KEYPOINTS and list(tags["person"].keypoint_names) == COCO_PERSON
    assert tags["person"].skeleton[0] == (15, 13)  # COCO counts from 1
    assert tags["chair"].kind == TagKind.POLYGON and tags["car"].kind == TagKind.BOX
    [path] = {p for p, _, _ in anns}
    assert path == "coco/val2017/000000000139.jpg"
    chairs = [g for _, n, g in anns if n == "chair"]
    assert len(chairs) == 3 and all(isinstance(g, Polygon) for g in chairs)
    traced = chairs[2].bounds()
    assert (traced.x1, traced.y1, traced.x2, traced.y2) == pytest.approx((200, 100, 259, 149), abs=1)
    [person] = [g for _, n, g in anns if n == "person"]
    assert (
        isinstance(person, Keypoints)
        and person.points[1].v == Visibility.OCCLUDED
        and len(person.labelled()) == 2
    )
    [car] = [g for _, n, g in anns if n == "car"]
    assert car == Box(x1=300.5, y1=400, x2=320.5, y2=410)


def test_yolo_dataset_with_path_key_list_file_and_confidences(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    (ds / "images" / "val").mkdir(parents=True)
    (ds / "labels" / "val").mkdir(parents=True)
    shutil.copy(SAMPLES / "cat.png", ds / "images" / "val" / "cat.png")  # 451 × 300
    shutil.copy(SAMPLES / "dog.jpg", ds / "images" / "val" / "dog.jpg")  # no label file: no objects
    (ds / "val.txt").write_text("./images/val/cat.png\nimages/val/dog.jpg\n")
    (ds / "labels" / "val" / "cat.txt").write_text(
        "0 0.5 0.5 0.2 0.4\n1 0.1 0.1 0.3 0.1 0.3 0.3 0.1 0.3\n\n0 0.25 0.25 0.1 0.1 0.91\n"
    )
    (ds / "coco8.yaml").write_text("path: .\ntrain: val.txt\nval: val.txt\nnames:\n  0: cat\n  1: blanket\n")
    project = tmp_path / "p.labelassist"
    plan = import_into(project, "yolo", ds)
    assert not plan.issues and len(plan.new_images) == 2
    tags, anns = _contents(project)
    assert (tags["cat"].kind, tags["blanket"].kind) == (TagKind.BOX, TagKind.POLYGON)
    boxes = sorted((g.x1, g.y1, g.x2, g.y2) for _, n, g in anns if n == "cat")
    assert boxes[1] == pytest.approx((0.4 * 451, 0.3 * 300, 0.6 * 451, 0.7 * 300))
    assert boxes[0] == pytest.approx((0.2 * 451, 0.2 * 300, 0.3 * 451, 0.3 * 300))


def test_yolo_pose_without_point_names(tmp_path: Path) -> None:
    ds = tmp_path / "pose"
    (ds / "images" / "train").mkdir(parents=True)
    (ds / "labels" / "train").mkdir(parents=True)
    shutil.copy(SAMPLES / "hand.jpg", ds / "images" / "train" / "a.jpg")
    (ds / "labels" / "train" / "a.txt").write_text("0 0.5 0.5 0.5 0.5 0.4 0.4 2 0.6 0.6 1 0 0 0\n")
    (ds / "data.yaml").write_text(
        "train: images/train\nval: images/train\nkpt_shape: [3, 3]\nflip_idx: [0, 2, 1]\nnames: [fingers]\n"
    )
    import_into(tmp_path / "p.labelassist", "yolo", ds)
    tags, [(_, name, g)] = _contents(tmp_path / "p.labelassist")
    assert tags["fingers"].keypoint_names == ("p0", "p1", "p2")
    assert [p.v for p in g.points] == [Visibility.VISIBLE, Visibility.OCCLUDED, Visibility.UNLABELLED]


def test_voc_as_labelimg_writes_it(tmp_path: Path) -> None:
    voc = tmp_path / "VOC2012"
    (voc / "Annotations").mkdir(parents=True)
    (voc / "JPEGImages").mkdir()
    shutil.copy(SAMPLES / "dog.jpg", voc / "JPEGImages" / "2007_000027.jpg")
    (voc / "Annotations" / "2007_000027.xml").write_text(
        """<annotation verified="no">
  <folder>JPEGImages</folder><filename>2007_000027.jpg</filename>
  <path>C:\\Users\\someone\\VOC2012\\JPEGImages\\2007_000027.jpg</path>
  <source><database>The VOC2007 Database</database></source>
  <size><width>0</width><height>0</height><depth>3</depth></size>
  <segmented>0</segmented>
  <object><name>dog</name><pose>Left</pose><truncated>1</truncated><difficult>0</difficult>
    <bndbox><xmin>1</xmin><ymin>2</ymin><xmax>100.5</xmax><ymax>120</ymax></bndbox>
    <part><name>head</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></part>
  </object>
</annotation>"""
    )
    plan = import_into(tmp_path / "p.labelassist", "voc", voc)
    assert not plan.issues and plan.new_images[0].width > 0  # size read from the image when the XML says 0
    _, [(path, name, g)] = _contents(tmp_path / "p.labelassist")
    assert (path, name, g) == ("VOC2012/JPEGImages/2007_000027.jpg", "dog", Box(x1=0, y1=1, x2=100.5, y2=120))


def test_labelme_file_with_points_circles_and_windows_paths(tmp_path: Path) -> None:
    folder = tmp_path / "shots" / "day1"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / "hand.jpg", folder / "hand.jpg")
    shapes = [
        {
            "label": "palm",
            "points": [[10, 20], [60, 90]],
            "group_id": None,
            "description": "",
            "shape_type": "rectangle",
            "flags": {},
        },
        {
            "label": "finger",
            "points": [[1, 1], [20, 1], [10, 15]],
            "group_id": None,
            "shape_type": "polygon",
            "flags": {},
        },
        {"label": "tip", "points": [[30, 30]], "group_id": 3, "shape_type": "point", "flags": {}},
        {"label": "knuckle", "points": [[35, 40]], "group_id": 3, "shape_type": "point", "flags": {}},
        {
            "label": "ring",
            "points": [[50, 50], [60, 60]],
            "group_id": None,
            "shape_type": "circle",
            "flags": {},
        },
        {"label": "legacy", "points": [[0, 0], [5, 0], [5, 5]], "group_id": None, "flags": {}},
    ]
    doc = {
        "version": "4.5.6",
        "flags": {},
        "shapes": shapes,
        "imagePath": "..\\day1\\hand.jpg",
        "imageData": None,
        "imageHeight": 0,
        "imageWidth": 0,
    }
    (folder / "hand.json").write_text(json.dumps(doc))
    plan = import_into(tmp_path / "p.labelassist", "labelme", tmp_path / "shots")
    assert not plan.issues
    assert plan.notes == ["skipped 1 labelme 'circle' shape(s): LabelAssist has no such shape"]
    tags, anns = _contents(tmp_path / "p.labelassist")
    assert {n: t.kind for n, t in tags.items()} == {
        "palm": TagKind.BOX,
        "finger": TagKind.POLYGON,
        "legacy": TagKind.POLYGON,
        "tip": TagKind.KEYPOINTS,
        "knuckle": TagKind.KEYPOINTS,
    }
    assert {(n, g.type) for _, n, g in anns} == {
        ("palm", "box"),
        ("finger", "polygon"),
        ("legacy", "polygon"),
        ("tip", "keypoints"),
        ("knuckle", "keypoints"),
    }
