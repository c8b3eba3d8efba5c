"""Roboflow Inference: the self-hosted server (``inference server start``, port 9001) and the hosted API
(serverless.roboflow.com, detect.roboflow.com).

What the user fills in: the server's URL; the model id (``project/3`` for a trained Roboflow model, or a
model alias such as ``yolov8n-640``); the task if the server cannot tell it (segmentation and keypoint
models); the API key with the query style (``?api_key=``), as Roboflow's own clients send it.

Requests, after the inference server's source (roboflow/inference, ``inference/core/interfaces/http``
and ``inference/core/entities``) and the ``inference_sdk`` HTTP client:

- ``project/version`` ids go to the legacy route ``POST /{project}/{version}``, which every Roboflow
  server has: the body is the base64 image (as ``base64 img.jpg | curl -d @- …`` in the hosted API docs),
  settings in the query. The server answers detection, segmentation and keypoint models there alike.
  ``confidence`` is sent as a fraction (0–1), as the current server and SDK read it.
- other ids (aliases) go to ``POST /infer/object_detection``, ``/infer/instance_segmentation`` or
  ``/infer/keypoints_detection`` with a JSON body ``{model_id, image: {type: "base64", value}, confidence,
  …}``. The image is never sent as ``type: numpy`` (a pickle the server would load).
- both ask the server not to keep the image for active learning (``disable_active_learning``).

Answers (``ObjectDetectionInferenceResponse`` and kin): ``predictions`` with the box centre ``x``, ``y``
and ``width``, ``height`` in pixels, ``confidence`` 0–1, ``class`` and ``class_id``; ``points`` (polygon
vertices in pixels) for segmentation; ``keypoints`` with ``x``, ``y``, ``confidence``, ``class_id`` (the
point's index in the skeleton) and ``class_name`` for keypoint models (docs.roboflow.com, "Keypoint
Detection" response format); ``image`` with the size the server saw.

Health: ``GET /info`` (server name and version) and ``GET /model/registry`` (loaded models with their
``task_type``) on a self-hosted server. The hosted API has neither; there the probe knows only what the
deployment says, and labels come with the answers.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from app.inference.adapters import shapes
from app.inference.adapters.base import HttpRequest, HttpResponse, ImageInput, Probe, Send
from app.inference.errors import Failure, InferenceError
from app.models import Deployment, ModelInfo, PredictedPoint, Prediction, Task

MAX_DETECTIONS = 1000  # asked of the server; it keeps the best ones
INFER_ROUTES = {
    Task.DETECT: "/infer/object_detection",
    Task.SEGMENT: "/infer/instance_segmentation",
    Task.KEYPOINTS: "/infer/keypoints_detection",
}
TASK_TYPES = {  # the server's task_type names (inference_sdk.http.entities)
    "object-detection": Task.DETECT,
    "instance-segmentation": Task.SEGMENT,
    "keypoint-detection": Task.KEYPOINTS,
}
MAX_KEYPOINTS = 1000

_IGNORE = ConfigDict(extra="ignore")


class _Point(BaseModel):
    model_config = _IGNORE
    x: float
    y: float


class _Keypoint(_Point):
    confidence: float = 1.0
    class_id: int | None = None
    class_name: str | None = Field(None, validation_alias=AliasChoices("class_name", "class"))


class _Detection(BaseModel):
    model_config = _IGNORE
    x: float
    y: float
    width: float
    height: float
    confidence: float
    class_name: str | None = Field(None, validation_alias=AliasChoices("class", "class_name"))
    class_id: int | None = None
    points: list[_Point] | None = None
    keypoints: list[_Keypoint] | None = None


class _Size(BaseModel):
    model_config = _IGNORE
    width: float
    height: float


class _ServerInfo(BaseModel):
    model_config = _IGNORE
    name: str = ""
    version: str  # every inference server says its version; a page or another service does not


def legacy_ids(model: str) -> tuple[str, str] | None:
    """(project, version) for a ``project/version`` model id; None for an alias."""
    parts = model.strip().strip("/").split("/")
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    return None


def infer_request(d: Deployment, image: bytes, request_id: str, floor: float, task: Task) -> HttpRequest:
    encoded = base64.b64encode(image).decode("ascii")
    ids = legacy_ids(d.model)
    if ids is not None:
        params = {
            "confidence": f"{floor:g}",
            "max_detections": str(MAX_DETECTIONS),
            "format": "json",
            "disable_active_learning": "true",
        }
        path = f"/{quote(ids[0], safe='')}/{quote(ids[1], safe='')}"
        return HttpRequest(
            "POST",
            path,
            encoded.encode("ascii"),
            {"Content-Type": "application/x-www-form-urlencoded"},
            params,
        )
    body = {
        "id": request_id,
        "model_id": d.model,
        "image": {"type": "base64", "value": encoded},
        "confidence": floor,
        "max_detections": MAX_DETECTIONS,
        "disable_active_learning": True,
    }
    # The /infer/* routes read the API key from the body only: the client puts the token there too.
    return HttpRequest(
        "POST",
        INFER_ROUTES[task],
        json.dumps(body).encode(),
        {"Content-Type": "application/json"},
        token_field="api_key",
    )


def parse_infer(raw: Any, width: int, height: int) -> tuple[list[Prediction], int]:
    """Predictions in image pixels from a Roboflow answer, and how many were dropped as invalid."""
    if isinstance(raw, list) and raw and isinstance(raw[0], dict):
        raw = raw[0]  # a batch answer; one image was sent
    predictions = raw.get("predictions") if isinstance(raw, dict) else None
    if isinstance(predictions, dict):
        raise InferenceError(
            "the Roboflow answer looks like a classification model's (predictions by class "
            "name); LabelAssist needs boxes: a detection, segmentation or keypoint model"
        )
    if not isinstance(predictions, list):
        raise InferenceError(f"the Roboflow answer has no 'predictions' list ({shapes.keys_of(raw)})")
    shapes.check_count(len(predictions), "Roboflow")
    sx, sy = _scale(raw.get("image"), width, height)
    out: list[Prediction] = []
    for i, item in enumerate(predictions):
        if isinstance(item, dict) and "x" not in item and ("class" in item or "class_name" in item):
            raise InferenceError(
                "the Roboflow answer looks like a classification model's (classes without "
                "boxes); LabelAssist needs a detection, segmentation or keypoint model"
            )
        det: _Detection = shapes.validate(_Detection, item, f"Roboflow prediction {i + 1}")
        p = _prediction(det, sx, sy)
        if p is not None:
            out.append(p)
    return out, len(predictions) - len(out)


def _prediction(det: _Detection, sx: float, sy: float) -> Prediction | None:
    if not shapes.finite(det.x, det.y, det.width, det.height, det.confidence):
        return None
    cx, cy, w, h = det.x * sx, det.y * sy, abs(det.width) * sx, abs(det.height) * sy
    b = shapes.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    poly = None
    if det.points:
        if len(det.points) > shapes.MAX_POINTS or not all(shapes.finite(p.x, p.y) for p in det.points):
            return None
        poly = shapes.polygon([(p.x * sx, p.y * sy) for p in det.points])  # under 3 points: the box stands
    points, names = None, None
    if det.keypoints is not None:
        points = _keypoints(det.keypoints, sx, sy)
        if points is None:
            return None
        names = _keypoint_names(det.keypoints, len(points))
    name = shapes.label(det.class_name, f"class {det.class_id}" if det.class_id is not None else None)
    return shapes.prediction(name, det.confidence, b, poly, points, names)


def _keypoint_names(keypoints: list[_Keypoint], slots: int) -> list[str]:
    """The points' names in the order _keypoints put them ("point N" where the answer gives none)."""
    names = [f"point {i + 1}" for i in range(slots)]
    ids = [k.class_id for k in keypoints]
    by_slot = (
        ids
        if all(i is not None and 0 <= i < slots for i in ids) and len(set(ids)) == len(ids)
        else range(len(keypoints))
    )
    for slot, k in zip(by_slot, keypoints, strict=False):
        if k.class_name:
            names[slot] = shapes.label(k.class_name)  # type: ignore[index]
    return names


def _keypoints(keypoints: list[_Keypoint], sx: float, sy: float) -> list[PredictedPoint] | None:
    """Points in skeleton order (by class_id where the ids allow it); None if a number is not finite."""
    if len(keypoints) > MAX_KEYPOINTS or not all(shapes.finite(k.x, k.y, k.confidence) for k in keypoints):
        return None
    points = [shapes.point(k.x * sx, k.y * sy, k.confidence) for k in keypoints]
    ids = [
        k.class_id if k.class_id is not None and 0 <= k.class_id < MAX_KEYPOINTS else -1 for k in keypoints
    ]
    if not points or min(ids) < 0 or len(set(ids)) != len(ids):
        return points
    slots = [shapes.MISSING_POINT] * (max(ids) + 1)
    for i, p in zip(ids, points, strict=True):
        slots[i] = p
    return slots


def _scale(image: Any, width: int, height: int) -> tuple[float, float]:
    """Factors from the size the server saw to the displayed size (1, 1 when they agree or it is not said)."""
    if isinstance(image, list) and image:
        image = image[0]
    if not isinstance(image, dict):
        return 1.0, 1.0
    try:
        size = _Size.model_validate(image)
    except ValueError:
        return 1.0, 1.0
    if not shapes.finite(size.width, size.height) or size.width <= 0 or size.height <= 0 or width <= 0:
        return 1.0, 1.0
    return width / size.width, height / size.height


def _server_info(send: Send) -> _ServerInfo | None:
    """The self-hosted server's name and version; None where there is no such route (the hosted API)."""
    try:
        raw = send(HttpRequest("GET", "/info")).json()
    except InferenceError as e:
        if e.failure == Failure.HTTP and e.status in (404, 405):
            return None
        raise
    try:
        return _ServerInfo.model_validate(raw)
    except ValueError:
        # Something answered /info, but not a Roboflow Inference server: a web page, a proxy, another service.
        raise InferenceError(
            f"the server's /info is not Roboflow Inference's server information ({shapes.keys_of(raw) if raw is not None else 'not JSON'}): "
            "is the URL the inference server's?"
        ) from None


def _registry_task(send: Send, model: str) -> Task | None:
    """The task of the model if the server has it loaded (its registry says)."""
    try:
        raw = send(HttpRequest("GET", "/model/registry")).json()
    except InferenceError as e:
        if e.failure == Failure.HTTP:
            return None
        raise
    models = raw.get("models") if isinstance(raw, dict) else None
    for m in models if isinstance(models, list) else []:
        if isinstance(m, dict) and m.get("model_id") == model:
            return TASK_TYPES.get(str(m.get("task_type")))
    return None


class RoboflowAdapter:
    """Roboflow Inference, self-hosted or hosted."""

    def describe(self, d: Deployment, send: Send) -> Probe:
        info = _server_info(send)
        task = d.task
        if task is None and info is not None:
            task = _registry_task(send, d.model)
        ids = legacy_ids(d.model)
        model = ModelInfo(name=d.model, version=ids[1] if ids else "", task=task or Task.DETECT)
        extra = {"server": f"{info.name} {info.version}".strip() if info else "hosted API"}
        return Probe(model, extra=extra)

    def infer_request(
        self, d: Deployment, image: ImageInput, request_id: str, floor: float, probe: Probe
    ) -> HttpRequest:
        return infer_request(d, image.data, request_id, floor, probe.model.task)

    def parse_infer(
        self, response: HttpResponse, image: ImageInput, probe: Probe
    ) -> tuple[list[Prediction], int]:
        return parse_infer(shapes.body_json(response.json(), "Roboflow"), image.width, image.height)
