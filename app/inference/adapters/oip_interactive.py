"""LabelAssist's interactive segmentation profile over the Open Inference Protocol: one image and the
labeller's clicks and box in, one mask out (docs/server.md, "Interactive segmentation"). Pure, like every
adapter: requests are built as plain data and answers read here; the client sends them."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import numpy as np

from app.inference.adapters import oip_profile
from app.inference.adapters.base import HttpRequest, HttpResponse
from app.inference.adapters.oip_tensors import HEADER_LENGTH, read_response
from app.inference.errors import InferenceError

POINT_COORDS, POINT_LABELS, BOX = "point_coords", "point_labels", "box"
PROMPT_INPUTS = (POINT_COORDS, POINT_LABELS)  # what a model must take to be interactive


def takes_prompts(metadata: Any) -> bool:
    """Whether a model's metadata lists the prompt inputs of the profile."""
    inputs = metadata.get("inputs") if isinstance(metadata, dict) else None
    names = {i.get("name") for i in inputs if isinstance(i, dict)} if isinstance(inputs, list) else set()
    return set(PROMPT_INPUTS) <= names


def metadata_request(model: str) -> HttpRequest:
    return HttpRequest("GET", f"/v2/models/{quote(model, safe='')}")


def segment_request(
    model: str,
    image: bytes,
    points: list[tuple[float, float, int]],
    box: tuple[float, float, float, float] | None,
    request_id: str,
    *,
    binary: bool,
) -> HttpRequest:
    """The request for an encoded image and a prompt in its pixels: points (x, y, 1 object / 0 background).
    ``binary``: the image goes as a raw tensor (oip_profile.binary_transport says which a server takes)."""
    prompt: list[dict[str, Any]] = [
        {
            "name": POINT_COORDS,
            "shape": [len(points), 2],
            "datatype": "FP32",
            "data": [float(v) for x, y, _ in points for v in (x, y)],
        },
        {
            "name": POINT_LABELS,
            "shape": [len(points)],
            "datatype": "FP32",
            "data": [float(p[2]) for p in points],
        },
    ]
    if box is not None:
        prompt.append({"name": BOX, "shape": [4], "datatype": "FP32", "data": [float(v) for v in box]})
    head: dict[str, Any] = {"id": request_id, "outputs": [{"name": "masks"}, {"name": "scores"}]}
    if binary:
        head["parameters"] = {"binary_data_output": True}  # a mask is large as JSON numbers
    path = f"/v2/models/{quote(model, safe='')}/infer"
    return oip_profile.image_request(path, head, "image", image, binary=binary, more=prompt)


def parse_mask(response: HttpResponse, width: int, height: int) -> tuple[np.ndarray, float | None]:
    """The mask (bool, height × width of the image sent) and its score; an empty mask when none came back."""
    _, outputs = read_response(response.body, response.headers.get(HEADER_LENGTH.lower()))
    masks, scores = outputs.get("masks"), outputs.get("scores")
    if masks is None:
        raise InferenceError("the answer has no 'masks' output: is this an interactive segmentation model?")
    score = float(np.asarray(scores).reshape(-1)[0]) if scores is not None and np.size(scores) else None
    if isinstance(masks, list):
        if not masks:
            return np.zeros((height, width), bool), score
        from app.masks import decode_rle

        try:
            seg = json.loads(masks[0])
        except (ValueError, RecursionError):
            raise InferenceError("the 'masks' output is not COCO RLE JSON") from None
        if not isinstance(seg, dict):
            raise InferenceError("the 'masks' output is not COCO RLE JSON")
        try:
            mask = decode_rle(seg)
        except ValueError as e:
            raise InferenceError(f"the 'masks' output cannot be read: {e}") from None
    else:
        array = np.asarray(masks)
        if array.ndim != 3:
            raise InferenceError(f"the 'masks' output has shape {list(array.shape)}, not [N, H, W]")
        if array.shape[0] == 0:
            return np.zeros((height, width), bool), score
        mask = array[0]
    if mask.shape != (height, width):
        raise InferenceError(
            f"the mask is {mask.shape[1]}x{mask.shape[0]}, but the image sent was {width}x{height}"
        )
    return mask.astype(bool), score
