"""The `pose` model: pose detector → rotated ROI → 33 BlazePose landmarks (decoding.md §6, §7.1, §8)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from app.models import Task
from server.geometry import box_around, sigmoid
from server.model import Detections, ModelInfo, PredictOptions, empty_detections
from server.people.names import POSE_LANDMARKS, POSE_SKELETON
from server.people.ssd import SsdDetection, SsdDetector
from server.people.transforms import Roi, rotation_between
from server.runtimes.litert import LiteRTModel

CROP = 256
HEATMAP = 64
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONFIDENCE = 0.5
LANDMARKS = 33

POSE_INFO = ModelInfo(
    name="pose",
    task=Task.KEYPOINTS,
    labels=("person",),
    platform="litert",
    release="mediapipe-0.10.21",
    keypoint_names=POSE_LANDMARKS,
    skeleton=POSE_SKELETON,
)


@dataclass(frozen=True)
class PoseResult:
    points: np.ndarray  # (33, 2) image pixels
    z_rel: np.ndarray  # (33,) pixels on the x scale
    visibility: np.ndarray  # (33,)
    presence: float
    roi: Roi
    mask_logits: np.ndarray  # (256, 256) in crop space

    def mask(self, width: int, height: int) -> np.ndarray:
        """Pose segmentation probability at image size (decoding.md §7.1 step 6)."""
        probability = sigmoid(self.mask_logits.astype(np.float64)).astype(np.float32)
        return cv2.warpAffine(
            probability,
            self.roi.crop_matrix(CROP),
            (width, height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )


def pose_roi(detection: SsdDetection) -> Roi:
    """Centre on the hip midpoint, side 2.5 × |kp1 − kp0|, rotated from kp0 to kp1."""
    kp0, kp1 = detection.keypoints[0], detection.keypoints[1]
    side = 2.5 * float(np.hypot(*(kp1 - kp0)))
    return Roi(float(kp0[0]), float(kp0[1]), side, rotation_between(kp0, kp1))


def refine_with_heatmap(xy: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """MediaPipe's RefineLandmarksFromHeatmap, including its row bounds-check quirk (decoding.md §7.1.3)."""
    refined = xy.copy()
    half = HEATMAP_KERNEL // 2
    for i in range(len(xy)):
        col, row = int(xy[i, 0] * HEATMAP), int(xy[i, 1] * HEATMAP)
        if col < 0 or col >= HEATMAP or row < 0:
            continue
        r0, r1 = max(0, row - half), min(HEATMAP, row + half + 1)
        c0, c1 = max(0, col - half), min(HEATMAP, col + half + 1)
        if r0 >= r1 or c0 >= c1:
            continue
        confidence = sigmoid(heatmap[r0:r1, c0:c1, i].astype(np.float64))
        total = confidence.sum()
        if confidence.max() < HEATMAP_MIN_CONFIDENCE or total <= 0:
            continue
        rows, cols = np.mgrid[r0:r1, c0:c1]
        refined[i, 0] = (cols * confidence).sum() / total / HEATMAP
        refined[i, 1] = (rows * confidence).sum() / total / HEATMAP
    return refined


class PosePipeline:
    """At most one person, as MediaPipe's Pose in static-image mode."""

    def __init__(self, detector: SsdDetector, models_dir: Path, num_threads: int = 2) -> None:
        self.detector = detector
        self.landmarks = LiteRTModel(models_dir / "pose_landmark_full.tflite", num_threads)

    def run(self, image: np.ndarray) -> PoseResult | None:
        found = self.detector.detect(image)
        if not found:
            return None
        roi = pose_roi(found[0])
        outputs = self.landmarks.run(roi.crop(image, CROP, 0.0, 1.0))
        presence = float(outputs["Identity_1"].reshape(-1)[0])
        if not presence > 0.5:
            return None
        raw = outputs["Identity"].reshape(-1, 5)[:LANDMARKS].astype(np.float64)
        xy = refine_with_heatmap(raw[:, :2] / CROP, outputs["Identity_3"][0])
        return PoseResult(
            points=roi.project(xy),
            z_rel=raw[:, 2] / CROP * roi.side,
            visibility=sigmoid(raw[:, 3]),
            presence=presence,
            roi=roi,
            mask_logits=outputs["Identity_2"][0, :, :, 0],
        )


class PoseModel:
    info = POSE_INFO

    def __init__(self, pipeline: PosePipeline) -> None:
        self.pipeline = pipeline

    def predict(self, image: np.ndarray, options: PredictOptions) -> Detections:
        result = self.pipeline.run(image)
        if result is None:
            return empty_detections(self.info)
        height, width = image.shape[:2]
        keypoints = np.concatenate([result.points, result.visibility[:, None]], axis=1)
        return Detections(
            boxes=box_around(result.points, width, height)[None],
            scores=np.array([result.presence], np.float32),
            labels=["person"],
            keypoints=keypoints[None].astype(np.float32),
        )
