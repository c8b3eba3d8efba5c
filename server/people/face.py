"""The `face` model: full-range face detector, boxes plus the 6 face keypoints."""

from __future__ import annotations

import numpy as np

from app.models import Task
from server.geometry import keypoints_with_confidence
from server.model import Detections, ModelInfo, PredictOptions, empty_detections
from server.people.names import FACE_KEYPOINTS
from server.people.ssd import SsdDetection, SsdDetector

FACE_INFO = ModelInfo(
    name="face",
    task=Task.DETECT,
    labels=("face",),
    platform="litert",
    release="mediapipe-0.10.21",
    keypoint_names=FACE_KEYPOINTS,
)


def detections_from_ssd(info: ModelInfo, found: list[SsdDetection], label: str) -> Detections:
    """Boxes, scores and keypoints (confidence = the detection score) from SSD detections."""
    if not found:
        return empty_detections(info)
    scores = np.array([d.score for d in found], np.float32)
    return Detections(
        boxes=np.stack([d.box for d in found]).astype(np.float32),
        scores=scores,
        labels=[label] * len(found),
        keypoints=keypoints_with_confidence(np.stack([d.keypoints for d in found]), scores),
    )


class FaceModel:
    info = FACE_INFO

    def __init__(self, detector: SsdDetector) -> None:
        self.detector = detector

    def predict(self, image: np.ndarray, options: PredictOptions) -> Detections:
        return detections_from_ssd(self.info, self.detector.detect(image), "face")
