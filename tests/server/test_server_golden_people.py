"""The pose, hands and person-segmentation models against MediaPipe's outputs, for every sample image."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from server_test_support import GOLDEN, SAMPLES, golden, infer, sample_bytes

from server.people.names import HAND_LANDMARKS, POSE_LANDMARKS

SAMPLE_FILES = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in {".jpg", ".png"})
POSE_MEDIAN_BOUND = 0.02  # of the body-box diagonal
HAND_MEDIAN_BOUND_PX = 2.0
MASK_IOU_BOUND = 0.99  # selfie mask, where the reference foreground is ≥ 5 %
POSE_MASK_IOU_BOUND = 0.93  # advisory bound from the study, where the pose mask covers ≥ 5 %
POLYGON_IOU_BOUND = 0.97  # traced and simplified polygons, rasterised again


def _stem(sample: str) -> str:
    return sample.rsplit(".", 1)[0]


def _reference_mask(stem: str, kind: str, shape: tuple[int, int]) -> np.ndarray:
    path = GOLDEN / f"{stem}.{kind}_mask.png"
    if not path.exists():
        return np.zeros(shape, bool)
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) > 127


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_pose(people_server, golden_dir, sample):
    reference = golden(_stem(sample))["pose"]
    out = infer(people_server.url, "pose", sample_bytes(sample), confidence=0.0)
    if reference is None:
        assert out["labels"] == []
        return
    assert out["labels"] == ["person"]
    assert out["keypoints"].shape == (1, len(POSE_LANDMARKS), 3)
    ref = np.array(reference["landmarks_px"])
    distance = np.hypot(*(out["keypoints"][0, :, :2] - ref[:, :2]).T)
    diagonal = np.hypot(*(ref[:, :2].max(0) - ref[:, :2].min(0)))
    assert np.median(distance) / diagonal <= POSE_MEDIAN_BOUND
    np.testing.assert_allclose(out["keypoints"][0, :, 2], ref[:, 3], atol=0.1)  # visibility, informative
    box = out["boxes"][0]
    assert 0 <= box[0] < box[2] and 0 <= box[1] < box[3]


@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_hands(people_server, golden_dir, sample):
    reference = golden(_stem(sample))["hands"]
    out = infer(people_server.url, "hands", sample_bytes(sample), confidence=0.0)
    assert len(out["labels"]) == len(reference)
    assert out["keypoints"].shape == (len(reference), len(HAND_LANDMARKS), 3)
    for hand in reference:
        ref = np.array(hand["landmarks_px"])[:, :2]
        distances = [np.hypot(*(found[:, :2] - ref).T) for found in out["keypoints"]]
        best = int(np.argmin([d.mean() for d in distances]))
        assert np.median(distances[best]) <= HAND_MEDIAN_BOUND_PX
        if hand["handedness_score"] >= 0.6:
            assert out["handedness"][best] == hand["handedness_label"]


@pytest.fixture(scope="module")
def pipelines(people_models):
    return {type(model).__name__: model for model in people_models}


@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_selfie_mask(pipelines, golden_dir, sample):
    image = cv2.imread(str(SAMPLES / sample), cv2.IMREAD_COLOR)
    reference = golden(_stem(sample))
    mask = pipelines["PersonSegmentationModel"].segmenter.mask(image)
    expected = _reference_mask(_stem(sample), "selfie", mask.shape)
    if reference["selfie_foreground_fraction"] >= 0.05:
        assert _iou(mask, expected) >= MASK_IOU_BOUND
    elif not expected.any():
        assert mask.mean() < 0.001


def _with_pose_mask() -> list[str]:
    """Samples whose reference pose mask covers at least 5 % (the advisory bound's domain)."""
    if not GOLDEN.is_dir():
        return []
    return [s for s in SAMPLE_FILES if (golden(_stem(s))["pose_mask_foreground_fraction"] or 0) >= 0.05]


@pytest.mark.parametrize("sample", _with_pose_mask())
def test_pose_mask(pipelines, golden_dir, sample):
    image = cv2.imread(str(SAMPLES / sample), cv2.IMREAD_COLOR)
    result = pipelines["PoseModel"].pipeline.run(image)
    mask = result.mask(image.shape[1], image.shape[0]) > 0.5
    assert _iou(mask, _reference_mask(_stem(sample), "pose", mask.shape)) >= POSE_MASK_IOU_BOUND


@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_person_segmentation_polygons(people_server, golden_dir, sample):
    reference = golden(_stem(sample))
    out = infer(people_server.url, "person-segmentation", sample_bytes(sample), confidence=0.0)
    person_seen = bool(reference["face_full"]) or reference["pose"] is not None
    if not person_seen:
        # the gate: no face and no pose, so no person polygons (not even on the cat the raw model finds)
        assert out["labels"] == []
        return
    width, height = reference["image"]["width"], reference["image"]["height"]
    canvas = np.zeros((height, width), np.uint8)
    for index, encoded in enumerate(out["polygons"]):
        rings = json.loads(encoded)
        assert out["labels"][index] == "person"
        for ring in rings:
            points = np.array(ring)
            x0, y0, x1, y1 = out["boxes"][index]
            assert x0 <= points[:, 0].min() and points[:, 0].max() <= x1
            cv2.fillPoly(canvas, [np.round(points - 0.5).astype(np.int32)], 1)
    expected = _reference_mask(_stem(sample), "selfie", canvas.shape)
    assert _iou(canvas > 0, expected) >= POLYGON_IOU_BOUND
