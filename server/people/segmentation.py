"""The `person-segmentation` model: selfie-segmenter polygons, on images where a face or a pose is detected.

The segmenter alone calls cats and coffee cups people (decoding.md §10), so a detector gates it.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from app.models import Task
from server.model import Detections, ModelInfo, PredictOptions, empty_detections
from server.people.ssd import SsdDetector
from server.people.transforms import stretch_tensor
from server.runtimes.litert import LiteRTModel

SIZE = 256
WORKING_SIDE = 2048  # polygons are traced on a mask at most this large, then scaled up
MIN_AREA_FRACTION = 0.0005  # specks below this share of the image are not annotations
SIMPLIFY_PX = 1.0

SEGMENTATION_INFO = ModelInfo(
    name="person-segmentation",
    task=Task.SEGMENT,
    labels=("person",),
    platform="litert",
    release="mediapipe-0.10.21",
)


class SelfieSegmenter:
    """The general 256×256 selfie model (decoding.md §7.3)."""

    def __init__(self, models_dir: Path, num_threads: int = 2) -> None:
        self.runtime = LiteRTModel(models_dir / "selfie_segmentation.tflite", num_threads)

    def probability(self, image: np.ndarray) -> np.ndarray:
        """(256, 256) person probability for the whole, stretched image."""
        outputs = self.runtime.run(stretch_tensor(image, SIZE, SIZE, 0.0, 1.0))
        return outputs["activation_10"][0, :, :, 0]

    def mask(self, image: np.ndarray) -> np.ndarray:
        """Boolean person mask at image size: bilinear resize, then > 0.5."""
        height, width = image.shape[:2]
        return cv2.resize(self.probability(image), (width, height), interpolation=cv2.INTER_LINEAR) > 0.5


def mask_polygons(
    probability: np.ndarray, width: int, height: int
) -> tuple[list[list[list[float]]], list[float]]:
    """Outer rings (image pixels) and mean probabilities of the mask's parts, specks left out."""
    scale = min(1.0, WORKING_SIDE / max(width, height))
    work_w, work_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = cv2.resize(probability, (work_w, work_h), interpolation=cv2.INTER_LINEAR)
    mask = (resized > 0.5).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    min_area = MIN_AREA_FRACTION * work_w * work_h
    sx, sy = width / work_w, height / work_h
    rings: list[list[list[float]]] = []
    scores: list[float] = []
    for contour in contours:
        if cv2.contourArea(contour) < min_area:
            continue
        ring = cv2.approxPolyDP(contour, SIMPLIFY_PX, True).reshape(-1, 2).astype(np.float64)
        if len(ring) < 3:
            continue
        # contour points are pixel indices; their centres are at +0.5 in continuous coordinates
        points = np.stack([(ring[:, 0] + 0.5) * sx, (ring[:, 1] + 0.5) * sy], axis=1)
        fill = np.zeros_like(mask)
        cv2.drawContours(fill, [contour], -1, 1, thickness=cv2.FILLED)
        rings.append(np.round(points, 2).tolist())
        scores.append(float(cv2.mean(resized, mask=fill)[0]))
    return rings, scores


class PersonSegmentationModel:
    info = SEGMENTATION_INFO

    def __init__(
        self, segmenter: SelfieSegmenter, face_detector: SsdDetector, pose_detector: SsdDetector
    ) -> None:
        self.segmenter = segmenter
        self.face_detector = face_detector
        self.pose_detector = pose_detector

    def person_seen(self, image: np.ndarray) -> bool:
        """True when the face or the pose detector finds someone (the pose detector runs only if needed)."""
        return bool(self.face_detector.detect(image)) or bool(self.pose_detector.detect(image))

    def predict(self, image: np.ndarray, options: PredictOptions) -> Detections:
        if not self.person_seen(image):
            return empty_detections(self.info)
        height, width = image.shape[:2]
        rings, scores = mask_polygons(self.segmenter.probability(image), width, height)
        if not rings:
            return empty_detections(self.info)
        boxes = [
            [min(p[0] for p in r), min(p[1] for p in r), max(p[0] for p in r), max(p[1] for p in r)]
            for r in rings
        ]
        return Detections(
            boxes=np.array(boxes, np.float32),
            scores=np.array(scores, np.float32),
            labels=["person"] * len(rings),
            polygons=[[ring] for ring in rings],
        )
