"""Intelligent Scissors (OpenCV's IntelligentScissorsMB): the labeller clicks along the object's edge and
the outline follows the strongest edges from click to click, closing back to the first. Built in, no weights.

The view is taken at reduced size once per outline; zoomed in, the outline follows finer edges. Each click
costs one map of shortest paths from the click before it; a second instance keeps the map from the first
click, so closing the outline costs nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from app.segment.engine import Mask, Picture, Prompt, Rect, Region, take_region

WORK_SIDE = 768  # the view is followed at most this large (a map of paths ≈0.1 s here)
CANNY = (32, 100)
MAX_GRADIENT = 200


def _scissors(pixels: np.ndarray) -> cv2.segmentation.IntelligentScissorsMB:
    tool = cv2.segmentation.IntelligentScissorsMB()
    tool.setEdgeFeatureCannyParameters(*CANNY)
    tool.setGradientMagnitudeMaxLimit(MAX_GRADIENT)
    tool.applyImage(pixels)
    return tool


@dataclass
class _Trace:
    """One view's working copy, its two path finders and the paths found so far."""

    region: Region
    segments: cv2.segmentation.IntelligentScissorsMB
    closing: cv2.segmentation.IntelligentScissorsMB
    segment_source: tuple[int, int] | None = None
    closing_source: tuple[int, int] | None = None
    paths: dict[tuple[tuple[int, int], tuple[int, int]], np.ndarray] = field(default_factory=dict)


class ScissorsState:
    """What `prepare` returns: the trace of the view in use (a new view starts a new one)."""

    def __init__(self) -> None:
        self.view: Rect | None = None
        self.trace: _Trace | None = None


class ScissorsEngine:
    id = "scissors"
    title = "Intelligent Scissors (built in, follows edges)"
    uses_box = False

    def prepare(self, picture: Picture) -> object:
        return ScissorsState()

    def segment(self, picture: Picture, prepared: object, prompt: Prompt, view: Rect) -> Mask:
        assert isinstance(prepared, ScissorsState)
        if prepared.view != view or prepared.trace is None:
            region = take_region(picture, view, WORK_SIDE)
            prepared.view = view
            prepared.trace = _Trace(region, _scissors(region.pixels), _scissors(region.pixels))
        trace = prepared.trace
        region = trace.region
        h, w = region.pixels.shape[:2]
        clicks = [_pixel(region, p, w, h) for p in prompt.positive]
        clicks = [p for i, p in enumerate(clicks) if i == 0 or p != clicks[i - 1]]
        if len(clicks) < 3:
            return region.mask(np.zeros((h, w), bool))
        ring = [_path(trace, a, b) for a, b in zip(clicks, clicks[1:], strict=False)]
        ring.append(_closing(trace, clicks[0], clicks[-1]))
        outline = np.concatenate(ring).astype(np.int32).reshape(-1, 1, 2)
        filled = np.zeros((h, w), np.uint8)
        cv2.fillPoly(filled, [outline], 1)
        return region.mask(filled.astype(bool))


def _pixel(region: Region, p: tuple[float, float], w: int, h: int) -> tuple[int, int]:
    x, y = region.from_image(*p)
    return min(max(int(x), 0), w - 1), min(max(int(y), 0), h - 1)


def _path(trace: _Trace, a: tuple[int, int], b: tuple[int, int]) -> np.ndarray:
    """The edge-following path from click a to click b."""
    path = trace.paths.get((a, b))
    if path is None:
        if trace.segment_source != a:
            trace.segments.buildMap(a)
            trace.segment_source = a
        path = _ordered(trace.segments.getContour(b), a)
        trace.paths[(a, b)] = path
    return path


def _closing(trace: _Trace, first: tuple[int, int], last: tuple[int, int]) -> np.ndarray:
    """The path from the last click back to the first, from the map kept for the first click."""
    if trace.closing_source != first:
        trace.closing.buildMap(first)
        trace.closing_source = first
    return _ordered(trace.closing.getContour(last), last)


def _ordered(contour: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    """The contour as (N, 2) points beginning at `start`'s end (OpenCV versions differ in direction)."""
    points = np.asarray(contour).reshape(-1, 2)
    if len(points) > 1:
        head, tail = points[0], points[-1]
        if (tail[0] - start[0]) ** 2 + (tail[1] - start[1]) ** 2 < (head[0] - start[0]) ** 2 + (
            head[1] - start[1]
        ) ** 2:
            points = points[::-1]
    return points
