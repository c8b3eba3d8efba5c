"""Where the OIP adapter finds the annotation profile on each kind of server, how it sends the image to each,
what it does with raw pixels (resized to a model's fixed size, refused above a stated weight) and how it
reports an output it has no place for. Recorded answers, no server (tests/interop has the real ones)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from app.inference.adapters import oip_layouts as layouts
from app.inference.adapters import oip_profile
from app.inference.adapters.base import HttpRequest, HttpResponse, ImageInput
from app.inference.adapters.oip import OipAdapter
from app.inference.errors import InferenceError
from app.models import Deployment, Task

PROFILE = {"task": "keypoints", "labels": ["person"], "keypoint_names": ["a", "b"], "skeleton": [[0, 1]]}
IMAGE_IN = [{"name": "image", "datatype": "BYTES", "shape": [1]}]
PROFILE_OUT = [
    {"name": n, "datatype": "FP32", "shape": [-1]} for n in ("boxes", "scores", "labels", "keypoints")
]


def _fake(answers: dict[str, object]):  # noqa: ANN202
    """A send that answers by path and records what was asked, in order."""
    asked: list[HttpRequest] = []

    def send(r: HttpRequest) -> HttpResponse:
        asked.append(r)
        answer = answers[r.path]
        if isinstance(answer, InferenceError):
            raise answer
        return HttpResponse(200, {}, json.dumps(answer).encode())

    return send, asked


def _png(width: int, height: int) -> ImageInput:
    data = cv2.imencode(".png", np.zeros((height, width, 3), np.uint8))[1].tobytes()
    return ImageInput(data, "a.png", width, height)


@pytest.mark.parametrize(
    ("server", "binary", "numbers"),
    [
        ({"name": "triton", "extensions": ["binary_tensor_data", "model_configuration"]}, True, True),
        ({"name": "kserve", "extensions": ["model_repository_extension"]}, False, True),
        ({"name": "mlserver", "extensions": []}, False, False),
    ],
)
def test_each_server_gets_what_it_understands(server: dict, binary: bool, numbers: bool) -> None:
    assert oip_profile.binary_transport(server) is binary
    assert oip_profile.binary_numbers(server) is numbers


def test_a_triton_without_the_binary_extension_is_refused_with_the_reason() -> None:
    with pytest.raises(InferenceError, match="hands JSON text to the model as it is"):
        oip_profile.binary_transport({"name": "triton", "extensions": ["model_configuration"]})


def test_a_server_that_lists_neither_is_said_so() -> None:
    assert oip_profile.json_note({"name": "mlserver"}) == ""
    assert oip_profile.json_note({"name": "x", "extensions": ["annotation_profile"]}) == ""
    assert "lists neither the binary tensor extension" in oip_profile.json_note({"name": "kserve"})


def test_the_profile_in_a_triton_configuration_one_key_or_one_key_per_field() -> None:
    one = {"parameters": {"annotation_profile": {"string_value": json.dumps(PROFILE)}}}
    assert oip_profile.from_config(one) == PROFILE
    per_field = {
        "parameters": {
            "task": {"string_value": "detect"},
            "labels": {"string_value": "cat, dog"},
            "skeleton": {"string_value": "[[0, 1]]"},
            "workspace-path": {"string_value": "/elsewhere"},
        }
    }
    assert oip_profile.from_config(per_field) == {
        "task": "detect",
        "labels": ["cat", "dog"],
        "skeleton": [[0, 1]],
    }
    assert oip_profile.from_config({"parameters": {"workspace-path": {"string_value": "x"}}}) is None
    with pytest.raises(InferenceError, match="not JSON"):
        oip_profile.from_config({"parameters": {"annotation_profile": {"string_value": "{task"}}})


def test_the_model_route_is_asked_before_its_ready_route_and_triton_config_is_read() -> None:
    send, asked = _fake(
        {
            "/v2": {"name": "triton", "extensions": ["binary_tensor_data", "model_configuration"]},
            "/v2/models/m": {"name": "m", "versions": ["1"], "inputs": IMAGE_IN, "outputs": PROFILE_OUT},
            "/v2/models/m/ready": {},
            "/v2/models/m/config": {
                "parameters": {"annotation_profile": {"string_value": json.dumps(PROFILE)}}
            },
        }
    )
    probe = OipAdapter().describe(Deployment(name="t", url="http://x", model="m"), send)
    assert [r.path for r in asked] == ["/v2", "/v2/models/m", "/v2/models/m/ready", "/v2/models/m/config"]
    assert probe.model.task == Task.KEYPOINTS and probe.model.keypoint_names == ("a", "b")
    assert probe.model.version == "1" and probe.binary and probe.extra == {}


def test_an_unknown_model_reads_as_the_metadata_route_says_it() -> None:
    send, asked = _fake(
        {
            "/v2": {"name": "triton", "extensions": ["binary_tensor_data"]},
            "/v2/models/m": InferenceError(
                "HTTP 404: Request for unknown model: 'm' is not found", status=404
            ),
        }
    )
    with pytest.raises(InferenceError, match="unknown model"):
        OipAdapter().describe(Deployment(name="t", url="http://x", model="m"), send)
    assert "/v2/models/m/ready" not in [r.path for r in asked]


def test_the_profile_from_a_profile_output_asked_alone() -> None:
    answer = {
        "outputs": [
            {"name": "annotation_profile", "datatype": "BYTES", "shape": [1], "data": [json.dumps(PROFILE)]}
        ]
    }
    outputs = [*PROFILE_OUT, {"name": "annotation_profile", "datatype": "BYTES", "shape": [1]}]
    send, asked = _fake(
        {
            "/v2": {"name": "kserve", "extensions": ["model_repository_extension"]},
            "/v2/models/m": {"name": "m", "versions": None, "inputs": IMAGE_IN, "outputs": outputs},
            "/v2/models/m/ready": {},
            "/v2/models/m/infer": answer,
        }
    )
    probe = OipAdapter().describe(Deployment(name="t", url="http://x", model="m"), send)
    assert probe.model.labels == ("person",) and not probe.binary
    body = json.loads(asked[-1].body)
    assert body["outputs"] == [{"name": "annotation_profile"}]
    assert body["inputs"][0]["parameters"] == {"content_type": "base64"}


def test_an_output_with_no_place_is_reported_and_the_predictions_kept() -> None:
    outputs = [
        {"name": "boxes", "datatype": "FP32", "shape": [1, 4], "data": [1, 2, 3, 4]},
        {"name": "scores", "datatype": "FP32", "shape": [1], "data": [0.5]},
        {"name": "labels", "datatype": "BYTES", "shape": [1], "data": ["hand"]},
        {"name": "handedness", "datatype": "BYTES", "shape": [1], "data": ["left"]},
    ]
    send, _ = _fake(
        {
            "/v2": {"name": "labelassist", "extensions": ["annotation_profile"]},
            "/v2/models/m": {"name": "m", "parameters": {"task": "detect", "labels": ["hand"]}},
            "/v2/models/m/ready": {},
        }
    )
    probe = OipAdapter().describe(Deployment(name="t", url="http://x", model="m"), send)
    response = HttpResponse(200, {}, json.dumps({"outputs": outputs}).encode())
    predictions, dropped, notes = OipAdapter().parse_infer_notes(response, _png(8, 8), probe)
    assert [p.label for p in predictions] == ["hand"] and dropped == 0
    assert notes == ("outputs not placed: 'handedness' [1] (BYTES) (no annotation holds them; not shown)",)


def _layout(size: tuple[int, int] | None) -> layouts.Layout:
    shape = [1, *(size or (-1, -1)), 3]
    meta = {
        "name": "det",
        "inputs": [{"name": "pixels", "datatype": "UINT8", "shape": shape}],
        "outputs": [{"name": n, "datatype": "FP32", "shape": [-1]} for n in ("boxes", "scores", "classes")],
    }
    return layouts.find_layout(meta)[0]


def test_pixels_are_resized_to_a_fixed_input_and_boxes_scaled_back() -> None:
    layout = _layout((48, 64))
    assert layout.size == (48, 64)
    image = _png(400, 300)
    r = layouts.request("/v2/models/det", layout, image.data, "1", binary=False)
    tensor = json.loads(r.body)["inputs"][0]
    assert tensor["shape"] == [1, 48, 64, 3] and len(tensor["data"]) == 48 * 64 * 3
    outputs = {
        "boxes": np.array([[16.0, 12.0, 48.0, 36.0]]),
        "scores": np.array([0.5]),
        "classes": np.array([0.0]),
    }
    (p,), dropped = layouts.predictions(outputs, layout, (), image.width, image.height)
    assert (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == (100, 75, 300, 225) and dropped == 0


def test_pixels_as_json_numbers_are_exact() -> None:
    layout = _layout(None)
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3) * 14
    data = cv2.imencode(".png", pixels)[1].tobytes()
    tensor = json.loads(layouts.request("/v2/models/det", layout, data, "1", binary=False).body)["inputs"][0]
    assert tensor["shape"] == [1, 2, 3, 3]
    assert tensor["data"] == cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB).reshape(-1).tolist()


def test_a_large_photo_as_json_pixels_is_refused_with_the_reason_and_sent_raw() -> None:
    layout = _layout(None)
    photo = cv2.imencode(".png", np.zeros((3000, 4000, 3), np.uint8))[1].tobytes()  # 12 MP
    with pytest.raises(InferenceError) as e:
        layouts.request("/v2/models/det", layout, photo, "1", binary=False)
    words = str(e.value)
    assert "4000x3000 image would be a 144 MB request as JSON numbers" in words
    assert "at most 64 MiB" in words and "fixed size" in words
    r = layouts.request("/v2/models/det", layout, photo, "1", binary=True)  # 36 MB raw: fine
    assert len(r.body) < 36_001_000
