"""The `face` model against MediaPipe's own outputs (golden/README.md tolerances), for every sample."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from server_test_support import SAMPLES, box_iou, golden, infer, sample_bytes

SAMPLE_FILES = sorted(p.name for p in SAMPLES.iterdir() if p.suffix in {".jpg", ".png"})
FACE_IOU_BOUND = 0.99


def _assert_faces_match(reference: list[dict], boxes: np.ndarray, scores: np.ndarray, keypoints: np.ndarray):
    assert len(boxes) == len(reference)
    for face in reference:
        ious = [box_iou(np.array(face["box_xyxy_px"]), box) for box in boxes]
        best = int(np.argmax(ious))
        assert ious[best] >= FACE_IOU_BOUND
        width = face["box_xyxy_px"][2] - face["box_xyxy_px"][0]
        assert np.abs(keypoints[best, :, :2] - np.array(face["keypoints_px"])).max() <= 0.01 * width
        assert abs(scores[best] - face["score"]) <= 0.01


@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_face_model_matches_full_range_reference(people_server, golden_dir, sample):
    reference = golden(sample.rsplit(".", 1)[0])["face_full"]
    out = infer(people_server.url, "face", sample_bytes(sample), confidence=0.0)
    assert out["labels"] == ["face"] * len(reference)
    _assert_faces_match(reference, out["boxes"], out["scores"], out["keypoints"])


@pytest.fixture(scope="module")
def short_range(people_models):
    from server.models_fetch import models_dir
    from server.people.ssd import FACE_SHORT, SsdDetector

    return SsdDetector(FACE_SHORT, models_dir())


@pytest.mark.parametrize("sample", SAMPLE_FILES)
def test_short_range_detector_matches_reference(short_range, golden_dir, sample):
    found = short_range.detect(cv2.imread(str(SAMPLES / sample), cv2.IMREAD_COLOR))
    reference = golden(sample.rsplit(".", 1)[0])["face_short"]
    boxes = np.array([d.box for d in found]).reshape(-1, 4)
    _assert_faces_match(
        reference,
        boxes,
        np.array([d.score for d in found]),
        np.array([d.keypoints for d in found]).reshape(-1, 6, 2),
    )
