"""What the reference server says about its models, the OIP adapter reads back unchanged: task, labels,
keypoint names, skeleton and version, through the one shared annotation profile."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import requests

from app.inference.adapters import oip
from app.inference.adapters.base import HttpRequest, HttpResponse
from app.models import Deployment, Protocol, Task
from server.app import create_app, model_metadata
from server.background import BackgroundServer
from server.model import Detections, ModelInfo, PredictOptions, empty_detections
from server.people.face import FACE_INFO
from server.people.hands import HANDS_INFO
from server.people.pose import POSE_INFO
from server.people.segmentation import SEGMENTATION_INFO
from server.registry import ModelRegistry

YOLO_POSE = ModelInfo(
    name="best",
    task=Task.KEYPOINTS,
    labels=("person",),
    platform="onnxruntime",
    release="best-0123456789ab",
    keypoint_names=("kp0", "kp1"),
)
UNRELEASED = ModelInfo(name="plain", task=Task.DETECT, labels=("cat", "dog"), platform="test")
SERVED = [FACE_INFO, SEGMENTATION_INFO, POSE_INFO, HANDS_INFO, YOLO_POSE, UNRELEASED]


class _Described:
    """A served model that is only ever described, never run."""

    def __init__(self, info: ModelInfo) -> None:
        self.info = info

    def predict(self, image: np.ndarray, options: PredictOptions) -> Detections:
        return empty_detections(self.info)


def _assert_read_back(info: ModelInfo, read: Any) -> None:
    assert read.name == info.name
    assert read.task == info.task
    assert read.labels == info.labels
    assert read.keypoint_names == info.keypoint_names
    assert read.skeleton == info.skeleton
    assert read.version == (info.release or info.version)


@pytest.mark.parametrize("info", SERVED, ids=[i.name for i in SERVED])
def test_the_metadata_the_server_writes_is_read_back_unchanged(info: ModelInfo) -> None:
    body = json.dumps(model_metadata(_Described(info))).encode()
    _assert_read_back(info, oip.parse_metadata(body))


def test_an_adapter_probe_of_a_running_server_reads_every_model_profile() -> None:
    registry = ModelRegistry(_Described(info) for info in SERVED)
    with BackgroundServer(create_app(registry)) as server, requests.Session() as session:

        def send(request: HttpRequest) -> HttpResponse:
            r = session.request(request.method, server.url + request.path, data=request.body, timeout=10)
            assert r.status_code == 200, r.text
            return HttpResponse(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content)

        for info in SERVED:
            deployment = Deployment(name=info.name, protocol=Protocol.OIP, url=server.url, model=info.name)
            probe = oip.OipAdapter().describe(deployment, send)
            assert probe.binary and not probe.extra  # the profile, not a guessed plain-detection layout
            _assert_read_back(info, probe.model)
