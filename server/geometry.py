"""Small numeric helpers shared by the decoders: IoU, sigmoid, boxes around points, keypoint triples."""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, with the logits clipped to ±100 as MediaPipe does."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -100, 100)))


def iou_one_to_many(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """IoU of one xyxy box with each of (N, 4) boxes; 0 where the union is empty."""
    x0 = np.maximum(box[0], others[:, 0])
    y0 = np.maximum(box[1], others[:, 1])
    x1 = np.minimum(box[2], others[:, 2])
    y1 = np.minimum(box[3], others[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def box_around(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """The axis-aligned xyxy box around (K, 2) points, clipped to the image."""
    x0, y0 = points.min(0)
    x1, y1 = points.max(0)
    return np.array(
        [np.clip(x0, 0, width), np.clip(y0, 0, height), np.clip(x1, 0, width), np.clip(y1, 0, height)],
        np.float32,
    )


def keypoints_with_confidence(points: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """(N, K, 2) points and (N,) scores → (N, K, 3) float32 with each detection's score as confidence."""
    confidence = np.broadcast_to(np.asarray(scores, np.float32)[:, None, None], (*points.shape[:2], 1))
    return np.concatenate([points.astype(np.float32), confidence], axis=2)
