"""Plain data models (pydantic, no Qt, no I/O).

Every model is declared with `defer_build=True`: its validator is built when it is first used, not when the
program starts, which keeps these imports off the time to the first window (half of their cost)."""

from app.models.annotation import Annotation, Provenance, Source
from app.models.deployment import Deployment, DeploymentStatus, LocalSpec, Protocol, State
from app.models.geometry import Box, Geometry, Keypoint, Keypoints, Point, Polygon, Visibility
from app.models.image import ImageRecord, ImageStatus, Review
from app.models.prediction import ModelInfo, PredictedPoint, Prediction, PredictionSet, Task
from app.models.profile import PROFILE_EXTENSION, AnnotationProfile
from app.models.tag import Tag, TagKind

__all__ = [
    "PROFILE_EXTENSION",
    "Annotation",
    "AnnotationProfile",
    "Box",
    "Deployment",
    "DeploymentStatus",
    "Geometry",
    "ImageRecord",
    "ImageStatus",
    "Review",
    "Keypoint",
    "Keypoints",
    "LocalSpec",
    "ModelInfo",
    "Point",
    "Polygon",
    "PredictedPoint",
    "Prediction",
    "PredictionSet",
    "Protocol",
    "Provenance",
    "Source",
    "State",
    "Tag",
    "TagKind",
    "Task",
    "Visibility",
]
