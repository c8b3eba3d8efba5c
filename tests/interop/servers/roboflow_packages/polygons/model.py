"""An instance segmentation model as a local package of Roboflow's inference-models (code, no weights): one
object on any image, its mask the rectangle of known pixels, so a client can check its outline arrives exact."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import torch
from inference_models.models.base.instance_segmentation import InstanceDetections, InstanceSegmentationModel

RECT = (10, 8, 30, 20)  # x1, y1, x2, y2: the mask covers columns 10..29 and rows 8..19
SCORE = 0.8125


class KnownPolygons(InstanceSegmentationModel):
    @classmethod
    def from_pretrained(cls, model_name_or_path: str, **kwargs: Any) -> KnownPolygons:
        return cls()

    @property
    def class_names(self) -> list[str]:
        return ["box"]

    @property
    def supported_mask_formats(self) -> set[str]:
        return {"dense"}

    def pre_process(self, images: Any, **kwargs: Any) -> tuple[Any, list[Any]]:
        images = images if isinstance(images, list) else [images]
        sizes = [
            SimpleNamespace(original_size=SimpleNamespace(height=i.shape[0], width=i.shape[1]))
            for i in images
        ]
        return images, sizes

    def forward(self, pre_processed_images: Any, **kwargs: Any) -> list[tuple[int, int]]:
        return [(i.shape[0], i.shape[1]) for i in pre_processed_images]

    def post_process(
        self, model_results: list[tuple[int, int]], pre_processing_meta: Any, **kwargs: Any
    ) -> list[InstanceDetections]:
        found = []
        x1, y1, x2, y2 = RECT
        for height, width in model_results:
            mask = torch.zeros((1, height, width), dtype=torch.bool)
            mask[0, y1:y2, x1:x2] = True
            found.append(
                InstanceDetections(
                    xyxy=torch.tensor([[float(v) for v in RECT]]),
                    class_id=torch.tensor([0]),
                    confidence=torch.tensor([SCORE]),
                    mask=mask,
                    image_size=(height, width),
                )
            )
        return found
