"""One image's suggestions matched with its final annotations, as the quality figures count them
(app/store/quality.py); and the precision/recall curve those counts give at every slider step.

A cached answer is read straight from its JSON, in one pass, without building models: its suggestions keyed,
ordered and placed as app/assist/suggestions.py builds them. A project of 100,000 images has a million
suggestions, so the pass makes as little as it can: a key only until every decision on the answer is found,
a shape only for a suggestion an annotation might cover.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

from app.models import Keypoints, Polygon
from app.models.geometry import Box
from app.models.overlap import bounds_iou as _box_iou
from app.models.overlap import keypoint_distance, polygon_iou
from app.models.prediction import prediction_key
from app.models.quality import ThresholdPoint

COMMITTED, DISMISSED = "committed", "dismissed"
FOUND_IOU = 0.5  # an undecided suggestion is found when an annotation of its tag covers it this well
STEPS = 101  # the confidence slider's positions, 0.00 to 1.00
Bounds = tuple[float, float, float, float]
_SCORE = itemgetter("score")
_SHAPES: dict[str, type[Box | Polygon | Keypoints]] = {"box": Box, "polygon": Polygon, "keypoints": Keypoints}


class Final(NamedTuple):
    """An annotation of the image as the project has it now."""

    id: int
    tag_id: int
    geometry: str  # JSON
    suggestion: str | None = None  # the key of the answer's suggestion it was committed from


class Decision(NamedTuple):
    key: str
    decision: str
    tag_id: int | None  # a commit: the tag and shape as committed
    geometry: str | None
    image_id: int | None  # the image it was taken on (None: kept before images were recorded)
    time: str
    who: str


@dataclass
class LabelCounts:
    committed: int = 0
    as_is: int = 0
    edited: int = 0
    deleted: int = 0
    dismissed: int = 0
    ious: list[float] = field(default_factory=list)
    keypoint_px: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)  # one a suggestion
    hits: list[bool] = field(default_factory=list)  # whether it was found

    @property
    def suggested(self) -> int:
        return len(self.scores)

    @property
    def found(self) -> int:
        return sum(self.hits)


@dataclass
class ImageMatch:
    """What one image adds up to besides the counts per label: the model that answered, its annotations no
    suggestion found, per tag (misses, where the tag is one of the model's labels'), and how many committed
    suggestions were corrected afterwards (edited or deleted)."""

    model: str = ""
    labels: tuple[str, ...] = ()
    left: dict[int, int] = field(default_factory=dict)
    corrected: int = 0


def count_answer(
    text: str,
    size: tuple[int, int],
    image_id: int,
    decisions: Mapping[str, Decision],
    finals: list[Final],
    label_tag: Mapping[str, int | None],
    counts: dict[str, LabelCounts],
    bounds: dict[int, Bounds],
    ignored: frozenset[str] = frozenset(),
) -> ImageMatch:
    """Count one image's answer into `counts` (by label): its decided suggestions by their decisions, then the
    undecided ones against the annotations the decided ones did not account for. `label_tag` gives every
    label's tag; `bounds` keeps each annotation's bounds once read (by id), for the next version."""
    data = json.loads(text)
    model = data.get("model") or {}
    result = ImageMatch(model.get("name", ""), tuple(model.get("labels") or ()))
    task = model.get("task", "detect")
    width, height = size
    sized = width > 0 and height > 0  # an image whose size is not known yet is not clipped
    by_tag: dict[int, list[Final]] = {}
    linked: dict[str, Final] = {}
    for f in finals:
        by_tag.setdefault(f.tag_id, []).append(f)
        if f.suggestion is not None:
            linked.setdefault(f.suggestion, f)
    used: set[int] = set()
    undecided: list[tuple[Bounds, str, list[bool], int]] = []
    keys_left, seen = len(decisions), set[str]()
    # reverse=True keeps equal scores in their order, as sorting by -score does on screen
    for p in sorted(data.get("predictions") or (), key=_SCORE, reverse=True):
        b = p["box"]
        x1, y1, x2, y2 = b["x1"], b["y1"], b["x2"], b["y2"]
        if sized and not (x1 >= 0 and y1 >= 0 and x2 <= width and y2 <= height):
            x1, x2 = min(max(x1, 0.0), width), min(max(x2, 0.0), width)
            y1, y2 = min(max(y1, 0.0), height), min(max(y2, 0.0), height)
        if x2 <= x1 or y2 <= y1:
            continue  # nothing of it is inside the image: never shown
        shown: Bounds | None = (x1, y1, x2, y2)
        if task != "detect" and (shown := _shape_bounds(p, task, width, height, sized)) is None:
            continue
        label = p["label"]
        if label in ignored:
            continue
        d = None
        if keys_left:
            key = base = prediction_key(label, b["x1"], b["y1"], b["x2"], b["y2"])
            n = 2
            while key in seen:  # identical predictions stay apart, as on screen
                key, n = f"{base}#{n}", n + 1
            seen.add(key)
            d = decisions.get(key)
            if d is not None:
                keys_left -= 1
                if d.image_id not in (None, image_id):
                    d = None  # decided on another image of the same content
        c = counts.get(label)
        if c is None:
            c = counts[label] = LabelCounts()
        c.scores.append(p["score"])
        if d is None:
            if label_tag[label] in by_tag:
                undecided.append((shown, label, c.hits, len(c.hits)))  # type: ignore[arg-type]
            c.hits.append(False)
        else:
            c.hits.append(_decided(d, linked.get(d.key), label_tag[label], c, used, result))
    pools = {tag: [a for a in group if a.id not in used] for tag, group in by_tag.items()}
    for shown, label, hits, i in undecided:
        pool = pools[label_tag[label]]  # type: ignore[index]
        best = _best_cover(shown, pool, bounds) if pool else None
        if best is not None:
            pool.remove(best)
            hits[i] = True
    result.left = {tag: len(pool) for tag, pool in pools.items() if pool}
    return result


def _best_cover(shown: Bounds, pool: list[Final], bounds: dict[int, Bounds]) -> Final | None:
    """The annotation that covers a suggestion best, if one does well enough (bounds IoU, inline: it runs for
    every pair)."""
    best: Final | None = None
    best_iou = FOUND_IOU
    x1, y1, x2, y2 = shown
    area = (x2 - x1) * (y2 - y1)
    for a in pool:
        b = bounds.get(a.id)
        if b is None:
            b = bounds[a.id] = geometry_bounds(a.geometry)
        iw, ih = min(x2, b[2]) - max(x1, b[0]), min(y2, b[3]) - max(y1, b[1])
        if iw <= 0 or ih <= 0:
            continue
        union = area + (b[2] - b[0]) * (b[3] - b[1]) - iw * ih
        if union > 0 and iw * ih / union >= best_iou:
            best, best_iou = a, iw * ih / union
    return best


def _shape_bounds(p: dict, task: str, width: int, height: int, sized: bool) -> Bounds | None:
    """The bounds of a keypoint or polygon suggestion as shown inside the image; None when none of it is."""
    if task == "keypoints":
        points = [
            (k["x"], k["y"])
            for k in p.get("keypoints") or ()
            if not sized or (0 <= k["x"] <= width and 0 <= k["y"] <= height)
        ]
        if not points:
            return None
        xs, ys = [x for x, _ in points], [y for _, y in points]
        return min(xs), min(ys), max(xs), max(ys)
    polygon = p.get("polygon")
    b = p["box"]
    if task != "segment" or not polygon:
        xs, ys = [b["x1"], b["x2"]], [b["y1"], b["y2"]]
    else:
        xs, ys = [x for x, _ in polygon["points"]], [y for _, y in polygon["points"]]
    if sized:
        xs = [min(max(x, 0.0), width) for x in xs]
        ys = [min(max(y, 0.0), height) for y in ys]
    if max(xs) <= min(xs) or max(ys) <= min(ys):
        return None
    return min(xs), min(ys), max(xs), max(ys)


def geometry_bounds(text: str) -> Bounds:
    g = json.loads(text)
    if g["type"] == "box":
        return g["x1"], g["y1"], g["x2"], g["y2"]
    if g["type"] == "polygon":
        xs, ys = [x for x, _ in g["points"]], [y for _, y in g["points"]]
    else:
        placed = [k for k in g["points"] if k.get("v", 0)] or g["points"]
        xs, ys = [k.get("x", 0.0) for k in placed], [k.get("y", 0.0) for k in placed]
    return min(xs), min(ys), max(xs), max(ys)


def _decided(
    d: Decision, a: Final | None, label_tag: int | None, c: LabelCounts, used: set[int], result: ImageMatch
) -> bool:
    """Count a decided suggestion; True when its annotation is still there under its tag (found)."""
    if d.decision == DISMISSED:
        c.dismissed += 1
        return False
    if d.decision != COMMITTED:
        return False
    c.committed += 1
    tag = d.tag_id if d.tag_id is not None else label_tag
    if a is None:
        c.deleted += 1
        result.corrected += 1
        return False
    if a.tag_id == tag and (d.geometry is None or a.geometry == d.geometry):
        c.as_is += 1
    else:
        c.edited += 1
        result.corrected += 1
        _measure_edit(d.geometry, a.geometry, c)
    if a.tag_id != tag:
        return False
    used.add(a.id)
    return True


def _measure_edit(before: str | None, after: str, c: LabelCounts) -> None:
    if before is None:
        return
    a, b = json.loads(before), json.loads(after)
    if a.get("type") != b.get("type") or a.get("type") not in _SHAPES:
        return
    if a["type"] == "box":  # the common case, without building models
        c.ious.append(_box_iou((a["x1"], a["y1"], a["x2"], a["y2"]), (b["x1"], b["y1"], b["x2"], b["y2"])))
        return
    ga, gb = _SHAPES[a["type"]].model_validate(a), _SHAPES[b["type"]].model_validate(b)
    if isinstance(ga, Keypoints) and isinstance(gb, Keypoints):
        distance = keypoint_distance(ga, gb)
        if distance is not None:
            c.keypoint_px.append(distance)
    elif isinstance(ga, Polygon) and isinstance(gb, Polygon):
        c.ious.append(polygon_iou(ga, gb))


def curve(
    scores: list[float], hits: list[bool], truth: int
) -> tuple[tuple[ThresholdPoint, ...], ThresholdPoint | None]:
    """Precision and recall at every slider step (suggestions at or above it), and the step with the highest
    F1 (the strictest of equals); `truth` is how many annotations there are to find."""
    import numpy as np

    order = np.argsort(scores, kind="stable")
    ranked = np.asarray(scores, dtype=float)[order]
    found_below = np.concatenate(([0], np.cumsum(np.asarray(hits, dtype=int)[order])))
    steps = np.array([i / 100 for i in range(STEPS)])  # the slider's own values: score >= value is shown
    first = np.searchsorted(ranked, steps, side="left")
    points, best = [], None
    for i, t in enumerate(steps):
        suggested = len(ranked) - int(first[i])
        found = int(found_below[-1] - found_below[first[i]])
        precision = found / suggested if suggested else None
        recall = found / truth if truth else None
        f1 = None
        if recall is not None:
            p = precision or 0.0
            f1 = 2 * p * recall / (p + recall) if p + recall > 0 else 0.0
        point = ThresholdPoint(
            threshold=float(t), suggested=suggested, found=found, precision=precision, recall=recall, f1=f1
        )
        points.append(point)
        if f1 is not None and f1 > 0 and (best is None or f1 >= best.f1):  # type: ignore[operator]
            best = point
    return tuple(points), best
