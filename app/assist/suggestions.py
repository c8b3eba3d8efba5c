"""Suggestions: a model's predictions for the image on screen, as shapes of their target tags.

Pure functions over the cached predictions: building them, hiding duplicates and decided ones, and the
threshold filter (which never asks the model again).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.assist.duplicates import same_shape
from app.assist.mapping import KIND_FOR_TASK, Target, resolve
from app.models import (
    Annotation,
    Box,
    Deployment,
    Keypoint,
    Keypoints,
    ModelInfo,
    Polygon,
    PredictedPoint,
    Prediction,
    PredictionSet,
    Tag,
    Task,
)
from app.models.geometry import Geometry, Visibility, clip_to_image
from app.models.prediction import prediction_key
from app.models.tag import TagKind

VISIBLE_SCORE = 0.5  # a predicted keypoint at least this sure is "visible", else "occluded"


@dataclass(frozen=True)
class Suggestion:
    key: str  # stable for the same prediction: decisions (dismissed, committed) are stored under it
    label: str
    score: float
    geometry: Geometry
    target: Target


def suggestion_key(p: Prediction) -> str:
    b = p.box
    return prediction_key(p.label, b.x1, b.y1, b.x2, b.y2)


def build(
    result: PredictionSet, d: Deployment, tags: dict[int, Tag], width: int, height: int
) -> list[Suggestion]:
    """Suggestions for every usable prediction, best first; shapes clipped to the image."""
    kind = KIND_FOR_TASK[result.model.task]
    model = _with_point_names(result)
    targets: dict[str, Target] = {}
    out, seen = [], set()
    for p in sorted(result.predictions, key=lambda p: -p.score):
        geometry = _geometry(p, kind, width, height)
        if geometry is None:
            continue
        key = suggestion_key(p)
        n = 2
        while key in seen:  # identical predictions stay apart
            key, n = f"{suggestion_key(p)}#{n}", n + 1
        seen.add(key)
        if p.label not in targets:
            targets[p.label] = resolve(p.label, d, model, tags)
        out.append(Suggestion(key, p.label, p.score, geometry, targets[p.label]))
    return out


def _with_point_names(result: PredictionSet) -> ModelInfo:
    """A keypoint model that names its points only in its answers (or not at all) gets names from there, so
    its tag has as many points as its suggestions."""
    model = result.model
    if model.task != Task.KEYPOINTS or model.keypoint_names:
        return model
    longest = max(
        (p for p in result.predictions if p.keypoints), key=lambda p: len(p.keypoints or ()), default=None
    )
    if longest is None or not longest.keypoints:
        return model
    names = longest.keypoint_names or ()
    if len(names) != len(longest.keypoints):
        names = tuple(f"point {i + 1}" for i in range(len(longest.keypoints)))
    return model.model_copy(update={"keypoint_names": names})


def _geometry(p: Prediction, kind: TagKind, width: int, height: int) -> Geometry | None:
    """The prediction as a shape of the tag kind, inside the image; None if nothing of it is inside."""
    box = clip_to_image(p.box, width, height)
    assert isinstance(box, Box)
    if box.width <= 0 or box.height <= 0:
        return None
    if kind == TagKind.POLYGON and p.polygon is not None:
        polygon = clip_to_image(p.polygon, width, height)
        assert isinstance(polygon, Polygon)
        return polygon if polygon.bounds().width > 0 and polygon.bounds().height > 0 else None
    if kind == TagKind.POLYGON:
        return Polygon(points=((box.x1, box.y1), (box.x2, box.y1), (box.x2, box.y2), (box.x1, box.y2)))
    if kind == TagKind.KEYPOINTS and p.keypoints:
        points = tuple(_placed(k, width, height) for k in p.keypoints)
        if not any(k.v != Visibility.UNLABELLED for k in points):
            return None
        return Keypoints(points=points)
    if kind == TagKind.KEYPOINTS:
        return None  # a keypoint model's answer without keypoints has nothing to place
    return box


def _placed(k: PredictedPoint, width: int, height: int) -> Keypoint:
    """A predicted point as a keypoint: visible when the model is sure, unplaced outside the image."""
    if not (0 <= k.x <= width and 0 <= k.y <= height):
        return Keypoint()
    return Keypoint(x=k.x, y=k.y, v=Visibility.VISIBLE if k.score >= VISIBLE_SCORE else Visibility.OCCLUDED)


def duplicates(suggestions: Iterable[Suggestion], annotations: Iterable[Annotation]) -> set[str]:
    """Keys of suggestions that an annotation of the same tag already covers.

    Bounds are compared all at once (numpy); only pairs whose bounds overlap get the exact comparison, so a
    thousand suggestions over a thousand annotations stay cheap.
    """
    import numpy as np

    by_tag: dict[int, list[Annotation]] = {}
    for a in annotations:
        by_tag.setdefault(a.tag_id, []).append(a)
    groups: dict[int, list[Suggestion]] = {}
    for s in suggestions:
        tag = s.target.tag
        if tag is not None and tag.id is not None and tag.id in by_tag:
            groups.setdefault(tag.id, []).append(s)
    out = set()
    for tag_id, group in groups.items():
        existing = by_tag[tag_id]
        sb = np.array([_bounds(s.geometry) for s in group])
        ab = np.array([_bounds(a.geometry) for a in existing])
        ix = np.minimum(sb[:, None, 2], ab[None, :, 2]) - np.maximum(sb[:, None, 0], ab[None, :, 0])
        iy = np.minimum(sb[:, None, 3], ab[None, :, 3]) - np.maximum(sb[:, None, 1], ab[None, :, 1])
        overlapping = (ix >= 0) & (iy >= 0)
        for i, j in zip(*np.nonzero(overlapping), strict=True):
            s = group[i]
            if s.key not in out and same_shape(s.geometry, existing[j].geometry):
                out.add(s.key)
    return out


def _bounds(g: Geometry) -> tuple[float, float, float, float]:
    b = g.bounds()
    return b.x1, b.y1, b.x2, b.y2


def candidates(suggestions: list[Suggestion], hidden: set[str]) -> list[Suggestion]:
    """Suggestions that may be shown at some threshold: not ignored, duplicated or decided."""
    return [s for s in suggestions if not s.target.ignored and s.key not in hidden]


def above(suggestions: list[Suggestion], threshold: float) -> list[Suggestion]:
    """The threshold filter (suggestions are sorted best first)."""
    return [s for s in suggestions if s.score >= threshold]
