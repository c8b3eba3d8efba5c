"""The interactive segmentation profile's adapter: what it sends for a prompt, and the masks it reads back
(COCO RLE as the reference server sends, UINT8 as other servers may), refusing what does not fit."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.inference.adapters import oip_interactive as profile
from app.inference.adapters.base import HttpResponse
from app.inference.errors import InferenceError


def answer(*outputs: dict) -> HttpResponse:  # type: ignore[type-arg]
    return HttpResponse(200, {}, json.dumps({"model_name": "sam", "outputs": list(outputs)}).encode())


def test_the_request_carries_the_clicks_and_the_box() -> None:
    r = profile.segment_request("sam v2", b"jpeg", [(10, 20, 1), (30, 40, 0)], (1, 2, 3, 4), "click-7")
    assert (r.method, r.path) == ("POST", "/v2/models/sam%20v2/infer")
    body = json.loads(r.body)
    inputs = {i["name"]: i for i in body["inputs"]}
    assert body["id"] == "click-7"
    assert inputs["point_coords"] == {
        "name": "point_coords",
        "shape": [2, 2],
        "datatype": "FP32",
        "data": [10, 20, 30, 40],
    }
    assert inputs["point_labels"]["data"] == [1, 0] and inputs["box"]["data"] == [1, 2, 3, 4]


def test_a_model_is_interactive_when_its_metadata_lists_the_prompt_inputs() -> None:
    inputs = [
        {"name": n, "datatype": "FP32", "shape": [-1]} for n in ("image", "point_coords", "point_labels")
    ]
    assert profile.takes_prompts({"inputs": inputs})
    assert not profile.takes_prompts({"inputs": inputs[:1]}) and not profile.takes_prompts("nonsense")


def test_a_uint8_mask_is_read_and_an_empty_answer_is_an_empty_mask() -> None:
    mask = np.zeros((1, 3, 4), np.uint8)
    mask[0, 1, 1:3] = 1
    out = {"name": "masks", "datatype": "UINT8", "shape": [1, 3, 4], "data": mask.reshape(-1).tolist()}
    found, score = profile.parse_mask(
        answer(out, {"name": "scores", "datatype": "FP32", "shape": [1], "data": [0.8]}), 4, 3
    )
    assert found.tolist() == mask[0].astype(bool).tolist() and score == pytest.approx(0.8)
    empty = {"name": "masks", "datatype": "BYTES", "shape": [0], "data": []}
    found, score = profile.parse_mask(answer(empty), 4, 3)
    assert found.shape == (3, 4) and not found.any() and score is None


def test_a_mask_of_the_wrong_size_or_no_mask_is_refused() -> None:
    out = {"name": "masks", "datatype": "UINT8", "shape": [1, 2, 2], "data": [0, 1, 1, 0]}
    with pytest.raises(InferenceError, match="image sent was 4x3"):
        profile.parse_mask(answer(out), 4, 3)
    with pytest.raises(InferenceError, match="no 'masks' output"):
        profile.parse_mask(answer({"name": "scores", "datatype": "FP32", "shape": [1], "data": [1]}), 4, 3)
    with pytest.raises(InferenceError, match="RLE"):
        profile.parse_mask(answer({"name": "masks", "datatype": "BYTES", "shape": [1], "data": ["{"]}), 4, 3)
