"""Landmark names and skeletons of the people pack (golden/README.md "Names" and "Skeleton edges")."""

# One list of names and edges for the whole project: the app's keypoint templates (pure data, no Qt).
from app.models import templates

POSE_LANDMARKS = templates.BODY_33_NAMES
POSE_SKELETON = templates.BODY_33_SKELETON
HAND_LANDMARKS = templates.HAND_21_NAMES
HAND_SKELETON = templates.HAND_21_SKELETON

FACE_KEYPOINTS = (
    "RIGHT_EYE",
    "LEFT_EYE",
    "NOSE_TIP",
    "MOUTH_CENTER",
    "RIGHT_EAR_TRAGION",
    "LEFT_EAR_TRAGION",
)

__all__ = ["FACE_KEYPOINTS", "HAND_LANDMARKS", "HAND_SKELETON", "POSE_LANDMARKS", "POSE_SKELETON"]
