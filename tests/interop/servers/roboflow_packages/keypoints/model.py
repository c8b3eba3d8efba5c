"""A keypoint model as a local package of Roboflow's inference-models (code, no weights): one person on any
image, with three keypoints at known pixels, so a client can check they arrive exact."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import torch
from inference_models.models.base.keypoints_detection import KeyPoints, KeyPointsDetectionModel
from inference_models.models.base.object_detection import Detections

BOX = (8.0, 6.0, 40.0, 30.0)  # x1, y1, x2, y2 in the image's pixels
POINTS = ((12.5, 10.25), (20.0, 14.5), (30.75, 22.0))
POINT_CONFIDENCE = (0.875, 0.75, 0.625)
SCORE = 0.9375


class KnownKeyPoints(KeyPointsDetectionModel):
    @classmethod
    def from_pretrained(cls, model_name_or_path: str, **kwargs: Any) -> KnownKeyPoints:
        return cls()

    @property
    def class_names(self) -> list[str]:
        return ["person"]

    @property
    def key_points_classes(self) -> list[list[str]]:
        return [["nose", "left_eye", "right_eye"]]

    @property
    def skeletons(self) -> list[list[tuple[int, int]]]:
        return [[(0, 1), (0, 2)]]

    def pre_process(self, images: Any, **kwargs: Any) -> tuple[Any, list[Any]]:
        images = images if isinstance(images, list) else [images]
        sizes = [
            SimpleNamespace(original_size=SimpleNamespace(height=i.shape[0], width=i.shape[1]))
            for i in images
        ]
        return images, sizes

    def forward(self, pre_processed_images: Any, **kwargs: Any) -> int:
        return len(pre_processed_images)

    def post_process(
        self, model_results: int, pre_processing_meta: Any, **kwargs: Any
    ) -> tuple[list[KeyPoints], list[Detections]]:
        points = KeyPoints(
            xy=torch.tensor([POINTS]),
            class_id=torch.tensor([0]),
            confidence=torch.tensor([POINT_CONFIDENCE]),
        )
        box = Detections(
            xyxy=torch.tensor([BOX]), class_id=torch.tensor([0]), confidence=torch.tensor([SCORE])
        )
        return [points] * model_results, [box] * model_results
