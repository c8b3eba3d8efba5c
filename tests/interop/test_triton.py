"""The app's Open Inference Protocol client against a real Triton Inference Server: the binary PyTriton bundles,
serving the Python models of servers/triton_models.py. The annotation profile is read from the model
configuration's parameters, keypoints and polygons arrive exact, an output with no place is reported, raw
pixels are resized to a model's fixed input size and the boxes scaled back, and Triton's own words reach the
user for an unknown model."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import requests

from app.inference.adapters.base import ImageInput
from app.inference.client import InferenceClient
from app.inference.errors import InferenceError
from app.models import Deployment, Task
from tests.interop.conftest import SERVERS, free_port, interop_python, start_server, stop, wait_until_up

pytestmark = pytest.mark.interop

MODELS = ("pose", "extra", "pixels", "pixels_fixed")
STARTUP_TIMEOUT_S = 120.0  # Triton starts a Python backend stub per model


def _library_dir(python: Path) -> str:
    """Where the environment's Python keeps its shared library, which Triton's Python backend stub loads."""
    code = "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))"
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def triton_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = interop_python("triton")
    log = tmp_path_factory.mktemp("triton") / "server.log"
    http, grpc, metrics = free_port(), free_port(), free_port()
    proc = start_server(
        [str(python), str(SERVERS / "triton_models.py"), str(http), str(grpc), str(metrics)],
        log=log,
        env={"LD_LIBRARY_PATH": _library_dir(python)},
    )
    url = f"http://127.0.0.1:{http}"
    try:
        for model in MODELS:  # the server is ready before its models are
            wait_until_up(f"{url}/v2/models/{model}/ready", proc, STARTUP_TIMEOUT_S, log)
        yield url
    finally:
        stop(proc)


def deployment(url: str, model: str) -> Deployment:
    return Deployment(name="triton", url=url, model=model, timeout_s=30)


def png(width: int, height: int) -> ImageInput:
    data = cv2.imencode(".png", np.full((height, width, 3), 127, np.uint8))[1].tobytes()
    return ImageInput(data, "grey.png", width, height)


def test_the_profile_is_read_from_the_model_configuration(triton_url: str) -> None:
    probe = InferenceClient().probe(deployment(triton_url, "pose"), None)
    m = probe.model
    assert (m.name, m.task, m.labels, m.version) == ("pose", Task.KEYPOINTS, ("person",), "triton-test-1")
    assert m.keypoint_names == ("nose", "left_eye", "right_eye") and m.skeleton == ((0, 1), (0, 2))
    assert probe.binary and "layout" not in probe.extra


def test_one_key_per_field_in_the_configuration_is_read_too(triton_url: str) -> None:
    m = InferenceClient().probe(deployment(triton_url, "extra"), None).model
    assert (m.task, m.labels, m.keypoint_names, m.version) == (
        Task.KEYPOINTS,
        ("person",),
        ("nose", "left_eye", "right_eye"),
        "triton-extra-1",
    )


def test_keypoints_and_polygons_arrive_exact(triton_url: str) -> None:
    client, d = InferenceClient(), deployment(triton_url, "pose")
    probe = client.probe(d, None)
    outcome = client.infer(d, None, png(40, 30), floor=0.1, probe=probe, request_id="img-1/gen-1")
    first, second = outcome.predictions
    assert outcome.dropped == 0 and first.label == "person" and first.score == 0.9375
    # the model read the width and height from the PNG it received: the file, not base64 text
    assert (first.box.x1, first.box.y1, first.box.x2, first.box.y2) == (1.5, 2.25, 39.5, 29.25)
    assert [(k.x, k.y, k.score) for k in first.keypoints or ()] == [
        (10.5, 11.25, 0.875),
        (12, 9.5, 0.5),
        (9, 9.5, 0.25),
    ]
    assert first.polygon is not None and first.polygon.points == ((1.5, 2.25), (39.5, 2.25), (20.0, 29.25))
    assert second.polygon is not None and second.polygon.points == ((0, 0), (4, 0), (0, 4))
    assert [(k.x, k.y) for k in second.keypoints or ()] == [(1, 2), (3, 4), (5, 6)]


def test_base64_text_in_json_reaches_a_triton_model_as_text(triton_url: str) -> None:
    """Why the client never sends Triton an image as JSON: Triton hands the model the text itself."""
    image = png(8, 8)
    body = {
        "inputs": [
            {
                "name": "image",
                "shape": [1],
                "datatype": "BYTES",
                "parameters": {"content_type": "base64"},
                "data": [__import__("base64").b64encode(image.data).decode()],
            }
        ]
    }
    r = requests.post(f"{triton_url}/v2/models/pose/infer", json=body, timeout=30)
    assert r.status_code >= 400 and "not a PNG file (it starts with b'iVBOR" in r.json()["error"]
    with pytest.raises(InferenceError, match="does not list the binary tensor extension"):
        from app.inference.adapters.oip_profile import binary_transport

        binary_transport({"name": "triton", "extensions": []})


def test_an_output_with_no_place_is_reported_and_the_rest_kept(triton_url: str) -> None:
    client, d = InferenceClient(), deployment(triton_url, "extra")
    probe = client.probe(d, None)
    image = png(40, 30)
    outcome = client.infer(d, None, image, floor=0.1, probe=probe, request_id="img-2/gen-1")
    assert len(outcome.predictions) == 2 and outcome.dropped == 0
    assert outcome.predictions[0].keypoints is not None
    assert outcome.notes == ("outputs not placed: 'embedding' [2, 4] (no annotation holds them; not shown)",)


@pytest.mark.parametrize("model", ["pixels", "pixels_fixed"])
def test_pixels_go_at_the_models_size_and_boxes_come_back_in_the_images(triton_url: str, model: str) -> None:
    """pixels_fixed takes 64x48: the 400x300 image is resized to it, and its box (the middle quarter of what
    it received) comes back in the image's pixels, as the any-size model's does."""
    client, d = InferenceClient(), deployment(triton_url, model)
    probe = client.probe(d, None)
    outcome = client.infer(d, None, png(400, 300), floor=0.1, probe=probe, request_id="img-3/gen-1")
    (p,) = outcome.predictions
    assert (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == (100, 75, 300, 225) and p.label == "class 0"
    if model == "pixels_fixed":
        assert outcome.bytes_sent < 64 * 48 * 3 + 1000  # the resized pixels, not the image's


def test_an_unknown_model_reads_as_triton_says_it(triton_url: str) -> None:
    with pytest.raises(InferenceError) as e:
        InferenceClient().probe(deployment(triton_url, "nope"), None)
    assert e.value.status == 404
    assert "Request for unknown model: 'nope' is not found" in str(e.value)
    assert "version not ready" not in str(e.value)
