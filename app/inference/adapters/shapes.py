"""Small helpers the JSON adapters share: answers read as dicts and lists, numbers checked, shapes built in
image pixels with ordered corners, clamped scores and usable labels."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from app.inference.errors import InferenceError
from app.models import Box, PredictedPoint, Prediction
from app.models.geometry import Polygon

MAX_PREDICTIONS = 10_000  # per image; longer answers are refused before they are read
MAX_POINTS = 100_000  # vertices in one polygon; more is not an outline anyone can edit
# A keypoint the server left out: placed outside the image, which the app reads as not placed, so the
# others keep their index in the skeleton.
MISSING_POINT = PredictedPoint.model_construct(x=-1.0, y=-1.0, score=0.0)


def body_json(response_json: Any, service: str) -> Any:
    if response_json is None:
        raise InferenceError(f"the {service} answer is not JSON")
    return response_json


def keys_of(value: Any) -> str:
    """What came instead, in a few words: the keys of an object, or the kind of value."""
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:8])
        return f"got keys: {keys}" if keys else "got an empty object"
    if isinstance(value, list):
        return f"got a list of {len(value)}"
    return f"got {type(value).__name__}"


def check_count(n: int, service: str) -> None:
    if n > MAX_PREDICTIONS:
        raise InferenceError(
            f"{service} returned {n:,} predictions for one image; LabelAssist takes at most "
            f"{MAX_PREDICTIONS:,} (raise the model's confidence threshold)"
        )


def validate(model: type[BaseModel], value: Any, what: str) -> Any:
    """The value read as ``model``, or an InferenceError naming the first field that does not fit."""
    try:
        return model.model_validate(value)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "it"
        raise InferenceError(
            f"{what} does not fit: {where}: {err['msg'].lower()} ({keys_of(value)})"
        ) from None


def finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def score(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def label(*candidates: object) -> str:
    """The first non-empty candidate, trimmed to 200 characters; "?" if none is."""
    for c in candidates:
        if c is None:
            continue
        text = " ".join(str(c).split())[:200]
        if text:
            return text
    return "?"


def box(x1: float, y1: float, x2: float, y2: float) -> Box:
    return Box.model_construct(x1=min(x1, x2), y1=min(y1, y2), x2=max(x1, x2), y2=max(y1, y2))


def bounds(points: Sequence[tuple[float, float]]) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return box(min(xs), min(ys), max(xs), max(ys))


def polygon(points: Sequence[tuple[float, float]]) -> Polygon | None:
    """A polygon of three or more vertices, or None."""
    if len(points) < 3 or len(points) > MAX_POINTS:
        return None
    return Polygon.model_construct(points=tuple((float(x), float(y)) for x, y in points))


def point(x: float, y: float, confidence: float = 1.0) -> PredictedPoint:
    return PredictedPoint.model_construct(x=float(x), y=float(y), score=score(confidence))


def prediction(
    name: str,
    confidence: float,
    b: Box,
    poly: Polygon | None = None,
    keypoints: Iterable[PredictedPoint] | None = None,
    keypoint_names: Iterable[str] | None = None,
) -> Prediction:
    """A prediction from values already checked (finite numbers, ordered box, usable label)."""
    return Prediction.model_construct(
        label=name,
        score=score(confidence),
        box=b,
        polygon=poly,
        keypoints=tuple(keypoints) if keypoints is not None else None,
        keypoint_names=tuple(keypoint_names) if keypoint_names else None,
    )
