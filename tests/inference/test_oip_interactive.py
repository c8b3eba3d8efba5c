"""The interactive segmentation profile's adapter: what it sends for a prompt, and the masks it reads back
(COCO RLE as the reference server sends, UINT8 as other servers may), refusing what does not fit."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
from fake_oip import FakeOip

from app.assist.remote_segment import RemoteEngine
from app.inference.adapters import oip_interactive as profile
from app.inference.adapters.base import HttpResponse
from app.inference.client import InferenceClient
from app.inference.errors import InferenceError
from app.models import Deployment
from app.segment.engine import Picture, Prompt


def answer(*outputs: dict) -> HttpResponse:  # type: ignore[type-arg]
    return HttpResponse(200, {}, json.dumps({"model_name": "sam", "outputs": list(outputs)}).encode())


def test_the_request_carries_the_clicks_and_the_box() -> None:
    r = profile.segment_request(
        "sam v2", b"jpeg", [(10, 20, 1), (30, 40, 0)], (1, 2, 3, 4), "click-7", binary=False
    )
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
    assert inputs["image"]["parameters"] == {"content_type": "base64"}  # for a server that decodes it


def test_with_the_binary_extension_the_image_goes_raw_and_the_clicks_as_json() -> None:
    r = profile.segment_request("sam", b"jpeg", [(10, 20, 1)], None, "click-8", binary=True)
    length = int(r.headers["Inference-Header-Content-Length"])
    head, tail = json.loads(r.body[:length]), r.body[length:]
    image, coords, labels = head["inputs"]
    assert image == {
        "name": "image",
        "shape": [1],
        "datatype": "BYTES",
        "parameters": {"binary_data_size": 8},
    }
    assert tail == struct.pack("<I", 4) + b"jpeg"
    assert coords["data"] == [10, 20] and labels["data"] == [1]
    assert head["parameters"] == {"binary_data_output": True}


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


PROMPTED = {
    "name": "fake",
    "versions": ["1"],
    "inputs": [{"name": n, "datatype": "FP32", "shape": [-1]} for n in ("image", *profile.PROMPT_INPUTS)],
    "outputs": [{"name": "masks", "datatype": "UINT8", "shape": [-1, -1, -1]}],
}


def test_the_remote_engine_sends_the_image_as_the_server_takes_it(fake_oip: FakeOip) -> None:
    """Raw where the server lists the binary extension, as the annotation profile's requests do."""
    fake_oip.metadata, fake_oip.extensions = PROMPTED, ["binary_tensor_data"]
    sent: list[bytes] = []

    def one_mask(image: bytes) -> tuple[int, str, bytes]:
        sent.append(image)
        mask = {"name": "masks", "datatype": "UINT8", "shape": [1, 10, 12], "data": [1] * 120}
        return 200, "application/json", json.dumps({"model_name": "fake", "outputs": [mask]}).encode()

    fake_oip.behaviour = one_mask
    engine = RemoteEngine(
        Deployment(name="clicks", url=fake_oip.url, model="fake"), InferenceClient(), lambda: None
    )
    picture = Picture(np.zeros((10, 12, 3), np.uint8))
    mask = engine.segment(picture, engine.prepare(picture), Prompt(positive=((3.0, 4.0),)), (0, 0, 12, 10))
    assert mask.pixels.all() and sent[0].startswith(b"\xff\xd8")  # the JPEG itself reached the model
    image, coords, labels = fake_oip.last_request["inputs"]
    assert "binary_data_size" in image["parameters"] and coords["data"] == [3, 4] and labels["data"] == [1]


def test_a_triton_without_the_binary_extension_is_refused_with_the_reason(fake_oip: FakeOip) -> None:
    fake_oip.metadata, fake_oip.server_name = PROMPTED, "triton"
    engine = RemoteEngine(
        Deployment(name="clicks", url=fake_oip.url, model="fake"), InferenceClient(), lambda: None
    )
    with pytest.raises(InferenceError, match="does not list the binary tensor extension"):
        engine.prepare(Picture(np.zeros((10, 12, 3), np.uint8)))
    assert fake_oip.infer_calls == 0
