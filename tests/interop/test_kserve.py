"""The app's Open Inference Protocol client against KServe's Python ModelServer on 127.0.0.1, serving the
models of servers/kserve_models.py. KServe's metadata carries no parameters: the annotation profile is read
from the model's `annotation_profile` output, keypoints and polygons arrive exact, the image goes as base64
text (KServe lists no binary tensor extension and cannot pass a binary BYTES tensor that is not UTF-8),
pixels go as binary numbers, and KServe's own words reach the user for an unknown model."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from app.inference.adapters.base import ImageInput
from app.inference.client import InferenceClient
from app.inference.errors import InferenceError
from app.models import Deployment, Task
from tests.interop.conftest import SERVERS, free_port, interop_python, start_server, stop, wait_until_up

pytestmark = pytest.mark.interop

STARTUP_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def kserve_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = interop_python("kserve")
    log = tmp_path_factory.mktemp("kserve") / "server.log"
    port = free_port()
    proc = start_server([str(python), str(SERVERS / "kserve_models.py"), str(port)], log=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for model in ("pose", "pixels"):
            wait_until_up(f"{url}/v2/models/{model}/ready", proc, STARTUP_TIMEOUT_S, log)
        yield url
    finally:
        stop(proc)


def deployment(url: str, model: str) -> Deployment:
    return Deployment(name="kserve", url=url, model=model, timeout_s=30)


def png(width: int, height: int) -> ImageInput:
    data = cv2.imencode(".png", np.full((height, width, 3), 127, np.uint8))[1].tobytes()
    return ImageInput(data, "grey.png", width, height)


def test_the_profile_is_read_from_the_models_profile_output(kserve_url: str) -> None:
    probe = InferenceClient().probe(deployment(kserve_url, "pose"), None)
    m = probe.model
    assert (m.name, m.task, m.labels, m.version) == ("pose", Task.KEYPOINTS, ("person",), "kserve-test-1")
    assert m.keypoint_names == ("nose", "left_eye", "right_eye") and m.skeleton == ((0, 1), (0, 2))
    assert not probe.binary and "layout" not in probe.extra
    # said, not silent: the image goes as base64 text, which this server hands to the model as it is
    assert probe.extra["notes"] == [
        "kserve lists neither the binary tensor extension nor the annotation profile: images go as base64 "
        "text marked content_type=base64, which the model must decode if the server does not"
    ]


def test_keypoints_and_polygons_arrive_exact(kserve_url: str) -> None:
    client, d = InferenceClient(), deployment(kserve_url, "pose")
    probe = client.probe(d, None)
    image = png(40, 30)
    outcome = client.infer(d, None, image, floor=0.1, probe=probe, request_id="img-1/gen-1")
    first, second = outcome.predictions
    assert outcome.dropped == 0 and first.label == "person" and first.score == 0.9375
    assert (first.box.x1, first.box.y1, first.box.x2, first.box.y2) == (1.5, 2.25, 39.5, 29.25)
    assert [(k.x, k.y, k.score) for k in first.keypoints or ()] == [
        (10.5, 11.25, 0.875),
        (12, 9.5, 0.5),
        (9, 9.5, 0.25),
    ]
    assert first.polygon is not None and first.polygon.points == ((1.5, 2.25), (39.5, 2.25), (20.0, 29.25))
    assert second.polygon is not None and second.polygon.points == ((0, 0), (4, 0), (0, 4))
    assert outcome.bytes_sent > len(image.data) * 4 / 3  # base64 JSON


def test_pixels_go_as_binary_numbers_and_boxes_come_back_in_the_images(kserve_url: str) -> None:
    client, d = InferenceClient(), deployment(kserve_url, "pixels")
    probe = client.probe(d, None)
    assert probe.binary and "notes" not in probe.extra
    outcome = client.infer(d, None, png(400, 300), floor=0.1, probe=probe, request_id="img-2/gen-1")
    (p,) = outcome.predictions
    assert (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == (100, 75, 300, 225)
    assert outcome.bytes_sent < 400 * 300 * 3 + 1000


def test_an_unknown_model_reads_as_kserve_says_it(kserve_url: str) -> None:
    with pytest.raises(InferenceError) as e:
        InferenceClient().probe(deployment(kserve_url, "nope"), None)
    assert e.value.status == 404 and "Model with name nope does not exist." in str(e.value)
