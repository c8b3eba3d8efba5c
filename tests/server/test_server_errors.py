"""Every client mistake gets a 4xx with {"error": "..."}; limits, the full pool, auth and log hygiene."""

from __future__ import annotations

import base64
import io
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest
import requests
from server_test_support import FixedModel, RunningServer, binary_request, json_request, sample_bytes

from app.models import Task
from server.app import create_app
from server.cli import is_loopback, main
from server.model import ModelInfo, empty_detections
from server.registry import ModelRegistry
from server.settings import ServerSettings

JPEG = sample_bytes("astronaut.jpg")


def _with_input(**changes):
    body = json_request(JPEG)
    body["inputs"][0].update(changes)
    return body


CASES = {
    "bad base64": (
        json_request(JPEG) | {"inputs": [{**json_request(JPEG)["inputs"][0], "data": ["@@not base64@@"]}]},
        400,
        "base64",
    ),
    "not an image": (json_request(b"hello, this is text"), 400, "could not be decoded"),
    "empty image": (json_request(b""), 400, "empty"),
    "wrong input name": (_with_input(name="images"), 400, "exactly one input 'image'"),
    "two inputs": ({"inputs": json_request(JPEG)["inputs"] * 2}, 400, "exactly one input"),
    "no inputs": ({"inputs": []}, 400, "exactly one input"),
    "wrong datatype": (_with_input(datatype="FP32"), 400, "datatype BYTES"),
    "wrong shape": (_with_input(shape=[2]), 400, "shape [1]"),
    "two images": (_with_input(data=["aGVsbG8=", "aGVsbG8="], shape=[1]), 400, "2 elements"),
    "unknown content type": (_with_input(parameters={"content_type": "str"}), 400, "content_type"),
    "data not a string": (_with_input(data=[12]), 400, "base64 string"),
    "no data": (_with_input(data=None), 400, "no data"),
    "missing inputs field": ({"id": "x"}, 400, "inputs"),
    "inputs not a list": ({"inputs": "image"}, 400, "inputs"),
    "confidence out of range": (json_request(JPEG, confidence=1.5), 400, "confidence"),
    "confidence not a number": (json_request(JPEG, confidence="high"), 400, "confidence"),
    "max_detections fractional": (json_request(JPEG, max_detections=2.5), 400, "max_detections"),
    "max_detections negative": (json_request(JPEG, max_detections=-1), 400, "max_detections"),
    "unknown output": (json_request(JPEG) | {"outputs": [{"name": "masks"}]}, 400, "no output 'masks'"),
}


@pytest.fixture
def server(fixed_server):
    return fixed_server


@pytest.mark.parametrize("case", CASES)
def test_client_mistakes_get_4xx_with_a_message(server, case):
    body, status, fragment = CASES[case]
    response = requests.post(f"{server.url}/v2/models/fixed/infer", json=body, timeout=10)
    assert response.status_code == status, response.text
    assert fragment in response.json()["error"]


def test_invalid_json_and_binary_framing(server):
    url = f"{server.url}/v2/models/fixed/infer"
    response = requests.post(url, data=b"{not json", timeout=10)
    assert response.status_code == 400 and "JSON" in response.json()["error"]
    response = requests.post(url, data=b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", timeout=10)
    assert response.status_code == 400 and "nested" in response.json()["error"]
    body, headers = binary_request(JPEG)
    for length in ("abc", "-1", str(len(body) + 1)):
        response = requests.post(
            url, data=body, headers=headers | {"Inference-Header-Content-Length": length}, timeout=10
        )
        assert response.status_code == 400, length
        assert "Inference-Header-Content-Length" in response.json()["error"]
    response = requests.post(url, data=body + b"extra", headers=headers, timeout=10)
    assert response.status_code == 400 and "unexpected bytes" in response.json()["error"]
    response = requests.post(url, data=body[:-10], headers=headers, timeout=10)
    assert response.status_code == 400 and "shorter" in response.json()["error"]


def test_unknown_model_version_route_and_method(server):
    assert requests.get(f"{server.url}/v2/models/nope", timeout=10).status_code == 404
    response = requests.post(f"{server.url}/v2/models/nope/infer", json=json_request(JPEG), timeout=10)
    assert response.status_code == 404 and "unknown model 'nope'" in response.json()["error"]
    response = requests.get(f"{server.url}/v2/models/fixed/versions/7/ready", timeout=10)
    assert response.status_code == 404 and "version" in response.json()["error"]
    response = requests.get(f"{server.url}/v2/models/fixed/infer", timeout=10)
    assert response.status_code == 405 and "error" in response.json()
    assert "error" in requests.get(f"{server.url}/nowhere", timeout=10).json()


def test_body_limit(server):
    big = np.random.default_rng(0).integers(0, 255, (500, 500, 3), np.uint8)
    png = cv2.imencode(".png", big)[1].tobytes()  # incompressible noise: about 750 kB, 1 MB as base64
    ok = requests.post(f"{server.url}/v2/models/fixed/infer", json=json_request(png), timeout=10)
    assert ok.status_code == 200, ok.text
    too_big = json_request(png + bytes(1_200_000))
    response = requests.post(f"{server.url}/v2/models/fixed/infer", json=too_big, timeout=10)
    assert response.status_code == 413 and "limit" in response.json()["error"]


def test_body_limit_without_content_length(server):
    def chunks():
        for _ in range(30):
            yield bytes(100_000)

    response = requests.post(f"{server.url}/v2/models/fixed/infer", data=chunks(), timeout=10)
    assert response.status_code == 413


@pytest.mark.parametrize("ext", [".png", ".jpg", ".webp", ".bmp", ".tiff"])
def test_pixel_limit(server, ext):
    image = cv2.imencode(ext, np.zeros((700, 600, 3), np.uint8))[1].tobytes()
    response = requests.post(f"{server.url}/v2/models/fixed/infer", json=json_request(image), timeout=10)
    assert response.status_code == 413, response.text
    assert "700 = 420000 pixels" in response.json()["error"]


class BlockingModel:
    """Holds its worker until released, so the pool's state is known exactly."""

    info = ModelInfo(name="slow", task=Task.DETECT, labels=("thing",), platform="test")

    def __init__(self) -> None:
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    def predict(self, image, options):
        self.entered.release()
        assert self.release.wait(30)
        return empty_detections(self.info)


def test_full_pool_answers_503_with_retry_after(make_server):
    model = BlockingModel()
    server = make_server([model], workers=1, queue=0, retry_after_s=3)
    url = f"{server.url}/v2/models/slow/infer"
    with ThreadPoolExecutor(1) as executor:
        first = executor.submit(requests.post, url, json=json_request(JPEG), timeout=30)
        try:
            assert model.entered.acquire(timeout=30)
            busy = requests.post(url, json=json_request(JPEG), timeout=10)
            assert busy.status_code == 503
            assert busy.headers["Retry-After"] == "3"
            assert "busy" in busy.json()["error"]
        finally:
            model.release.set()
        assert first.result().status_code == 200
    assert requests.post(url, json=json_request(JPEG), timeout=10).status_code == 200
    metrics = requests.get(f"{server.url}/metrics", timeout=10).text
    assert 'labelassist_inference_rejected_total{model="slow",version="1"} 1' in metrics


def test_token_is_required_when_set(make_server):
    server = make_server([FixedModel()], token="s3cret-token")
    assert requests.get(f"{server.url}/v2/health/live", timeout=10).status_code == 200
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret-token"}):
        response = requests.get(f"{server.url}/v2", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "token" in response.json()["error"]
    good = {"Authorization": "Bearer s3cret-token"}
    assert requests.get(f"{server.url}/v2", headers=good, timeout=10).status_code == 200
    response = requests.post(
        f"{server.url}/v2/models/fixed/infer", json=json_request(JPEG), headers=good, timeout=10
    )
    assert response.status_code == 200


def test_logs_never_contain_image_data_or_tokens():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    loggers = [
        logging.getLogger(name) for name in ("", "server", "uvicorn", "uvicorn.error", "uvicorn.access")
    ]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        token = "tok-very-secret-value"
        server = RunningServer(
            create_app(ModelRegistry([FixedModel()]), ServerSettings(token=token)), access_log=True
        )
        auth = {"Authorization": f"Bearer {token}"}
        encoded = base64.b64encode(JPEG).decode()
        requests.post(
            f"{server.url}/v2/models/fixed/infer", json=json_request(JPEG), headers=auth, timeout=10
        )
        requests.post(
            f"{server.url}/v2/models/fixed/infer",
            json=json_request(b"garbage" * 50),
            headers=auth,
            timeout=10,
        )
        requests.post(
            f"{server.url}/v2/models/fixed/infer",
            data=json.dumps({"inputs": encoded}),
            headers=auth,
            timeout=10,
        )
        requests.get(f"{server.url}/v2", headers={"Authorization": "Bearer wrong-token-guess"}, timeout=10)
        server.stop()
    finally:
        for lg, level in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)
    text = stream.getvalue()
    assert "POST /v2/models/fixed/infer" in text  # the access log was captured
    assert token not in text and "wrong-token-guess" not in text
    assert encoded[:64] not in text and base64.b64encode(b"garbage" * 50).decode()[:32] not in text


def test_cli_refuses_a_public_address_without_token(capsys, monkeypatch):
    monkeypatch.delenv("LABELASSIST_SERVER_TOKEN", raising=False)
    assert main(["--host", "0.0.0.0", "--no-people"]) == 2
    assert "--token" in capsys.readouterr().err


def test_loopback_detection():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.5.0.1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.2", "::", "example.org"))
