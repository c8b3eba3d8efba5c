"""Is a suggestion already annotated? Boxes and polygons by IoU, keypoints by how close the points are."""

from __future__ import annotations

from app.models import Box, Keypoints, Polygon
from app.models.geometry import Geometry, Visibility

DUPLICATE_IOU = 0.9
KEYPOINT_CLOSE = 0.05  # mean point distance, as a fraction of the instance's size
RASTER = 128  # polygons are compared on a grid this wide


def box_iou(a: Box, b: Box) -> float:
    iw = min(a.x2, b.x2) - max(a.x1, b.x1)
    ih = min(a.y2, b.y2) - max(a.y1, b.y1)
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = a.width * a.height + b.width * b.height - inter
    return inter / union if union > 0 else 0.0


def polygon_iou(a: Polygon, b: Polygon) -> float:
    """IoU of two polygons, rasterised on a RASTER-wide grid over their joint bounds."""
    import cv2  # here: only a polygon model's suggestions need it, and it is slow to import
    import numpy as np

    ba, bb = a.bounds(), b.bounds()
    x0, y0 = min(ba.x1, bb.x1), min(ba.y1, bb.y1)
    span = max(max(ba.x2, bb.x2) - x0, max(ba.y2, bb.y2) - y0, 1e-6)
    scale = (RASTER - 1) / span

    def mask(p: Polygon) -> np.ndarray:  # noqa: F821
        m = np.zeros((RASTER, RASTER), np.uint8)
        pts = np.round((np.asarray(p.points) - (x0, y0)) * scale * 4).astype(np.int32)
        cv2.fillPoly(m, [pts], 1, lineType=cv2.LINE_8, shift=2)
        return m.astype(bool)

    ma, mb = mask(a), mask(b)
    union = np.count_nonzero(ma | mb)
    return np.count_nonzero(ma & mb) / union if union else 0.0


def keypoints_close(a: Keypoints, b: Keypoints) -> bool:
    if len(a.points) != len(b.points):
        return False
    pairs = [
        (p, q)
        for p, q in zip(a.points, b.points, strict=True)
        if p.v != Visibility.UNLABELLED and q.v != Visibility.UNLABELLED
    ]
    if not pairs:
        return False
    box = b.bounds()
    size = max((box.width * box.height) ** 0.5, 1.0)
    mean = sum(((p.x - q.x) ** 2 + (p.y - q.y) ** 2) ** 0.5 for p, q in pairs) / len(pairs)
    return mean / size <= KEYPOINT_CLOSE


def same_shape(a: Geometry, b: Geometry) -> bool:
    if isinstance(a, Keypoints) or isinstance(b, Keypoints):
        return isinstance(a, Keypoints) and isinstance(b, Keypoints) and keypoints_close(a, b)
    if isinstance(a, Polygon) and isinstance(b, Polygon):
        # cheap bounds test first; a thin spike can spoil the bounds of a near-identical outline
        return box_iou(a.bounds(), b.bounds()) >= 0.5 and polygon_iou(a, b) >= DUPLICATE_IOU
    return box_iou(a.bounds(), b.bounds()) >= DUPLICATE_IOU
