"""The Roboflow adapter against Roboflow's real inference server 1.8.3, offline (no Roboflow API): the probe
reads the server's name and version; keypoints and instance-segmentation polygons from local model packages
(tests/interop/servers/roboflow_packages: inference-models packages of code, no weights, answering known
geometry) arrive exact, boxes as pixel centres turned into corners; and its errors read as the server meant
them — its 503 for a Roboflow model it cannot fetch says it cannot reach the Roboflow API (not "busy"), its
500 for a broken local model package is its own words."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from app.inference.adapters import ImageInput
from app.inference.client import InferenceClient, InferOutcome
from app.inference.errors import InferenceError
from app.models import Deployment, Protocol, Task
from tests.interop.conftest import SERVERS, free_port, interop_python, start_server, stop, wait_until_up

pytestmark = pytest.mark.interop
OFFLINE = {  # never the Roboflow API; models only from local inference-models packages
    "OFFLINE_MODE": "True",
    "USE_INFERENCE_MODELS": "True",
    "ALLOW_INFERENCE_MODELS_DIRECTLY_ACCESS_LOCAL_PACKAGES": "True",
    "CORE_MODEL_YOLO_WORLD_ENABLED": "False",
}


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = interop_python("roboflow")
    folder = tmp_path_factory.mktemp("roboflow")
    log = folder / "server.log"
    port = free_port()
    env = {**OFFLINE, "MODEL_CACHE_DIR": str(folder / "cache")}
    proc = start_server([str(python), str(SERVERS / "roboflow_server.py"), str(port)], log=log, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url + "/info", proc, 180, log)
        yield url
    finally:
        stop(proc)


def _image() -> ImageInput:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "PNG")
    return ImageInput(buffer.getvalue(), "red.png", 64, 48)


def _infer(d: Deployment) -> InferOutcome:
    client = InferenceClient()
    probe = client.probe(d, None)
    return client.infer(d, None, _image(), floor=0.05, probe=probe, request_id="img-1/1")


def _package(name: str) -> str:
    return str(SERVERS / "roboflow_packages" / name)


def test_the_probe_names_the_server(server_url: str) -> None:
    d = Deployment(name="rf", protocol=Protocol.ROBOFLOW, url=server_url, model="people/3", task=Task.DETECT)
    probe = InferenceClient().probe(d, None)
    assert probe.extra["server"] == "Roboflow Inference Server 1.8.3"


def test_keypoints_arrive_exact_with_their_names(server_url: str) -> None:
    d = Deployment(
        name="rf",
        protocol=Protocol.ROBOFLOW,
        url=server_url,
        model=_package("keypoints"),
        task=Task.KEYPOINTS,
    )
    outcome = _infer(d)
    (p,) = outcome.predictions
    assert outcome.dropped == 0 and (p.label, p.score) == ("person", 0.9375)
    assert (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == (8, 6, 40, 30)
    assert p.keypoints is not None and p.keypoint_names == ("nose", "left_eye", "right_eye")
    assert [(k.x, k.y, k.score) for k in p.keypoints] == [
        (12.5, 10.25, 0.875),
        (20.0, 14.5, 0.75),
        (30.75, 22.0, 0.625),
    ]


def test_an_instance_mask_arrives_as_the_servers_exact_outline(server_url: str) -> None:
    """The model's mask covers columns 10..29 and rows 8..19; the server traces it through the pixels' centres."""
    d = Deployment(
        name="rf", protocol=Protocol.ROBOFLOW, url=server_url, model=_package("polygons"), task=Task.SEGMENT
    )
    outcome = _infer(d)
    (p,) = outcome.predictions
    assert outcome.dropped == 0 and (p.label, p.score) == ("box", 0.8125)
    assert (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == (10, 8, 30, 20)
    assert p.polygon is not None
    assert p.polygon.points == ((10, 8), (10, 19), (29, 19), (29, 8))


@pytest.mark.parametrize("model", ["people/3", "yolov8n-640"])
def test_a_503_says_it_cannot_reach_the_roboflow_api_not_busy(server_url: str, model: str) -> None:
    d = Deployment(name="rf", protocol=Protocol.ROBOFLOW, url=server_url, model=model, task=Task.DETECT)
    with pytest.raises(InferenceError) as e:
        _infer(d)
    assert e.value.status == 503
    assert str(e.value) == "'rf' answered HTTP 503: Internal error. Could not connect to Roboflow API."


def test_a_broken_local_model_package_is_the_servers_message(server_url: str, tmp_path: Path) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "model_config.json").write_text(
        '{"model_architecture": "yolov8", "task_type": "object-detection"}'
    )
    d = Deployment(
        name="rf", protocol=Protocol.ROBOFLOW, url=server_url, model=str(package), task=Task.DETECT
    )
    with pytest.raises(InferenceError) as e:
        _infer(d)
    message = str(e.value)
    assert message.startswith("'rf' answered HTTP 5") and "busy" not in message and "Traceback" not in message
