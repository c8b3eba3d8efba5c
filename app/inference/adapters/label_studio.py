"""Label Studio ML backends (label-studio-ml-backend, versions 1 and 2).

What the user fills in: the backend's URL (``http://localhost:9090``); a model name of their choosing; the
task (which control tag the backend is asked to fill); the label map, whose names are the labels the
backend is asked for; a token only if the backend sits behind a proxy that wants one (the backend's own
basic auth is not supported).

What this relies on (github.com/HumanSignal/label-studio-ml-backend, ``label_studio_ml/api.py`` and
``response.py``; labelstud.io tag reference for RectangleLabels, PolygonLabels and KeyPointLabels):

- ``GET /health`` answers ``{"status": "UP", …}`` (``model_class`` in version 2).
- ``POST /setup`` with ``{"project", "schema": <XML>}`` builds the model for a project's labelling config,
  as Label Studio sends it when a backend is connected; label-studio-ml 1.x refuses ``/predict`` until then
  (500 "Model is not loaded … run setup()"). The probe asks the client to send it (once, not on every
  poll). ``project`` is Label Studio's ``{id}.{created}``, made here from the deployment's name: legacy
  backends keep one model per project and fail without it.
- ``POST /predict`` takes ``{"tasks": [{"id", "data": {"image": <url>}}], "label_config": <XML>}``. The
  backend fetches the image itself, so the app serves it from a short-lived loopback URL. The labelling
  config is built here: an ``Image`` named ``image`` with value ``$image`` and one control tag for the
  task, listing the labels and carrying the confidence floor as ``score_threshold`` (which the YOLO
  example backend reads from the control tag).
- The answer is ``{"results": [...], "model_version"?}`` with one entry per task: a prediction
  ``{"result": [regions], "score", "model_version"?}`` or, in version 2, a list of such predictions.
- Regions: ``type`` ``rectanglelabels`` (``value.x``, ``y`` = top-left corner before rotation, ``width``,
  ``height``, all percent of the image, ``rotation`` in degrees clockwise about that corner),
  ``polygonlabels`` (``value.points`` as [x%, y%]) and ``keypointlabels`` (``value.x``, ``y`` in percent,
  one region per point, tied to its instance's rectangle by ``parentID``, as the YOLO example does).
  ``score`` per region, else the prediction's. Other region types (choices, brushes, text) are skipped.
"""

from __future__ import annotations

import json
import math
import zlib
from typing import Any
from xml.sax.saxutils import quoteattr

from pydantic import BaseModel, ConfigDict, Field

from app.inference.adapters import shapes
from app.inference.adapters.base import HttpRequest, HttpResponse, ImageInput, Probe, Send
from app.inference.errors import InferenceError
from app.models import Deployment, ModelInfo, PredictedPoint, Prediction, Task

SETUP_FLOOR = 0.05  # the confidence floor the app asks at, for the config the backend is set up with
CONTROLS = {Task.DETECT: "RectangleLabels", Task.SEGMENT: "PolygonLabels", Task.KEYPOINTS: "KeyPointLabels"}
SHAPES = ("rectanglelabels", "polygonlabels", "keypointlabels")

_IGNORE = ConfigDict(extra="ignore")


class _Health(BaseModel):
    model_config = _IGNORE
    status: str = ""
    model_class: str = ""


class _Region(BaseModel):
    model_config = _IGNORE
    id: str | int | None = None
    type: str
    value: dict[str, Any]
    score: float | None = None
    parent_id: str | int | None = Field(None, alias="parentID")
    meta: dict[str, Any] | None = None

    def label(self) -> str:
        names = self.value.get(self.type)
        return shapes.label(names[0] if isinstance(names, list) and names else names)


class _Rect(BaseModel):
    model_config = _IGNORE
    x: float
    y: float
    width: float
    height: float
    rotation: float = 0.0


class _PolygonValue(BaseModel):
    model_config = _IGNORE
    points: list[tuple[float, float]]


class _PointValue(BaseModel):
    model_config = _IGNORE
    x: float
    y: float


def label_config(task: Task, labels: tuple[str, ...], floor: float) -> str:
    items = "".join(f"<Label value={quoteattr(name)}/>" for name in labels)
    control = CONTROLS[task]
    return (
        f'<View><Image name="image" value="$image"/><{control} name="label" toName="image" '
        f'score_threshold="{floor:g}">{items}</{control}></View>'
    )


def project_id(d: Deployment) -> str:
    """A Label Studio project id (``{id}.{created}``) that stays the same for the deployment."""
    return f"{zlib.crc32(d.name.encode()) & 0x7FFFFFFF}.0"


def setup_request(project: str, task: Task, labels: tuple[str, ...]) -> HttpRequest:
    body = {"project": project, "schema": label_config(task, labels, SETUP_FLOOR), "hostname": ""}
    return HttpRequest("POST", "/setup", json.dumps(body).encode(), {"Content-Type": "application/json"})


def predict_request(
    url: str, request_id: str, task: Task, labels: tuple[str, ...], floor: float, project: str = ""
) -> HttpRequest:
    # Label Studio task ids are numbers; this one is stable for the request id.
    task_id = zlib.crc32(request_id.encode()) & 0x7FFFFFFF
    body: dict[str, Any] = {
        "tasks": [{"id": task_id, "data": {"image": url}}],
        "label_config": label_config(task, labels, floor),
    }
    if project:
        body["project"] = project
    return HttpRequest("POST", "/predict", json.dumps(body).encode(), {"Content-Type": "application/json"})


def _regions(raw: Any) -> tuple[list[Any], float | None]:
    """The first task's regions (all its predictions together) and the prediction score."""
    results = raw.get("results") if isinstance(raw, dict) else None
    if not isinstance(results, list):
        raise InferenceError(f"the Label Studio backend answer has no 'results' list ({shapes.keys_of(raw)})")
    if not results:
        return [], None
    first = results[0]
    predictions = first if isinstance(first, list) else [first]
    regions: list[Any] = []
    score = None
    for p in predictions:
        if not isinstance(p, dict) or not isinstance(p.get("result"), list):
            raise InferenceError(
                "a Label Studio prediction should be an object with a 'result' list of "
                f"regions ({shapes.keys_of(p)})"
            )
        regions.extend(p["result"])
        if score is None and isinstance(p.get("score"), int | float):
            # an integer too large for a float is no score: inf, so its regions are dropped as invalid
            score = float(p["score"]) if abs(p["score"]) < 2**1023 else math.inf
    return regions, score


def parse_predict(
    raw: Any, width: int, height: int, keypoint_names: tuple[str, ...] = ()
) -> tuple[list[Prediction], int]:
    """Predictions in image pixels from a backend's answer, and how many were dropped as invalid."""
    items, prediction_score = _regions(raw)
    shapes.check_count(len(items), "the Label Studio backend")
    regions: list[_Region] = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") in SHAPES:
            regions.append(shapes.validate(_Region, item, f"Label Studio region {i + 1}"))
    sx, sy = width / 100.0, height / 100.0
    dropped = 0
    boxes: dict[str, Prediction] = {}
    order: list[str] = []
    groups: dict[str, list[tuple[str, PredictedPoint]]] = {}
    for n, r in enumerate(regions):
        conf = r.score if r.score is not None else prediction_score if prediction_score is not None else 1.0
        name = r.label()
        key = str(r.id) if r.id is not None else f"#{n}"
        if r.type == "keypointlabels":
            v = shapes.validate(_PointValue, r.value, f"Label Studio keypoint {n + 1}")
            if not shapes.finite(v.x, v.y, conf):
                dropped += 1
                continue
            parent = str(r.parent_id) if r.parent_id is not None else _meta_group(r)
            groups.setdefault(parent, []).append((name, shapes.point(v.x * sx, v.y * sy, conf)))
            continue
        made = (
            _rectangle(r, name, conf, sx, sy, n)
            if r.type == "rectanglelabels"
            else _polygon(r, name, conf, sx, sy, n)
        )
        if made is None:
            dropped += 1
            continue
        boxes[key] = made
        order.append(key)
    out = []
    for key in order:
        p = boxes[key]
        if key in groups:
            members = groups.pop(key)
            p = p.model_copy(
                update={
                    "keypoints": tuple(_ordered(members, keypoint_names)),
                    "keypoint_names": _names(members, keypoint_names),
                }
            )
        out.append(p)
    for members in groups.values():  # points without a rectangle: one instance per group
        points = _ordered(members, keypoint_names)
        placed = [(k.x, k.y) for k in points if k is not shapes.MISSING_POINT]
        conf = max(k.score for k in points)
        out.append(
            shapes.prediction(
                "keypoints", conf, shapes.bounds(placed), None, points, _names(members, keypoint_names)
            )
        )
    return out, dropped


def _meta_group(r: _Region) -> str:
    """The YOLO example also names each point's instance in meta.text ("bbox-0"); "" groups the rest."""
    text = (r.meta or {}).get("text")
    return f"meta:{text[0]}" if isinstance(text, list) and text and isinstance(text[0], str) else ""


def _rectangle(r: _Region, name: str, conf: float, sx: float, sy: float, n: int) -> Prediction | None:
    v: _Rect = shapes.validate(_Rect, r.value, f"Label Studio rectangle {n + 1}")
    if not shapes.finite(v.x, v.y, v.width, v.height, v.rotation, conf):
        return None
    x, y, w, h = v.x * sx, v.y * sy, v.width * sx, v.height * sy
    if math.isclose(math.remainder(v.rotation, 360.0), 0.0, abs_tol=1e-9):
        return shapes.prediction(name, conf, shapes.box(x, y, x + w, y + h))
    a = math.radians(v.rotation)
    cos, sin = math.cos(a), math.sin(a)
    corners = [
        (x + dx * cos - dy * sin, y + dx * sin + dy * cos) for dx, dy in ((0, 0), (w, 0), (w, h), (0, h))
    ]
    return shapes.prediction(name, conf, shapes.bounds(corners), shapes.polygon(corners))


def _polygon(r: _Region, name: str, conf: float, sx: float, sy: float, n: int) -> Prediction | None:
    v: _PolygonValue = shapes.validate(_PolygonValue, r.value, f"Label Studio polygon {n + 1}")
    if len(v.points) > shapes.MAX_POINTS or not shapes.finite(conf, *(c for pt in v.points for c in pt)):
        return None
    points = [(x * sx, y * sy) for x, y in v.points]
    poly = shapes.polygon(points)
    if poly is None:
        return None
    return shapes.prediction(name, conf, shapes.bounds(points), poly)


def _ordered(members: list[tuple[str, PredictedPoint]], names: tuple[str, ...]) -> list[PredictedPoint]:
    """Points in the model's keypoint order where it names them all; else as the backend listed them."""
    by_name = dict(members)
    if names and set(by_name) <= set(names):
        return [by_name.get(n, shapes.MISSING_POINT) for n in names]
    return [p for _, p in members]


def _names(members: list[tuple[str, PredictedPoint]], names: tuple[str, ...]) -> tuple[str, ...]:
    """The names of the points as _ordered put them."""
    by_name = dict(members)
    if names and set(by_name) <= set(names):
        return names
    return tuple(n for n, _ in members)


class LabelStudioAdapter:
    """Label Studio ML backend."""

    def describe(self, d: Deployment, send: Send) -> Probe:
        raw = shapes.body_json(send(HttpRequest("GET", "/health")).json(), "Label Studio backend health")
        health: _Health = shapes.validate(_Health, raw, "the Label Studio backend health answer")
        if health.status.upper() != "UP":
            raise InferenceError(
                f"the Label Studio backend says its status is {health.status or 'empty'!r}, not 'UP'"
            )
        # The labels the deployment was given (the project's tags when it was added), else its mapping's.
        labels = d.labels or tuple(name for name in d.label_map if name.strip())
        task = d.task or Task.DETECT
        model = ModelInfo(name=health.model_class or d.model, task=task, labels=labels)
        return Probe(model, setup=setup_request(project_id(d), task, labels))

    def infer_request(
        self, d: Deployment, image: ImageInput, request_id: str, floor: float, probe: Probe
    ) -> HttpRequest:
        if not image.url:
            raise InferenceError(
                "a Label Studio ML backend fetches images by URL, and this image has none; "
                "LabelAssist needs to share it on a local address first"
            )
        return predict_request(
            image.url, request_id, probe.model.task, probe.model.labels, floor, project_id(d)
        )

    def parse_infer(
        self, response: HttpResponse, image: ImageInput, probe: Probe
    ) -> tuple[list[Prediction], int]:
        raw = shapes.body_json(response.json(), "Label Studio backend")
        return parse_predict(raw, image.width, image.height, probe.model.keypoint_names)
