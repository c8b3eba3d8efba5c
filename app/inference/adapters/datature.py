"""Datature Nexus API deployments.

What the user fills in: the deployment's address without ``/predict`` (e.g.
``https://asia.inference.datature.io/<deployment id>``); a model name of their choosing; the task for
segmentation and keypoint models; the deployment secret as a Bearer token.

What this relies on:

- developers.datature.io, "Using and Managing Your Deployed API": ``POST <deployment>/predict`` with a
  Bearer secret and a JSON body of ``image_type`` and ``data``; the answer's predictions carry
  ``annotationId``, ``bound`` as the box corners ``[[xmin, ymin], [xmin, ymax], [xmax, ymax], [xmax, ymin]]``,
  ``boundType``, ``tag`` and ``confidence``.
- Datature's Portal (github.com/datature/portal, ``server/models/endpoint_model.py``), their own client of
  these deployments: it sends ``{"image_type": "base_64", "data": <base64>}``, reads ``predictions`` (older
  deployments answer with the bare list), takes ``bound`` corners 0 and 2, scales ``contour`` points by the
  image width and height (they are normalised 0–1, as ``bound`` is), reads ``tag.id`` / ``tag.name``, and
  loads the class list from ``GET <deployment>/classes`` as ``{"<id>": {"name": …}, …}``.
- Datature's Python SDK prediction types (``Prediction``: ``confidence``, ``tag``, ``bound``, ``boundType``,
  ``contour``, ``contourType``, ``keypoints``, ``keypointConfidences``; the answer may wrap them as
  ``{"response": {"predictions": …}, "tags": …}``). Keypoints are read as normalised like the rest.

The deployments take no confidence threshold; the app's own slider filters what is shown.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from app.inference.adapters import shapes
from app.inference.adapters.base import HttpRequest, HttpResponse, ImageInput, Probe, Send
from app.inference.errors import InferenceError
from app.models import Box, Deployment, ModelInfo, PredictedPoint, Prediction, Task

LOW, HIGH = -0.5, 1.5  # normalised coordinates a little past the edges are fine; beyond, they are pixels
MAX_KEYPOINTS = 1000

_IGNORE = ConfigDict(extra="ignore")


class _Tag(BaseModel):
    model_config = _IGNORE
    id: int | str | None = None
    name: str | None = None


class _Prediction(BaseModel):
    model_config = _IGNORE
    confidence: float
    tag: _Tag
    bound: list[Any] | None = None
    contour: list[tuple[float, float]] | None = None
    keypoints: list[list[float]] | None = None
    keypoint_confidences: list[float] | None = Field(
        None, validation_alias=AliasChoices("keypointConfidences", "keypoint_confidences")
    )


def predict_request(image: bytes) -> HttpRequest:
    body = {"image_type": "base_64", "data": base64.b64encode(image).decode("ascii")}
    return HttpRequest("POST", "/predict", json.dumps(body).encode(), {"Content-Type": "application/json"})


def classes_request() -> HttpRequest:
    return HttpRequest("GET", "/classes")


def parse_classes(raw: Any) -> tuple[str, ...]:
    """Class names in id order from ``{"<id>": {"name": …}}``, ``{"<id>": "name"}`` or ``[{id, name}]``."""
    entries: list[tuple[Any, Any]]
    if isinstance(raw, dict):
        entries = list(raw.items())
    elif isinstance(raw, list):
        entries = [(e.get("id"), e) for e in raw if isinstance(e, dict)]
    else:
        raise InferenceError(f"the Datature class list should map class ids to names ({shapes.keys_of(raw)})")
    named = []
    for key, value in entries:
        name = value.get("name") if isinstance(value, dict) else value
        if isinstance(name, str) and name.strip():
            named.append((_sort_key(key), shapes.label(name)))
    if entries and not named:
        raise InferenceError(f"the Datature class list names no class ({shapes.keys_of(raw)})")
    return tuple(dict.fromkeys(name for _, name in sorted(named)))


def _sort_key(key: Any) -> tuple[int, str]:
    try:
        return int(key), ""
    except (TypeError, ValueError):
        return 1 << 62, str(key)


def parse_predict(raw: Any, width: int, height: int) -> tuple[list[Prediction], int]:
    """Predictions in image pixels from a Datature answer, and how many were dropped as invalid."""
    items = raw
    if isinstance(raw, dict):
        inner = raw.get("response")
        items = inner.get("predictions") if isinstance(inner, dict) else raw.get("predictions")
    if not isinstance(items, list):
        raise InferenceError(f"the Datature answer has no 'predictions' list ({shapes.keys_of(raw)})")
    shapes.check_count(len(items), "Datature")
    out: list[Prediction] = []
    for i, item in enumerate(items):
        p: _Prediction = shapes.validate(_Prediction, item, f"Datature prediction {i + 1}")
        made = _prediction(p, i, width, height)
        if made is not None:
            out.append(made)
    return out, len(items) - len(out)


def _prediction(p: _Prediction, i: int, width: int, height: int) -> Prediction | None:
    corners = _corners(p.bound, i)
    contour = p.contour or []
    keypoints = p.keypoints or []
    if len(contour) > shapes.MAX_POINTS or len(keypoints) > MAX_KEYPOINTS:
        return None
    kp_xy = [(k[0], k[1]) for k in keypoints if len(k) >= 2]
    if len(kp_xy) != len(keypoints):
        raise InferenceError(f"Datature prediction {i + 1} has a keypoint that is not [x, y]")
    numbers = [v for pt in (*corners, *contour, *kp_xy) for v in pt]
    if not shapes.finite(p.confidence, *numbers, *(p.keypoint_confidences or [])):
        return None
    if any(v < LOW or v > HIGH for v in numbers):
        bad = max(numbers, key=abs)
        raise InferenceError(
            f"Datature prediction {i + 1} has a coordinate of {bad:g}; 'bound', 'contour' and "
            "'keypoints' should be normalised 0–1 (fractions of the image width and height)"
        )
    poly = shapes.polygon([(x * width, y * height) for x, y in contour])
    points: list[PredictedPoint] | None = None
    if kp_xy:
        conf = (
            p.keypoint_confidences
            if p.keypoint_confidences and len(p.keypoint_confidences) == len(kp_xy)
            else None
        )
        points = [
            shapes.point(x * width, y * height, conf[j] if conf else 1.0) for j, (x, y) in enumerate(kp_xy)
        ]
    b: Box
    if corners:
        b = shapes.bounds([(x * width, y * height) for x, y in corners])
    elif poly is not None:
        b = shapes.bounds(poly.points)
    elif points:
        b = shapes.bounds([(k.x, k.y) for k in points])
    else:
        raise InferenceError(f"Datature prediction {i + 1} has no 'bound', 'contour' or 'keypoints'")
    tag_id = f"class {p.tag.id}" if p.tag.id is not None else None
    return shapes.prediction(shapes.label(p.tag.name, tag_id), p.confidence, b, poly, points)


def _corners(bound: list[Any] | None, i: int) -> list[tuple[float, float]]:
    """The box corners from ``[[x, y], …]`` (as documented) or a flat ``[x1, y1, x2, y2]``."""
    if not bound:
        return []
    try:
        if all(isinstance(v, int | float) for v in bound) and len(bound) == 4:
            return [(float(bound[0]), float(bound[1])), (float(bound[2]), float(bound[3]))]
        pairs = [
            (float(pt[0]), float(pt[1])) for pt in bound if isinstance(pt, list | tuple) and len(pt) >= 2
        ]
    except (TypeError, ValueError, OverflowError):
        pairs = []
    if len(pairs) < 2 or len(pairs) != len(bound):
        raise InferenceError(
            f"Datature prediction {i + 1} has a 'bound' that is not a list of [x, y] corners "
            f"(got {json.dumps(bound)[:80]})"
        )
    return pairs


class DatatureAdapter:
    """Datature Nexus API deployments."""

    def describe(self, d: Deployment, send: Send) -> Probe:
        if d.url.rstrip("/").endswith("/predict"):
            raise InferenceError(
                "the Datature deployment URL should end with the deployment id, without "
                "'/predict': LabelAssist adds /predict and /classes itself"
            )
        labels = parse_classes(shapes.body_json(send(classes_request()).json(), "Datature class list"))
        return Probe(ModelInfo(name=d.model, task=d.task or Task.DETECT, labels=labels))

    def infer_request(
        self, d: Deployment, image: ImageInput, request_id: str, floor: float, probe: Probe
    ) -> HttpRequest:
        return predict_request(image.data)

    def parse_infer(
        self, response: HttpResponse, image: ImageInput, probe: Probe
    ) -> tuple[list[Prediction], int]:
        return parse_predict(shapes.body_json(response.json(), "Datature"), image.width, image.height)
