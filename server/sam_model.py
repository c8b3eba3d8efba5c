"""A SAM-family ONNX pack served as an interactive segmentation model (`--sam-pack DIR`): the image and the
labeller's clicks and box in, one mask out (LabelAssist's interactive profile, docs/server.md).

The embedding of an image is kept for the last few images (keyed by their pixels), so the clicks that
follow the first cost only the decoder. The pack runs with the app's own engine (app/segment), which
imports no Qt.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
from pycocotools import mask as mask_utils

from app.models import Task
from app.segment.engine import Picture, Prompt
from app.segment.once import OnceCache
from app.segment.outline import outline
from app.segment.pack_files import find_pack
from app.segment.sam_pack import SamPackEngine
from server.errors import ClientError
from server.model import Detections, ModelInfo, PredictOptions, TensorSpec

MODEL_NAME = "sam"
LABEL = "object"
PROMPTS = (
    TensorSpec("point_coords", "FP32", (-1, 2)),
    TensorSpec("point_labels", "FP32", (-1,)),
    TensorSpec("box", "FP32", (4,)),
)


class SamServedModel:
    def __init__(self, folder: str, threads: int = 2) -> None:
        pack = find_pack(folder)
        self.engine = SamPackEngine(pack, threads)
        self.embeddings: OnceCache[object] = OnceCache(keep=4)
        self.info = ModelInfo(
            name=MODEL_NAME,
            task=Task.SEGMENT,
            labels=(LABEL,),
            platform="onnxruntime_onnx",
            release=f"{pack.name}-{pack.sha256[:12]}",
            extra_outputs=(TensorSpec("masks", "BYTES", (-1,)),),
            extra_inputs=PROMPTS,
        )

    def predict(self, image: np.ndarray, options: PredictOptions) -> Detections:
        h, w = image.shape[:2]
        prompt = prompt_from(options)
        x1, y1, x2, y2 = prompt.extent()
        if x1 < 0 or y1 < 0 or x2 > w or y2 > h:
            raise ClientError(f"the prompt reaches outside the {w}x{h} image (coordinates are image pixels)")
        picture = Picture(image)
        key = hashlib.sha1(np.ascontiguousarray(image).data).hexdigest()
        embedding = self.embeddings.get(key, lambda: self.engine.prepare(picture))
        mask = self.engine.segment(picture, embedding, prompt, (0.0, 0.0, float(w), float(h)))
        found = outline(mask)
        if found.polygon is None:
            return Detections(
                np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), [], [], extras={"masks": []}
            )
        pixels = _at_image_size(mask.pixels, w, h)
        rle = mask_utils.encode(np.asfortranarray(pixels.astype(np.uint8)))
        b = found.polygon.bounds()
        return Detections(
            boxes=np.array([[b.x1, b.y1, b.x2, b.y2]], np.float32),
            scores=np.array([mask.score if mask.score is not None else 1.0], np.float32),
            labels=[LABEL],
            polygons=[[[list(p) for p in found.polygon.points]]],
            extras={"masks": [json.dumps({"size": rle["size"], "counts": rle["counts"].decode("ascii")})]},
        )


def prompt_from(options: PredictOptions) -> Prompt:
    """The clicks and box of a request; a ClientError when there is neither."""
    coords = options.inputs.get("point_coords")
    labels = options.inputs.get("point_labels")
    box = options.inputs.get("box")
    if (coords is None) != (labels is None):
        raise ClientError("send 'point_coords' and 'point_labels' together")
    points = (
        []
        if coords is None or labels is None
        else list(zip(coords.tolist(), labels.reshape(-1).tolist(), strict=False))
    )
    if coords is not None and labels is not None and len(coords) != labels.size:
        raise ClientError(f"{len(coords)} point_coords but {labels.size} point_labels")
    positive = tuple((float(x), float(y)) for (x, y), label in points if label >= 0.5)
    negative = tuple((float(x), float(y)) for (x, y), label in points if label < 0.5)
    prompt = Prompt(positive, negative, tuple(float(v) for v in box.reshape(-1)) if box is not None else None)  # type: ignore[arg-type]
    if prompt.is_empty():
        raise ClientError(
            f"model '{MODEL_NAME}' segments from clicks: send at least one point labelled 1 "
            "('point_coords' [N,2], 'point_labels' [N]) or a 'box' [4] (see docs/server.md)"
        )
    return prompt


def _at_image_size(pixels: np.ndarray, width: int, height: int) -> np.ndarray:
    """The mask at the image's own size (the engine answers at its working size)."""
    if pixels.shape == (height, width):
        return pixels
    import cv2

    return cv2.resize(pixels.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST).astype(bool)
