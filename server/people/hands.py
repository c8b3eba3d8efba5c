"""The `hands` model: palm detector → rotated ROIs → 21 hand landmarks (decoding.md §6, §7.2, §8)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.models import Task
from server.geometry import box_around, keypoints_with_confidence
from server.model import Detections, ModelInfo, PredictOptions, TensorSpec, empty_detections
from server.people.names import HAND_LANDMARKS, HAND_SKELETON
from server.people.ssd import SsdDetection, SsdDetector
from server.people.transforms import Roi, rotation_between
from server.runtimes.litert import LiteRTModel

CROP = 224
MAX_HANDS = 6
ROI_SCALE = 2.6
DEDUP_IOU = 0.5

HANDS_INFO = ModelInfo(
    name="hands",
    task=Task.KEYPOINTS,
    labels=("hand",),
    platform="litert",
    release="mediapipe-0.10.21",
    keypoint_names=HAND_LANDMARKS,
    skeleton=HAND_SKELETON,
    extra_outputs=(TensorSpec("handedness", "BYTES", (-1,)),),
)


@dataclass(frozen=True)
class HandResult:
    points: np.ndarray  # (21, 2) image pixels
    z_rel: np.ndarray  # (21,) pixels, wrist = 0
    presence: float
    handedness: str  # MediaPipe's label, which assumes a mirrored (selfie) image
    handedness_score: float
    roi: Roi


def hand_roi(detection: SsdDetection) -> Roi:
    """Palm box centre shifted half a box towards the fingers, rotated wrist → middle MCP, side × 2.6."""
    x0, y0, x1, y1 = detection.box
    width, height = x1 - x0, y1 - y0
    rotation = rotation_between(detection.keypoints[0], detection.keypoints[2])
    cx = (x0 + x1) / 2 + 0.5 * height * math.sin(rotation)
    cy = (y0 + y1) / 2 - 0.5 * height * math.cos(rotation)
    return Roi(float(cx), float(cy), float(max(width, height) * ROI_SCALE), rotation)


def _axis_aligned_iou(a: Roi, b: Roi) -> float:
    ax0, ay0, ax1, ay1 = a.axis_aligned()
    bx0, by0, bx1, by1 = b.axis_aligned()
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    union = a.side**2 + b.side**2 - inter
    return inter / union if union > 0 else 0.0


def deduplicate(rois: list[Roi]) -> list[Roi]:
    """MediaPipe's AssociationNormRectCalculator: each ROI evicts the kept ones it overlaps, later ones win."""
    kept: list[Roi] = []
    for roi in rois:
        kept = [other for other in kept if _axis_aligned_iou(other, roi) <= DEDUP_IOU]
        kept.append(roi)
    return kept


class HandsPipeline:
    def __init__(self, detector: SsdDetector, models_dir: Path, num_threads: int = 2) -> None:
        self.detector = detector
        self.landmarks = LiteRTModel(models_dir / "hand_landmark_full.tflite", num_threads)

    def run(self, image: np.ndarray) -> list[HandResult]:
        rois = deduplicate([hand_roi(d) for d in self.detector.detect(image)[:MAX_HANDS]])
        hands = []
        for roi in rois:
            outputs = self.landmarks.run(roi.crop(image, CROP, 0.0, 1.0))
            presence = float(outputs["Identity_1"].reshape(-1)[0])
            if not presence > 0.5:
                continue
            raw = outputs["Identity"].reshape(21, 3).astype(np.float64)
            p = float(outputs["Identity_2"].reshape(-1)[0])
            label, score = ("Left", p) if p > 0.5 else ("Right", 1.0 - p)
            hands.append(
                HandResult(
                    points=roi.project(raw[:, :2] / CROP),
                    z_rel=raw[:, 2] / CROP / 0.4 * roi.side,
                    presence=presence,
                    handedness=label,
                    handedness_score=score,
                    roi=roi,
                )
            )
        return hands


class HandsModel:
    info = HANDS_INFO

    def __init__(self, pipeline: HandsPipeline) -> None:
        self.pipeline = pipeline

    def predict(self, image: np.ndarray, options: PredictOptions) -> Detections:
        hands = self.pipeline.run(image)
        if not hands:
            return empty_detections(self.info)
        height, width = image.shape[:2]
        scores = np.array([h.presence for h in hands], np.float32)
        points = np.stack([h.points for h in hands])
        return Detections(
            boxes=np.stack([box_around(h.points, width, height) for h in hands]),
            scores=scores,
            labels=["hand"] * len(hands),
            keypoints=keypoints_with_confidence(points, scores),
            extras={"handedness": [h.handedness for h in hands]},
        )
