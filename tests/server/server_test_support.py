"""Helpers shared by the server tests: a real uvicorn server on an ephemeral loopback port, request builders."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
import requests

from server.background import BackgroundServer

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"
GOLDEN = REPO.parent / "shared" / "golden"


RunningServer = BackgroundServer


def sample_bytes(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def json_request(image: bytes, request_id: str | None = None, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "inputs": [
            {
                "name": "image",
                "shape": [1],
                "datatype": "BYTES",
                "parameters": {"content_type": "base64"},
                "data": [base64.b64encode(image).decode()],
            }
        ]
    }
    if request_id is not None:
        body["id"] = request_id
    if parameters:
        body["parameters"] = parameters
    return body


def infer(url: str, model: str, image: bytes, **parameters: Any) -> dict[str, Any]:
    """POST a base64 JSON request and return the outputs as numpy arrays / lists, by name."""
    response = requests.post(
        f"{url}/v2/models/{model}/infer", json=json_request(image, **parameters), timeout=60
    )
    assert response.status_code == 200, response.text
    return outputs_by_name(response.json())


def outputs_by_name(payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for output in payload["outputs"]:
        if output["datatype"] == "BYTES":
            result[output["name"]] = list(output["data"])
        else:
            result[output["name"]] = np.asarray(output["data"], np.float32).reshape(output["shape"])
    return result


def golden(stem: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"{stem}.json").read_text())


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def binary_request(image: bytes, binary_outputs: bool = True, **extra: Any) -> tuple[bytes, dict[str, str]]:
    """A request using Triton's binary tensor extension for the input (and the outputs if asked)."""
    raw = len(image).to_bytes(4, "little") + image
    header: dict[str, Any] = {
        "inputs": [
            {"name": "image", "shape": [1], "datatype": "BYTES", "parameters": {"binary_data_size": len(raw)}}
        ],
        "parameters": {"binary_data_output": binary_outputs},
        **extra,
    }
    head = json.dumps(header).encode()
    return head + raw, {
        "Inference-Header-Content-Length": str(len(head)),
        "Content-Type": "application/octet-stream",
    }


def parse_binary_response(response: requests.Response) -> dict[str, Any]:
    """Outputs by name from a response that may carry binary tensors after its JSON header."""
    length = int(response.headers["Inference-Header-Content-Length"])
    payload = json.loads(response.content[:length])
    tail = response.content[length:]
    offset = 0
    result: dict[str, Any] = {}
    for output in payload["outputs"]:
        size = output["parameters"]["binary_data_size"]
        raw = tail[offset : offset + size]
        offset += size
        if output["datatype"] == "BYTES":
            items, pos = [], 0
            while pos < len(raw):
                n = int.from_bytes(raw[pos : pos + 4], "little")
                items.append(raw[pos + 4 : pos + 4 + n].decode())
                pos += 4 + n
            result[output["name"]] = items
        else:
            result[output["name"]] = np.frombuffer(raw, "<f4").reshape(output["shape"])
    assert offset == len(tail)
    return result


class FixedModel:
    """A segment + keypoints model answering the same three detections for any image (protocol tests)."""

    def __init__(self, name: str = "fixed") -> None:
        from app.models import Task
        from server.model import ModelInfo, TensorSpec

        self.info = ModelInfo(
            name=name,
            task=Task.SEGMENT,
            labels=("cat", "dog"),
            platform="test",
            release="fixed-1",
            keypoint_names=("a", "b"),
            skeleton=((0, 1),),
            extra_outputs=(TensorSpec("notes", "BYTES", (-1,)),),
        )
        self.calls = 0

    def predict(self, image: np.ndarray, options: Any) -> Any:
        from server.model import Detections

        self.calls += 1
        h, w = image.shape[:2]
        return Detections(
            boxes=np.array([[0, 0, w / 2, h / 2], [1, 2, 3, 4], [5, 5, w, h]], np.float32),
            scores=np.array([0.2, 0.9, 0.03], np.float32),
            labels=["cat", "dog", "cat"],
            polygons=[
                [[[0, 0], [w / 2, 0], [0, h / 2]]],
                [[[1, 2], [3, 2], [3, 4]]],
                [[[5, 5], [w, 5], [w, h]]],
            ],
            keypoints=np.arange(18, dtype=np.float32).reshape(3, 2, 3),
            extras={"notes": ["low", "high", "tiny"]},
        )
