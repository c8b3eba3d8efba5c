"""`--model best.onnx`: an Ultralytics-style export decoded with letterbox removal and class-aware NMS."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import requests
import tiny_yolo
from server_test_support import RunningServer, infer

from server.app import create_app
from server.cli import build_parser, build_registry
from server.registry import ModelRegistry
from server.yolo_onnx import load_yolo

IMAGE = cv2.imencode(".png", np.zeros((64, 128, 3), np.uint8))[1].tobytes()  # 128 wide, 64 high


@pytest.fixture(scope="module")
def models_path(tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx")
    return {
        "detect": tiny_yolo.detect_model(folder / "detector.onnx"),
        "segment": tiny_yolo.segment_model(folder / "segmenter.onnx"),
        "pose": tiny_yolo.pose_model(folder / "poser.onnx"),
    }


@pytest.fixture(scope="module")
def yolo_server(models_path):
    server = RunningServer(create_app(ModelRegistry(load_yolo(p) for p in models_path.values())))
    yield server
    server.stop()


def test_metadata_from_the_onnx_properties(yolo_server):
    meta = requests.get(f"{yolo_server.url}/v2/models/detector", timeout=10).json()
    assert meta["platform"] == "onnxruntime"
    assert meta["parameters"]["task"] == "detect"
    assert meta["parameters"]["labels"] == ["cat", "dog"]
    assert meta["parameters"]["version"].startswith("detector-")
    pose = requests.get(f"{yolo_server.url}/v2/models/poser", timeout=10).json()["parameters"]
    assert pose["task"] == "keypoints" and len(pose["keypoint_names"]) == 2
    assert (
        requests.get(f"{yolo_server.url}/v2/models/segmenter", timeout=10).json()["parameters"]["task"]
        == "segment"
    )


def test_detect_decodes_boxes_and_applies_class_aware_nms(yolo_server):
    out = infer(yolo_server.url, "detector", IMAGE)
    assert out["labels"] == ["cat", "dog", "dog"]
    np.testing.assert_allclose(out["scores"], [0.9, 0.7, 0.3], rtol=1e-6)
    np.testing.assert_allclose(
        out["boxes"], [[24, 24, 40, 40], [24, 24, 40, 40], [80, 40, 112, 56]], atol=1e-4
    )


def test_detect_confidence_and_limit(yolo_server):
    assert infer(yolo_server.url, "detector", IMAGE, confidence=0.5)["labels"] == ["cat", "dog"]
    assert infer(yolo_server.url, "detector", IMAGE, confidence=0.005)["labels"] == [
        "cat",
        "dog",
        "dog",
        "cat",
    ]
    assert infer(yolo_server.url, "detector", IMAGE, max_detections=1)["labels"] == ["cat"]


def test_segment_polygons_lie_in_their_boxes(yolo_server):
    out = infer(yolo_server.url, "segmenter", IMAGE, confidence=0.5)
    assert out["labels"] == ["cat", "dog"]
    for encoded, box in zip(out["polygons"], out["boxes"], strict=True):
        (ring,) = json.loads(encoded)
        points = np.array(ring)
        assert len(points) >= 3
        assert (points[:, 0] >= box[0] - 1).all() and (points[:, 0] <= box[2] + 1).all()
        assert (points[:, 1] >= box[1] - 1).all() and (points[:, 1] <= box[3] + 1).all()
        area = cv2.contourArea(points.astype(np.float32))
        assert area >= 0.6 * (box[2] - box[0]) * (box[3] - box[1])


def test_pose_keypoints_map_back_to_the_image(yolo_server):
    out = infer(yolo_server.url, "poser", IMAGE)
    assert out["labels"] == ["person", "person"]
    np.testing.assert_allclose(out["keypoints"][0], [[28, 28, 0.95], [36, 36, 0.2]], atol=1e-4)
    np.testing.assert_allclose(out["keypoints"][1], [[76, 44, 0.5], [84, 52, 0.4]], atol=1e-4)


def test_cli_registry_with_labels_file(models_path, tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("kitten\npuppy\n")
    args = build_parser().parse_args(
        ["--no-people", "--model", str(models_path["detect"]), "--labels", str(labels)]
    )
    (model,) = list(build_registry(args))
    assert model.info.name == "detector" and model.info.labels == ("kitten", "puppy")


def test_bad_model_files_are_refused(tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not onnx")
    with pytest.raises(ValueError, match="not a loadable ONNX model"):
        load_yolo(broken)
    with pytest.raises(ValueError, match="no such model file"):
        load_yolo(tmp_path / "missing.onnx")
