"""Binary masks as editable outlines: COCO run-length encoding read with pycocotools, outer contours traced
with OpenCV. Polygons in the app have no holes, so a mask becomes the outlines of its separate parts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from app.models.geometry import Polygon

MAX_MASK_PIXELS = 200_000_000  # a decoded mask larger than this is refused before it is allocated


def decode_rle(seg: Mapping[str, Any]) -> np.ndarray:
    """A COCO RLE (`size` [height, width] and `counts`, compressed string or list of runs) as a 0/1 array.

    Raises ValueError in plain words when it is not one.
    """
    size, counts = seg.get("size"), seg.get("counts")
    if not (
        isinstance(size, list | tuple) and len(size) == 2 and all(isinstance(v, int) and v > 0 for v in size)
    ):
        raise ValueError("an RLE mask needs 'size' [height, width] of two positive whole numbers")
    h, w = size
    if h * w > MAX_MASK_PIXELS:
        raise ValueError(f"an RLE mask of {w}x{h} is larger than the {MAX_MASK_PIXELS:,} pixels allowed")
    if isinstance(counts, list):
        if not all(isinstance(v, int) and v >= 0 for v in counts) or sum(counts) != h * w:
            raise ValueError(f"an uncompressed RLE's 'counts' should be runs adding up to {h}x{w} pixels")
        rle = mask_utils.frPyObjects({"size": [h, w], "counts": counts}, h, w)
    elif isinstance(counts, str | bytes):
        rle = {"size": [h, w], "counts": counts.encode() if isinstance(counts, str) else counts}
    else:
        raise ValueError("an RLE mask's 'counts' should be a string or a list of runs")
    try:
        return np.asarray(mask_utils.decode(rle))
    except Exception as e:  # pycocotools raises bare exceptions for malformed counts
        raise ValueError(f"an RLE mask cannot be decoded: {e or type(e).__name__}") from None


def outlines(mask: np.ndarray, scale: tuple[float, float] = (1.0, 1.0)) -> list[Polygon]:
    """The outer contour of each separate part of a mask (nonzero = inside), largest first, through the
    centres of its edge pixels in image coordinates (pixel i spans [i, i+1)).

    `scale` maps mask pixels to image pixels, for masks a model returns at a lower resolution; the outline
    is traced at the mask's own resolution.
    """
    binary = np.ascontiguousarray(np.asarray(mask) != 0, dtype=np.uint8)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted((c for c in contours if len(c) >= 3), key=cv2.contourArea, reverse=True)
    sx, sy = scale
    return [
        Polygon.model_construct(
            points=tuple(((x + 0.5) * sx, (y + 0.5) * sy) for x, y in c[:, 0, :].tolist())
        )
        for c in contours
    ]
