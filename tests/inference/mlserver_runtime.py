"""A small MLServer runtime that speaks LabelAssist's annotation profile, for the interoperability test.

MLServer loads it by its import path ("mlserver_runtime.AnnotationRuntime" in model-settings.json) with this
folder on PYTHONPATH. It takes one encoded image (BYTES [1], base64 in JSON or raw bytes) and answers one
detection derived from the image's size: a box over the middle half, label "thing", score 0.8, and a diamond
polygon inside the box. The profile (task, labels, version) comes from model-settings.json
`parameters.extra.profile` and is published as the metadata's `parameters`, which MLServer's own
`MLModel.metadata()` would reduce to `content_type`.
"""

from __future__ import annotations

import base64
import binascii
import json

import cv2
import numpy as np
from mlserver import MLModel
from mlserver.errors import MLServerError
from mlserver.types import (
    InferenceRequest,
    InferenceResponse,
    MetadataModelResponse,
    Parameters,
    RequestInput,
    ResponseOutput,
)

LABEL = "thing"
SCORE = 0.8


def detection(width: int, height: int) -> tuple[list[float], list[list[float]]]:
    """The box (x1, y1, x2, y2) and the polygon ring answered for an image of this size."""
    x1, y1, x2, y2 = width / 4, height / 4, 3 * width / 4, 3 * height / 4
    cx, cy = width / 2, height / 2
    return [x1, y1, x2, y2], [[cx, y1], [x2, cy], [cx, y2], [x1, cy]]


def _image_bytes(tensor: RequestInput) -> bytes:
    """The encoded file from the `image` input, whichever way it came."""
    if tensor.datatype != "BYTES":
        raise MLServerError(f"input 'image' should be BYTES, not {tensor.datatype}", status_code=400)
    data = list(tensor.data.root if hasattr(tensor.data, "root") else tensor.data)
    if len(data) != 1:
        raise MLServerError(f"input 'image' should hold one element, not {len(data)}", status_code=400)
    (item,) = data
    content_type = tensor.parameters.content_type if tensor.parameters else None
    if isinstance(item, str):
        if content_type == "base64":
            try:
                return base64.b64decode(item, validate=True)
            except binascii.Error:
                raise MLServerError("input 'image' is not valid base64", status_code=400) from None
        try:  # no content type: base64 if it reads as base64, else the text itself
            return base64.b64decode(item, validate=True)
        except binascii.Error:
            return item.encode()
    if isinstance(item, bytes | bytearray):
        raw = bytes(item)
        if content_type == "base64":
            try:
                return base64.b64decode(raw, validate=True)
            except binascii.Error:
                raise MLServerError("input 'image' is not valid base64", status_code=400) from None
        return raw
    raise MLServerError(f"input 'image' holds a {type(item).__name__}, not bytes", status_code=400)


class AnnotationRuntime(MLModel):
    async def load(self) -> bool:
        extra = (self.settings.parameters.extra if self.settings.parameters else None) or {}
        self._profile = dict(extra.get("profile") or {})
        return True

    async def metadata(self) -> MetadataModelResponse:
        meta = await super().metadata()
        meta.parameters = Parameters(**self._profile)
        return meta

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        tensors = {t.name: t for t in payload.inputs}
        if "image" not in tensors:
            raise MLServerError(f"expected an input named 'image', got {sorted(tensors)}", status_code=400)
        raw = _image_bytes(tensors["image"])
        image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise MLServerError("input 'image' is not an image file", status_code=400)
        height, width = image.shape[:2]
        box, ring = detection(width, height)
        request_parameters = (payload.parameters.model_extra if payload.parameters else None) or {}
        n = 1 if SCORE >= float(request_parameters.get("confidence", 0.0)) else 0
        boxes = np.asarray([box], np.float32)[:n]
        return InferenceResponse(
            model_name=self.name,
            model_version=self.version,
            id=payload.id,
            outputs=[
                ResponseOutput(name="boxes", datatype="FP32", shape=[n, 4], data=boxes.ravel().tolist()),
                ResponseOutput(name="scores", datatype="FP32", shape=[n], data=[SCORE] * n),
                ResponseOutput(name="labels", datatype="BYTES", shape=[n], data=[LABEL.encode()] * n),
                ResponseOutput(
                    name="polygons", datatype="BYTES", shape=[n], data=[json.dumps([ring]).encode()] * n
                ),
            ],
        )
