"""Plain data models (pydantic, no Qt, no I/O)."""

from app.models.annotation import Annotation, Provenance, Source
from app.models.geometry import Box, Geometry, Keypoint, Keypoints, Point, Polygon, Visibility
from app.models.image import ImageRecord, ImageStatus
from app.models.tag import Tag, TagKind

__all__ = [
    "Annotation", "Box", "Geometry", "ImageRecord", "ImageStatus", "Keypoint", "Keypoints", "Point",
    "Polygon", "Provenance", "Source", "Tag", "TagKind", "Visibility",
]  # fmt: skip
