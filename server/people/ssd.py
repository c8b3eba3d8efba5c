"""SSD detectors: decode the regressors against the anchors, then MediaPipe's weighted NMS (decoding.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.geometry import iou_one_to_many, sigmoid
from server.people.anchors import ssd_anchors
from server.people.transforms import letterbox_tensor
from server.runtimes.litert import LiteRTModel

NMS_IOU = 0.3


@dataclass(frozen=True)
class SsdSpec:
    """One detector's parameters (decoding.md §5.1)."""

    file: str
    size: int
    value_range: tuple[float, float]
    strides: tuple[int, ...]
    interpolated: bool
    keypoints: int
    threshold: float
    regressors: str
    scores: str


FACE_SHORT = SsdSpec(
    "face_detection_short_range.tflite",
    128,
    (-1.0, 1.0),
    (8, 16, 16, 16),
    True,
    6,
    0.5,
    "regressors",
    "classificators",
)
FACE_FULL = SsdSpec(
    "face_detection_full_range_sparse.tflite", 192, (-1.0, 1.0), (4,), False, 6, 0.6, "Identity", "Identity_1"
)
POSE_DETECTOR = SsdSpec(
    "pose_detection.tflite", 224, (-1.0, 1.0), (8, 16, 32, 32, 32), True, 4, 0.5, "Identity", "Identity_1"
)
PALM_DETECTOR = SsdSpec(
    "palm_detection_full.tflite", 192, (0.0, 1.0), (8, 16, 16, 16), True, 7, 0.5, "Identity", "Identity_1"
)


@dataclass(frozen=True)
class SsdDetection:
    """One detection in image pixels: box (x0, y0, x1, y1), score, keypoints (K, 2)."""

    box: np.ndarray
    score: float
    keypoints: np.ndarray


def weighted_nms(
    boxes: np.ndarray, scores: np.ndarray, keypoints: np.ndarray, iou: float = NMS_IOU
) -> list[tuple[np.ndarray, float, np.ndarray]]:
    """MediaPipe's WEIGHTED NMS: score-weighted mean box and keypoints per cluster, the top score kept."""
    order = np.argsort(-scores, kind="stable")
    remaining = order
    clusters: list[tuple[np.ndarray, float, np.ndarray]] = []
    while remaining.size:
        top = remaining[0]
        overlap = iou_one_to_many(boxes[top], boxes[remaining])
        member = overlap > iou
        member[0] = True
        cluster = remaining[member]
        weights = scores[cluster]
        total = weights.sum()
        box = (boxes[cluster] * weights[:, None]).sum(0) / total
        points = (keypoints[cluster] * weights[:, None, None]).sum(0) / total
        clusters.append((box, float(scores[top]), points))
        remaining = remaining[~member]
    return clusters


class SsdDetector:
    """A MediaPipe SSD detector on LiteRT, returning detections in image pixels."""

    def __init__(self, spec: SsdSpec, models_dir: Path, num_threads: int = 2) -> None:
        self.spec = spec
        self.runtime = LiteRTModel(models_dir / spec.file, num_threads)
        self.anchors = ssd_anchors(spec.size, spec.strides, spec.interpolated)

    def detect(self, image: np.ndarray) -> list[SsdDetection]:
        """All detections after weighted NMS, by descending score."""
        spec = self.spec
        tensor, letterbox = letterbox_tensor(image, spec.size, *spec.value_range)
        outputs = self.runtime.run(tensor)
        regressors = outputs[spec.regressors].reshape(len(self.anchors), -1).astype(np.float64)
        logits = outputs[spec.scores].reshape(-1).astype(np.float64)
        scores = sigmoid(logits)
        keep = scores >= spec.threshold
        if not keep.any():
            return []
        reg, anchors, scores = regressors[keep] / spec.size, self.anchors[keep], scores[keep]
        cx = reg[:, 0] + anchors[:, 0]
        cy = reg[:, 1] + anchors[:, 1]
        w, h = reg[:, 2], reg[:, 3]
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        points = reg[:, 4 : 4 + 2 * spec.keypoints].reshape(-1, spec.keypoints, 2) + anchors[:, None, :]
        detections = []
        for box, score, kps in weighted_nms(boxes, scores, points):
            corners = letterbox.to_image(box.reshape(2, 2)).reshape(4)
            detections.append(SsdDetection(corners, score, letterbox.to_image(kps)))
        return detections
