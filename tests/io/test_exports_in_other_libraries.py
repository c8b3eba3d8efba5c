"""Exports read by the libraries people use on them: pycocotools, and supervision's dataset loaders."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from dataset_checks import FACE_POINTS
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from app.io.export import ExportOptions, export_project

sv = pytest.importorskip("supervision")


def _quiet(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def test_pycocotools_loads_the_coco_export(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "coco", ExportOptions("coco"))
    gt = _quiet(COCO, str(tmp_path / "coco" / "annotations.json"))
    assert {c["name"] for c in gt.loadCats(gt.getCatIds())} == {"car", "road", "face", "hand"}
    [face] = gt.loadCats(gt.getCatIds(catNms=["face"]))
    assert face["keypoints"] == list(FACE_POINTS)
    assert face["skeleton"] == [[1, 2], [1, 3], [2, 4], [3, 5]]  # 1-based, as in COCO's person category
    [astronaut] = [i for i in gt.loadImgs(gt.getImgIds()) if i["file_name"] == "astronaut.jpg"]
    assert (astronaut["width"], astronaut["height"]) == (512, 512)
    anns = gt.loadAnns(gt.getAnnIds(imgIds=[astronaut["id"]]))
    assert len(anns) == 4
    [road] = [a for a in anns if a["category_id"] == gt.getCatIds(catNms=["road"])[0]]
    mask = gt.annToMask(road)
    assert mask.shape == (512, 512)
    assert abs(int(mask.sum()) - road["area"]) / road["area"] < 0.02  # the polygon rasterises to its area
    [kp] = [a for a in anns if "keypoints" in a]
    assert kp["num_keypoints"] == 4 and len(kp["keypoints"]) == 15
    assert kp["keypoints"][:3] == [250.5, 120.25, 2] and kp["keypoints"][9:12] == [0, 0, 0]
    assert kp["score"] == 0.87 and kp["labelassist"]["deployment"] == "local"


@pytest.mark.parametrize("iou_type", ["bbox", "segm", "keypoints"])
def test_cocoeval_scores_the_export_against_itself_perfectly(
    project: Path, tmp_path: Path, iou_type: str
) -> None:
    export_project(project, tmp_path / "coco", ExportOptions("coco"))
    gt = _quiet(COCO, str(tmp_path / "coco" / "annotations.json"))
    anns = [a for a in gt.dataset["annotations"] if iou_type != "segm" or a["segmentation"]]
    anns = [a for a in anns if iou_type != "keypoints" or "keypoints" in a]
    results = [{**a, "score": 1.0} for a in anns]
    for r in results:
        r.pop("id")
        if iou_type == "segm":  # detections carry their masks as RLE
            img = gt.imgs[r["image_id"]]
            r["segmentation"] = mask_utils.merge(
                mask_utils.frPyObjects(r["segmentation"], img["height"], img["width"])
            )
            r.pop("bbox")
    dt = _quiet(gt.loadRes, results)
    ev = COCOeval(gt, dt, iou_type)
    if iou_type == "keypoints":
        ev.params.catIds = gt.getCatIds(
            catNms=["face"]
        )  # COCOeval has sigmas for one keypoint layout at a time
        ev.params.kpt_oks_sigmas = np.full(len(FACE_POINTS), 0.05)
    ev.params.areaRng = [[0, 1e10]] * 4  # our tiny test boxes would fall outside COCO's "all" range otherwise
    _quiet(ev.evaluate)
    _quiet(ev.accumulate)
    _quiet(ev.summarize)
    assert ev.stats[0] == pytest.approx(1.0)


def test_supervision_reads_the_coco_export(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "coco", ExportOptions("coco"))
    ds = sv.DetectionDataset.from_coco(
        str(tmp_path / "coco" / "images"), str(tmp_path / "coco" / "annotations.json")
    )
    assert len(ds) == 4
    boxes = _by_name(ds)
    assert sorted(boxes) == ["astronaut.jpg", "cat.png", "hand.jpg", "more__cat.png"]
    xyxy = boxes["more__cat.png"][0]
    np.testing.assert_allclose(xyxy, [1, 2, 3.5, 4.5], atol=1.0)


def test_supervision_reads_each_yolo_dataset(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "yolo", ExportOptions("yolo"))
    for task, classes, objects in (
        ("detect", ["car"], 4),
        ("segment", ["road"], 2),
        ("pose", ["face", "hand"], 2),
    ):
        root = tmp_path / "yolo" / task
        ds = sv.DetectionDataset.from_yolo(
            str(root / "images" / "train"),
            str(root / "labels" / "train"),
            str(root / "data.yaml"),
            force_masks=task == "segment",
        )
        assert ds.classes == classes, task
        assert sum(len(d) for _, _, d in ds) == objects, task
    seg = sv.DetectionDataset.from_yolo(
        str(tmp_path / "yolo/segment/images/train"),
        str(tmp_path / "yolo/segment/labels/train"),
        str(tmp_path / "yolo/segment/data.yaml"),
        force_masks=True,
    )
    cat = _by_name(seg, masks=True)["cat.png"][0]
    assert cat.shape == (300, 451) and cat.mean() > 0.95  # the whole-image polygon fills the mask


def test_yolo_pose_labels_follow_kpt_shape(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "yolo", ExportOptions("yolo", task="pose"))
    data = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    assert data["kpt_shape"] == [21, 3]
    assert data["names"] == {0: "face", 1: "hand"}
    assert "flip_idx" not in data  # the two tags have different points: no single flip order fits
    rows = np.loadtxt(tmp_path / "yolo" / "labels" / "train" / "astronaut.txt", ndmin=2)
    assert rows.shape == (1, 5 + 21 * 3)
    kps = rows[0, 5:].reshape(21, 3)
    np.testing.assert_allclose(kps[0], [250.5 / 512, 120.25 / 512, 2], atol=1e-5)
    assert kps[3].tolist() == [0, 0, 0] and not kps[5:].any()  # unlabelled, then padding
    assert ((rows[:, 1:5] >= 0) & (rows[:, 1:5] <= 1)).all()


def test_yolo_flip_idx_pairs_left_and_right(project: Path, tmp_path: Path, make_store) -> None:
    store = make_store(project)
    hand = next(t for t in store.tags() if t.name == "hand")
    store.delete_tag(hand.id)
    store.close()
    export_project(project, tmp_path / "yolo", ExportOptions("yolo", task="pose"))
    data = yaml.safe_load((tmp_path / "yolo" / "data.yaml").read_text())
    assert data["kpt_shape"] == [5, 3]
    assert data["flip_idx"] == [0, 2, 1, 4, 3]


def test_supervision_reads_the_voc_export(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "voc", ExportOptions("voc"))
    ds = sv.DetectionDataset.from_pascal_voc(
        str(tmp_path / "voc" / "JPEGImages"), str(tmp_path / "voc" / "Annotations")
    )
    assert ds.classes == ["car"]
    np.testing.assert_allclose(
        sorted(_by_name(ds)["astronaut.jpg"].tolist()),
        [[0, 0, 511, 511], [10.5, 20.25, 200, 300.75]],
        atol=1.0,
    )


def test_labelme_files_have_labelmes_shape(project: Path, tmp_path: Path) -> None:
    export_project(project, tmp_path / "lm", ExportOptions("labelme"))
    doc = json.loads((tmp_path / "lm" / "astronaut.json").read_text())
    assert doc["imagePath"] == "astronaut.jpg" and doc["imageData"] is None
    assert (doc["imageWidth"], doc["imageHeight"]) == (512, 512)
    kinds = sorted(s["shape_type"] for s in doc["shapes"])
    assert kinds == ["point"] * 4 + ["polygon", "rectangle", "rectangle"]
    points = [s for s in doc["shapes"] if s["shape_type"] == "point"]
    assert {s["group_id"] for s in points} == {1} and {s["description"] for s in points} == {"face"}
    assert [s["label"] for s in points] == ["nose", "left_eye", "right_eye", "right_ear"]
    assert [s["flags"] for s in points] == [{}, {}, {"occluded": True}, {}]


def _by_name(ds, masks: bool = False) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    return {Path(path).name: (det.mask if masks else det.xyxy) for path, _, det in ds}
