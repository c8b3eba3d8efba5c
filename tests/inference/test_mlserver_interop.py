"""The app's Open Inference Protocol client against a real third-party server: MLServer, serving a small
custom runtime (mlserver_runtime.py) that speaks the annotation profile. Probing reads the profile from
MLServer's model metadata; inference sends a real photo and reads boxes, scores, labels and polygons back."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
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

# MLServer runs in its own process only: the test process never imports it (it brings grpc, otel, ...)
pytestmark = pytest.mark.skipif(importlib.util.find_spec("mlserver") is None, reason="needs mlserver")

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent.parent / "resources" / "samples"
MODEL = "annotator"
LABEL, SCORE = "thing", 0.8  # what mlserver_runtime.AnnotationRuntime answers
PROFILE = {"task": "detect", "labels": [LABEL], "version": "mlserver-test-1"}
STARTUP_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_repository(root: Path, http_port: int) -> None:
    settings = {
        "host": "127.0.0.1",
        "http_port": http_port,
        "grpc_port": 0,  # gRPC always starts; port 0 lets it take any free one
        "metrics_endpoint": None,  # no separate metrics server, so no third port
        "metrics_dir": str(root / ".metrics"),
        "parallel_workers": 0,  # the model runs in the server process: quicker to start and to stop
        "debug": False,
    }
    (root / "settings.json").write_text(json.dumps(settings))
    model_dir = root / MODEL
    model_dir.mkdir()
    model_settings = {
        "name": MODEL,
        "implementation": "mlserver_runtime.AnnotationRuntime",
        "parameters": {"version": "1", "extra": {"profile": PROFILE}},
    }
    (model_dir / "model-settings.json").write_text(json.dumps(model_settings))


def _start(root: Path, log_path: Path) -> tuple[subprocess.Popen, str]:
    """MLServer on a free port, ready to infer; raises with the server's log if it does not get there."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), env.get("PYTHONPATH", "")) if p)
    env = {k: v for k, v in env.items() if not k.startswith("MLSERVER_")}
    port = _free_port()
    _write_repository(root, port)
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from mlserver.cli.main import main; main()", "start", str(root)],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    session = requests.Session()
    session.trust_env = False
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:  # the model's own ready check: /v2/health/ready says 200 even when the model failed to load
            if session.get(f"{url}/v2/models/{MODEL}/ready", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.1)
    what = (
        f"exited with code {proc.returncode}"
        if proc.poll() is not None
        else f"was not ready in {STARTUP_TIMEOUT_S:g} s"
    )
    _stop(proc)
    log_text = log_path.read_text(errors="replace")
    raise AssertionError(f"MLServer {what} (model '{MODEL}' not ready); its log:\n{log_text[-8000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def mlserver_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("mlserver")
    repository = root / "repository"
    repository.mkdir()
    proc, url = _start(repository, root / "mlserver.log")
    try:
        yield url
    finally:
        _stop(proc)


@pytest.fixture
def deployment(mlserver_url: str) -> Deployment:
    return Deployment(name="mls", url=mlserver_url, model=MODEL, timeout_s=10)


def expected_detection(width: int, height: int) -> tuple[list[float], list[list[float]]]:
    """The runtime's answer for an image of this size: the middle half, and a diamond inside it."""
    x1, y1, x2, y2 = width / 4, height / 4, 3 * width / 4, 3 * height / 4
    cx, cy = width / 2, height / 2
    return [x1, y1, x2, y2], [[cx, y1], [x2, cy], [cx, y2], [x1, cy]]


def _image(name: str) -> ImageInput:
    data = (SAMPLES / name).read_bytes()
    height, width = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED).shape[:2]
    return ImageInput(data=data, name=name, width=width, height=height)


def _server_extensions(url: str) -> list[str]:
    session = requests.Session()
    session.trust_env = False
    meta = session.get(f"{url}/v2", timeout=5).json()
    assert meta["name"] == "mlserver"
    return meta["extensions"]


def test_probe_reads_the_annotation_profile_from_mlserver_metadata(deployment: Deployment) -> None:
    probe = InferenceClient().probe(deployment, None)
    assert probe.model.name == MODEL
    assert probe.model.task == Task.DETECT
    assert probe.model.labels == (LABEL,)
    assert probe.model.version == PROFILE["version"]
    assert probe.extra == {}  # read as the annotation profile, not as a plain detection layout
    assert probe.binary == ("binary_tensor_data" in _server_extensions(deployment.url))


@pytest.mark.parametrize("name", ["astronaut.jpg", "dog.jpg"])  # square, and wider than tall
def test_infer_returns_pixel_boxes_labels_and_polygons(deployment: Deployment, name: str) -> None:
    client = InferenceClient()
    probe = client.probe(deployment, None)
    image = _image(name)
    outcome = client.infer(deployment, None, image, floor=0.05, probe=probe, request_id=f"{name}/gen-1")
    assert outcome.status == 200 and outcome.dropped == 0
    (p,) = outcome.predictions
    box, ring = expected_detection(image.width, image.height)
    assert p.label == LABEL
    assert p.score == pytest.approx(SCORE, abs=1e-6)
    assert (p.box.x1, p.box.y1, p.box.x2, p.box.y2) == pytest.approx(box, abs=1e-3)
    assert p.polygon is not None
    assert np.allclose(p.polygon.points, ring, atol=1e-3)
    assert p.keypoints is None
    # MLServer does not list the binary tensor extension, so the image goes as base64 JSON (a third larger)
    if probe.binary:
        assert outcome.bytes_sent < len(image.data) * 1.1
    else:
        assert outcome.bytes_sent > len(image.data) * 4 / 3


def test_request_parameters_reach_the_runtime(deployment: Deployment) -> None:
    client = InferenceClient()
    probe = client.probe(deployment, None)
    outcome = client.infer(deployment, None, _image("astronaut.jpg"), floor=0.9, probe=probe, request_id="x")
    assert outcome.predictions == [] and outcome.dropped == 0


def test_unknown_model_is_refused_in_plain_words(mlserver_url: str) -> None:
    d = Deployment(name="mls", url=mlserver_url, model="no-such-model")
    with pytest.raises(InferenceError, match="check the model name") as e:
        InferenceClient().probe(d, None)
    assert e.value.status == 404


def test_missing_statistics_endpoint_is_not_an_error(deployment: Deployment) -> None:
    assert InferenceClient().stats(deployment, None) is None
