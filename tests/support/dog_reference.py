"""The dog in the sample photo dog.jpg (768 × 576), outlined by hand (dog_outline.json), and the IoU of a
found outline with it: what the segmentation tests measure GrabCut and the scissors against."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from app.models.geometry import Polygon

DOG_OUTLINE: list[tuple[float, float]] = [
    (float(x), float(y))
    for x, y in json.loads((Path(__file__).with_name("dog_outline.json")).read_text())["polygon"]
]
THREE_CLICKS = ((265.0, 265.0), (285.0, 345.0), (215.0, 515.0))  # head, white chest, tail
DOG_BOX = (125.0, 215.0, 315.0, 545.0)


def _filled(points: object, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [(np.array(points, np.float64) * scale).round().astype(np.int32)], 1)
    return mask.astype(bool)


def dog_iou(polygon: Polygon, scale: float = 1.0) -> float:
    """IoU of a polygon with the hand-traced outline (the photo and the outline scaled by `scale`)."""
    shape = (round(576 * scale), round(768 * scale))
    found, truth = _filled(polygon.points, shape), _filled(DOG_OUTLINE, shape, scale)
    return float((found & truth).sum() / (found | truth).sum())
