"""What every served model provides: its description and one predict call on a decoded image."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from app.models import AnnotationProfile, Task


@dataclass(frozen=True)
class TensorSpec:
    name: str
    datatype: str  # "FP32" or "BYTES"
    shape: tuple[int, ...]  # -1 for the detection count


@dataclass(frozen=True)
class ModelInfo:
    name: str
    task: Task
    labels: tuple[str, ...]
    platform: str
    version: str = "1"  # the protocol's model version (URL path, statistics)
    release: str = ""  # what the weights are, for clients' caches; metadata parameters.version
    keypoint_names: tuple[str, ...] = ()
    skeleton: tuple[tuple[int, int], ...] = ()
    extra_outputs: tuple[TensorSpec, ...] = ()
    extra_inputs: tuple[TensorSpec, ...] = ()  # besides `image`: an interactive model's prompt tensors

    def profile(self) -> AnnotationProfile:
        """The annotation profile that the metadata carries as its `parameters`."""
        return AnnotationProfile(
            task=self.task,
            labels=self.labels,
            keypoint_names=self.keypoint_names,
            skeleton=self.skeleton,
            version=self.release or self.version,
        )

    def outputs(self) -> list[TensorSpec]:
        """The output tensors this model answers with, in response order."""
        specs = [
            TensorSpec("boxes", "FP32", (-1, 4)),
            TensorSpec("scores", "FP32", (-1,)),
            TensorSpec("labels", "BYTES", (-1,)),
        ]
        if self.task == Task.SEGMENT:
            specs.append(TensorSpec("polygons", "BYTES", (-1,)))
        if self.keypoint_names:
            specs.append(TensorSpec("keypoints", "FP32", (-1, len(self.keypoint_names), 3)))
        return specs + list(self.extra_outputs)


@dataclass(frozen=True)
class PredictOptions:
    confidence: float = 0.05
    max_detections: int = 300
    inputs: Mapping[str, np.ndarray] = field(default_factory=dict)  # the model's extra inputs, as sent


@dataclass
class Detections:
    """N detections in original-image pixels (xyxy boxes, top-left origin)."""

    boxes: np.ndarray  # (N, 4) float32
    scores: np.ndarray  # (N,) float32
    labels: list[str]
    polygons: list[list[list[list[float]]]] | None = None  # per detection: rings of [x, y]
    keypoints: np.ndarray | None = None  # (N, K, 3) float32: x, y, confidence
    extras: dict[str, list[str]] = field(default_factory=dict)  # extra BYTES [N] outputs

    def __len__(self) -> int:
        return len(self.labels)

    def select(self, keep: np.ndarray | list[int]) -> Detections:
        """The detections at the given indices, in that order."""
        index = np.asarray(keep, dtype=np.int64)
        return Detections(
            boxes=self.boxes[index].reshape(-1, 4),
            scores=self.scores[index],
            labels=[self.labels[i] for i in index],
            polygons=None if self.polygons is None else [self.polygons[i] for i in index],
            keypoints=None if self.keypoints is None else self.keypoints[index],
            extras={name: [values[i] for i in index] for name, values in self.extras.items()},
        )

    def filtered(self, options: PredictOptions) -> Detections:
        """Drop scores below the floor, sort by descending score, keep at most max_detections."""
        order = np.argsort(-self.scores, kind="stable")
        order = order[self.scores[order] >= options.confidence][: options.max_detections]
        return self.select(order)


def empty_detections(info: ModelInfo) -> Detections:
    """No detections, with the tensor shapes that the model's outputs declare."""
    keypoints = np.zeros((0, len(info.keypoint_names), 3), np.float32) if info.keypoint_names else None
    return Detections(
        boxes=np.zeros((0, 4), np.float32),
        scores=np.zeros((0,), np.float32),
        labels=[],
        polygons=[] if info.task == Task.SEGMENT else None,
        keypoints=keypoints,
        extras={spec.name: [] for spec in info.extra_outputs},
    )


class ServedModel(Protocol):
    info: ModelInfo

    def predict(self, image: np.ndarray, options: PredictOptions) -> Detections:
        """Run on a decoded BGR uint8 image."""
        ...
