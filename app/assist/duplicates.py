"""Is a suggestion already annotated? Boxes and polygons by IoU, keypoints by how close the points are."""

from __future__ import annotations

from app.models import Keypoints, Polygon
from app.models.geometry import Geometry
from app.models.overlap import box_iou, keypoint_distance, polygon_iou

DUPLICATE_IOU = 0.9
KEYPOINT_CLOSE = 0.05  # mean point distance, as a fraction of the instance's size

__all__ = ["box_iou", "keypoints_close", "polygon_iou", "same_shape"]


def keypoints_close(a: Keypoints, b: Keypoints) -> bool:
    if len(a.points) != len(b.points):
        return False
    mean = keypoint_distance(a, b)
    if mean is None:
        return False
    box = b.bounds()
    return mean / max((box.width * box.height) ** 0.5, 1.0) <= KEYPOINT_CLOSE


def same_shape(a: Geometry, b: Geometry) -> bool:
    if isinstance(a, Keypoints) or isinstance(b, Keypoints):
        return isinstance(a, Keypoints) and isinstance(b, Keypoints) and keypoints_close(a, b)
    if isinstance(a, Polygon) and isinstance(b, Polygon):
        # cheap bounds test first; a thin spike can spoil the bounds of a near-identical outline
        return box_iou(a.bounds(), b.bounds()) >= 0.5 and polygon_iou(a, b) >= DUPLICATE_IOU
    return box_iou(a.bounds(), b.bounds()) >= DUPLICATE_IOU
