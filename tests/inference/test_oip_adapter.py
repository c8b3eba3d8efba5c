"""The Open Inference Protocol adapter: requests as the protocol wants them, answers read or refused in
plain words (JSON and binary tensors)."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import numpy as np
import pytest

from app.inference.adapters import oip
from app.inference.errors import InferenceError
from app.models import Task


def _answer(outputs: list[dict]) -> bytes:
    return json.dumps({"model_name": "m", "model_version": "1", "outputs": outputs}).encode()


BOXES = {"name": "boxes", "datatype": "FP32", "shape": [2, 4], "data": [1, 2, 30, 40, 50, 60, 5, 6]}
SCORES = {"name": "scores", "datatype": "FP32", "shape": [2], "data": [0.9, 1.5]}
LABELS = {"name": "labels", "datatype": "BYTES", "shape": [2], "data": ["cat", "dog"]}


def test_json_request_carries_the_image_as_base64_and_the_floor() -> None:
    r = oip.infer_request("my model", b"\xff\xd8jpeg", "img-1/gen-2", 0.05, binary=False)
    assert r.method == "POST" and r.path == "/v2/models/my%20model/infer"
    body = json.loads(r.body)
    assert body["id"] == "img-1/gen-2" and body["parameters"]["confidence"] == 0.05
    (tensor,) = body["inputs"]
    assert (tensor["name"], tensor["datatype"], tensor["shape"]) == ("image", "BYTES", [1])
    assert base64.b64decode(tensor["data"][0]) == b"\xff\xd8jpeg"


def test_binary_request_sends_the_raw_file_after_the_json_header() -> None:
    r = oip.infer_request("m", b"abc", "1", 0.1, binary=True)
    n = int(r.headers["Inference-Header-Content-Length"])
    head = json.loads(r.body[:n])
    assert head["inputs"][0]["parameters"]["binary_data_size"] == 7
    assert r.body[n:] == struct.pack("<I", 3) + b"abc"


def test_json_answer_becomes_predictions_with_ordered_corners_and_clamped_scores() -> None:
    predictions, dropped = oip.parse_infer(_answer([BOXES, SCORES, LABELS]), None)
    assert dropped == 0
    assert [p.label for p in predictions] == ["cat", "dog"]
    assert predictions[1].score == 1.0
    b = predictions[1].box
    assert (b.x1, b.y1, b.x2, b.y2) == (5, 6, 50, 60)


def test_binary_answer_is_read() -> None:
    boxes = np.array([[1, 2, 3, 4]], "<f4").tobytes()
    scores = np.array([0.5], "<f4").tobytes()
    labels = struct.pack("<I", 3) + b"cat"
    outputs = [
        {
            "name": "boxes",
            "datatype": "FP32",
            "shape": [1, 4],
            "parameters": {"binary_data_size": len(boxes)},
        },
        {"name": "scores", "datatype": "FP32", "shape": [1], "parameters": {"binary_data_size": len(scores)}},
        {
            "name": "labels",
            "datatype": "BYTES",
            "shape": [1],
            "parameters": {"binary_data_size": len(labels)},
        },
    ]
    head = json.dumps({"model_name": "m", "outputs": outputs}).encode()
    (p,), _ = oip.parse_infer(head + boxes + scores + labels, str(len(head)))
    assert p.label == "cat" and p.score == 0.5 and (p.box.x2, p.box.y2) == (3, 4)


def test_polygons_and_keypoints_are_read() -> None:
    rings = [json.dumps([[[0, 0], [10, 0], [10, 10]]]), "not json"]
    polygons = {"name": "polygons", "datatype": "BYTES", "shape": [2], "data": rings}
    keypoints = {"name": "keypoints", "datatype": "FP32", "shape": [2, 2, 3], "data": list(range(12))}
    predictions, dropped = oip.parse_infer(_answer([BOXES, SCORES, LABELS, polygons, keypoints]), None)
    assert dropped == 1  # the second polygon is not one
    assert predictions[0].polygon.points == ((0, 0), (10, 0), (10, 10))
    assert [(k.x, k.y) for k in predictions[0].keypoints] == [(0, 1), (3, 4)]


def test_masks_become_the_outline_of_their_largest_part_in_image_pixels() -> None:
    from pycocotools import mask as mask_utils

    small = np.zeros((2, 10, 20), np.uint8)  # masks at a quarter of the 80x40 image
    small[0, 2:6, 4:10] = 1  # the largest part of the first mask
    small[0, 8, 18] = 1  # a speck, left out
    small[1, 1:9, 1:19] = 1  # replaced below by an RLE that is empty
    binary = small.tobytes()
    rle = mask_utils.encode(np.asfortranarray(np.zeros((40, 80), np.uint8)))
    masks_json = {
        "name": "masks",
        "datatype": "UINT8",
        "shape": [2, 10, 20],
        "parameters": {"binary_data_size": len(binary)},
    }
    head = json.dumps({"model_name": "m", "outputs": [BOXES, SCORES, LABELS, masks_json]}).encode()
    predictions, dropped = oip.parse_infer(head + binary, str(len(head)), (80, 40))
    assert dropped == 0 and len(predictions) == 2
    xs, ys = zip(*predictions[0].polygon.points, strict=True)
    # mask cells 4..9 x 2..5, each four image pixels: the outline runs through the edge cells' centres
    assert (min(xs), max(xs), min(ys), max(ys)) == (18, 38, 10, 22)
    assert predictions[1].polygon is not None

    filled = np.zeros((40, 80), np.uint8)
    filled[10:20, 30:50] = 1
    full = mask_utils.encode(np.asfortranarray(filled))
    texts = [
        json.dumps({"size": full["size"], "counts": full["counts"].decode()}),
        json.dumps({"size": rle["size"], "counts": rle["counts"].decode()}),
    ]
    rle_output = {"name": "masks", "datatype": "BYTES", "shape": [2], "data": texts}
    predictions, dropped = oip.parse_infer(_answer([BOXES, SCORES, LABELS, rle_output]), None, (80, 40))
    assert dropped == 1  # the empty mask outlines nothing: that prediction is left out and counted
    assert sorted(predictions[0].polygon.points) == [(30.5, 10.5), (30.5, 19.5), (49.5, 10.5), (49.5, 19.5)]


def _rle_masks(*elements: object) -> dict[str, Any]:
    return {"name": "masks", "datatype": "BYTES", "shape": [2], "data": [json.dumps(e) for e in elements]}


@pytest.mark.parametrize(
    ("masks", "words"),
    [
        (
            {"name": "masks", "datatype": "UINT8", "shape": [2, 3], "data": [0] * 6},
            r"'masks' should be UINT8/BOOL\[2,H,W\] \(0 or 1 per pixel\) or BYTES\[2\] of COCO RLE",
        ),
        (
            {"name": "masks", "datatype": "FP32", "shape": [2, 2, 2], "data": [0.2] * 8},
            r"it is \[2, 2, 2\] of numbers",
        ),
        (
            _rle_masks({"size": [4, 8], "counts": "0"}, {"size": [4, 8], "counts": "0"}),
            r"an RLE mask of size \[4, 8\] does not cover the 80x40 image",
        ),
        (_rle_masks([1, 2], [1, 2]), "a JSON object with 'size'"),
        (
            _rle_masks({"size": [40, 80], "counts": 7}, {"size": [40, 80], "counts": 7}),
            "'counts' should be a string or a list of runs",
        ),
    ],
)
def test_masks_that_do_not_fit_are_refused_in_plain_words(masks: dict[str, Any], words: str) -> None:
    with pytest.raises(InferenceError, match=words):
        oip.parse_infer(_answer([BOXES, SCORES, LABELS, masks]), None, (80, 40))


def test_nan_predictions_are_dropped_and_counted() -> None:
    boxes = {**BOXES, "data": [1, 2, 30, 40, float("nan"), 60, 5, 6]}
    body = json.dumps({"model_name": "m", "outputs": [boxes, SCORES, LABELS]}).replace("NaN", "NaN").encode()
    predictions, dropped = oip.parse_infer(body, None)
    assert [p.label for p in predictions] == ["cat"] and dropped == 1


@pytest.mark.parametrize(
    ("outputs", "words"),
    [
        ([SCORES, LABELS], "lacks the output(s) boxes"),
        ([{**BOXES, "shape": [4, 2]}, SCORES, LABELS], "'boxes' should be FP32[N,4]"),
        ([BOXES, {**SCORES, "shape": [3], "data": [1, 2, 3]}, LABELS], "'scores' should be FP32[2]"),
        ([{**BOXES, "data": [1, 2]}, SCORES, LABELS], "has shape [2, 4] (8 values) but 2 values came"),
        (
            [
                BOXES,
                SCORES,
                {**LABELS, "datatype": "WEIRD", "shape": [2]},
                {**BOXES, "name": "x", "datatype": "Q"},
            ],
            "unknown datatype",
        ),
    ],
)
def test_answers_that_do_not_fit_say_what_was_expected(outputs: list[dict[str, Any]], words: str) -> None:
    with pytest.raises(
        InferenceError, match=words.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")
    ):
        oip.parse_infer(_answer(outputs), None)


def test_not_json_at_all() -> None:
    with pytest.raises(InferenceError, match="not an Open Inference Protocol response"):
        oip.parse_infer(b"<html>", None)
    with pytest.raises(InferenceError, match="Inference-Header-Content-Length says 999"):
        oip.parse_infer(b"{}", "999")


def test_metadata_with_the_annotation_profile() -> None:
    profile = {
        "task": "keypoints",
        "labels": ["person"],
        "keypoint_names": ["a", "b"],
        "skeleton": [[0, 1], [0, 5]],
        "version": "w-1",
    }
    meta = {"name": "pose", "versions": ["1"], "parameters": profile}
    info = oip.parse_metadata(json.dumps(meta).encode())
    assert (info.task, info.version, info.keypoint_names) == (Task.KEYPOINTS, "w-1", ("a", "b"))
    assert info.skeleton == ((0, 1),)  # an edge to a point that does not exist is left out
    with pytest.raises(InferenceError, match="annotation profile"):
        oip.parse_metadata(json.dumps({"name": "plain", "versions": ["1"]}).encode())


def test_metadata_from_other_servers_is_read_leniently() -> None:
    # MLServer adds `content_type`; a server may leave out the weights' version and the keypoint fields
    meta = {"name": "m", "versions": ["1", "3"], "parameters": {"task": "segment", "content_type": "np"}}
    info = oip.parse_metadata(json.dumps(meta).encode())
    assert (info.task, info.labels, info.keypoint_names, info.skeleton) == (Task.SEGMENT, (), (), ())
    assert info.version == "3"  # the protocol's latest model version stands in for the weights' name


def test_a_task_labelassist_does_not_know_is_refused_in_plain_words() -> None:
    meta = {"name": "cls", "parameters": {"task": "classify", "labels": ["a"]}}
    with pytest.raises(
        InferenceError, match="model 'cls' describes its task in a way LabelAssist does not know"
    ):
        oip.parse_metadata(json.dumps(meta).encode())
