"""How far apart two shapes are: box and polygon IoU, mean keypoint distance (pure functions, no Qt)."""

from __future__ import annotations

from app.models.geometry import Box, Keypoints, Polygon, Visibility

RASTER = 128  # polygons are compared on a grid this wide


def box_iou(a: Box, b: Box) -> float:
    return bounds_iou((a.x1, a.y1, a.x2, a.y2), (b.x1, b.y1, b.x2, b.y2))


def bounds_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """IoU of two (x1, y1, x2, y2) rectangles."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def polygon_iou(a: Polygon, b: Polygon) -> float:
    """IoU of two polygons, rasterised on a RASTER-wide grid over their joint bounds."""
    import cv2  # here: only polygons need it, and it is slow to import
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


def keypoint_distance(a: Keypoints, b: Keypoints) -> float | None:
    """Mean distance in pixels between the points placed in both (None when no point is placed in both)."""
    pairs = [
        (p, q)
        for p, q in zip(a.points, b.points, strict=False)
        if p.v != Visibility.UNLABELLED and q.v != Visibility.UNLABELLED
    ]
    if not pairs:
        return None
    return sum(((p.x - q.x) ** 2 + (p.y - q.y) ** 2) ** 0.5 for p, q in pairs) / len(pairs)
