"""Open Inference Protocol models without LabelAssist's annotation profile, in the common detection layouts
whose metadata leaves no doubt: one image input (an encoded file as BYTES, or RGB pixels as UINT8
[1,-1,-1,3]) and separate boxes / scores / classes outputs (TensorFlow Object Detection API names, or plain
ones). Anything else gets a message saying what the model takes and gives, and what would fit."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from app.inference.adapters.base import HttpRequest
from app.inference.adapters.oip_profile import image_request
from app.inference.adapters.oip_tensors import HEADER_LENGTH
from app.inference.adapters.shapes import check_count
from app.inference.errors import InferenceError
from app.models import Box, ModelInfo, Prediction, Task

BOXES = ("boxes", "detection_boxes", "bboxes", "det_boxes", "output_boxes")
SCORES = ("scores", "detection_scores", "det_scores", "output_scores", "confidences")
CLASSES = ("classes", "labels", "detection_classes", "det_classes", "class_ids", "output_classes")
COUNTS = ("num_detections", "num_dets", "valid_detections")
NORMALISED_YX = {"detection_boxes"}  # TF Object Detection API: [ymin, xmin, ymax, xmax] in 0..1
FITS = (
    "an encoded image (BYTES [1]) or RGB pixels (UINT8 [1,-1,-1,3], or a fixed [1,H,W,3]) in, and boxes, "
    "scores and classes out; or LabelAssist's annotation profile (see docs/server.md)"
)
# The most a request of raw pixels may weigh. A model that takes any size gets the image at its own size:
# above this it is refused with the reason (a 12 MP photo is 36 MB raw, ~150 MB as JSON numbers).
MAX_PIXEL_REQUEST = 64 * 1024 * 1024
JSON_BYTES_PER_VALUE = 4  # "255," at most; a fair estimate of what JSON numbers cost per pixel channel


@dataclass(frozen=True)
class Layout:
    input_name: str
    encoded: bool  # BYTES: the file as it is; else UINT8 RGB pixels
    batched: bool  # the pixel input has a leading batch dimension
    boxes: str
    scores: str
    classes: str
    count: str | None
    size: tuple[int, int] | None = None  # (height, width) the pixel input must have; None: any

    def as_extra(self) -> dict[str, Any]:
        return {"layout": asdict(self)}

    @staticmethod
    def from_extra(extra: dict[str, Any]) -> Layout | None:
        raw = extra.get("layout")
        if not isinstance(raw, dict):
            return None
        size = raw.get("size")
        return Layout(**{**raw, "size": tuple(size) if size else None})

    def placed(self) -> set[str]:
        """The outputs this layout reads."""
        return {self.boxes, self.scores, self.classes} | ({self.count} if self.count else set())


def _describe_tensors(tensors: list[dict[str, Any]]) -> str:
    return ", ".join(f"{t.get('name')} {t.get('datatype')}{t.get('shape')}" for t in tensors) or "none"


def _is_pixels(shape: list[int]) -> bool:
    """RGB pixels of any size ([-1,-1,3]) or of one size ([H,W,3]); [1,…] with a batch dimension."""
    if len(shape) not in (3, 4) or shape[-1] != 3 or (len(shape) == 4 and shape[0] not in (1, -1)):
        return False
    h, w = shape[-3:-1]
    return (h == -1 and w == -1) or (h > 0 and w > 0)


def _list(value: Any) -> list[Any]:
    """A metadata field that should be a list; anything else counts as empty."""
    return value if isinstance(value, list) else []


def find_layout(meta: dict[str, Any]) -> tuple[Layout, ModelInfo]:
    """The layout of a model's metadata; InferenceError in plain words when it does not fit."""
    name = str(meta.get("name", "?"))
    inputs = [t for t in _list(meta.get("inputs")) if isinstance(t, dict)]
    outputs = {str(t.get("name")): t for t in _list(meta.get("outputs")) if isinstance(t, dict)}
    if len(inputs) != 1:
        raise InferenceError(
            f"model '{name}' takes {len(inputs)} inputs ({_describe_tensors(inputs)}); LabelAssist can use {FITS}"
        )
    tensor = inputs[0]
    shape = _list(tensor.get("shape"))
    if not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
        shape = []  # a shape of anything but whole numbers fits no layout
    if tensor.get("datatype") == "BYTES":
        encoded, batched = True, False
    elif tensor.get("datatype") == "UINT8" and _is_pixels(shape):
        encoded, batched = False, len(shape) == 4
    else:
        raise InferenceError(
            f"model '{name}' takes {_describe_tensors(inputs)}: a normalised or planar tensor needs "
            f"resizing on the server (e.g. a Triton ensemble); LabelAssist can use {FITS}"
        )

    def pick(names: tuple[str, ...]) -> str | None:
        return next((n for n in names if n in outputs), None)

    boxes, scores, classes = pick(BOXES), pick(SCORES), pick(CLASSES)
    if boxes is None or scores is None or classes is None:
        raise InferenceError(
            f"model '{name}' gives {_describe_tensors(list(outputs.values()))}; LabelAssist needs boxes, "
            f"scores and classes outputs (or {FITS})"
        )
    params = meta.get("parameters")
    labels = params.get("labels") if isinstance(params, dict) else None
    if not isinstance(labels, list):
        labels = []
    versions = _list(meta.get("versions")) or [""]
    size = (shape[-3], shape[-2]) if not encoded and shape[-3] > 0 else None
    layout = Layout(str(tensor.get("name")), encoded, batched, boxes, scores, classes, pick(COUNTS), size)
    info = ModelInfo(name=name, version=str(versions[-1]), task=Task.DETECT, labels=tuple(map(str, labels)))
    return layout, info


def request(model_path: str, layout: Layout, image: bytes, request_id: str, *, binary: bool) -> HttpRequest:
    """The model's own input: the file, or its pixels (decoded as OpenCV does, EXIF orientation applied),
    resized to the model's input size where it has one (`predictions` scales the boxes back)."""
    if layout.encoded:
        head: dict[str, Any] = {"id": request_id}
        if binary:
            head["parameters"] = {"binary_data_output": True}
        return image_request(f"{model_path}/infer", head, layout.input_name, image, binary=binary)
    pixels = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    if pixels is None:
        raise InferenceError("the image could not be decoded to send its pixels")
    if layout.size is not None:
        h, w = layout.size
        pixels = cv2.resize(pixels, (w, h), interpolation=cv2.INTER_AREA)
    else:
        _check_weight(pixels.shape[1], pixels.shape[0], binary)
    pixels = cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    shape = ([1] if layout.batched else []) + list(pixels.shape)
    tensor: dict[str, Any] = {"name": layout.input_name, "shape": shape, "datatype": "UINT8"}
    head = {"id": request_id, "inputs": [tensor]}
    if binary:
        raw = pixels.tobytes()
        tensor["parameters"] = {"binary_data_size": len(raw)}
        head["parameters"] = {"binary_data_output": True}
        body = json.dumps(head).encode()
        headers = {"Content-Type": "application/octet-stream", HEADER_LENGTH: str(len(body))}
        return HttpRequest("POST", f"{model_path}/infer", body + raw, headers)
    # The numbers spliced in as text: a list of millions of ints through json.dumps is many times slower.
    tensor["data"] = "@@PIXELS@@"
    before, after = json.dumps(head).encode().split(b'"@@PIXELS@@"')
    data = b"[" + b",".join(map(_DIGITS.__getitem__, pixels.reshape(-1).tobytes())) + b"]"
    return HttpRequest(
        "POST", f"{model_path}/infer", before + data + after, {"Content-Type": "application/json"}
    )


_DIGITS = [str(i).encode() for i in range(256)]


def _check_weight(width: int, height: int, binary: bool) -> None:
    """Refuses an image whose raw pixels would make a request above MAX_PIXEL_REQUEST, saying why."""
    weight = width * height * 3 * (1 if binary else JSON_BYTES_PER_VALUE)
    if weight <= MAX_PIXEL_REQUEST:
        return
    how = "raw" if binary else "as JSON numbers (the server does not list the binary tensor extension)"
    raise InferenceError(
        f"the model takes pixels at any size, and this {width}x{height} image would be a "
        f"{weight / 1e6:.0f} MB request {how}; LabelAssist sends at most {MAX_PIXEL_REQUEST // 2**20} MiB. "
        "Give the model's input a fixed size (it is then resized to it), or serve it with the binary "
        "tensor extension"
    )


def predictions(
    outputs: dict[str, Any], layout: Layout, labels: tuple[str, ...], width: int, height: int
) -> tuple[list[Prediction], int]:
    """Predictions from the model's own outputs, and how many were dropped (non-finite numbers)."""

    def array(name: str) -> np.ndarray:
        value = outputs.get(name)
        if not isinstance(value, np.ndarray):
            raise InferenceError(f"output '{name}' is missing or not numeric")
        return value

    boxes = array(layout.boxes).reshape(-1, 4) if array(layout.boxes).size % 4 == 0 else None
    if boxes is None:
        raise InferenceError(f"output '{layout.boxes}' does not hold groups of 4 numbers")
    scores = array(layout.scores).reshape(-1)
    raw_classes = outputs.get(layout.classes)
    classes = (
        list(raw_classes) if isinstance(raw_classes, list) else array(layout.classes).reshape(-1).tolist()
    )
    n = min(len(boxes), len(scores), len(classes))
    if (
        layout.count is not None
        and isinstance(outputs.get(layout.count), np.ndarray)
        and outputs[layout.count].size
    ):
        said = float(outputs[layout.count].reshape(-1)[0])
        n = min(n, int(said)) if np.isfinite(said) else n  # a count that is not a number says nothing
    check_count(n, "the server")
    with np.errstate(over="ignore", invalid="ignore"):  # a box scaled out of range is dropped below
        if layout.boxes in NORMALISED_YX:
            boxes = boxes[:, [1, 0, 3, 2]] * np.array([width, height, width, height])
        elif layout.size is not None:  # the pixels went resized to the model's size: back to the image's
            sx, sy = width / layout.size[1], height / layout.size[0]
            boxes = boxes * np.array([sx, sy, sx, sy])
    out, dropped = [], 0
    for i in range(n):
        b, s, c = boxes[i], float(scores[i]), classes[i]
        if not (np.isfinite(b).all() and np.isfinite(s) and (isinstance(c, str) or np.isfinite(c))):
            dropped += 1
            continue
        if isinstance(c, str):
            label = c
        else:
            k = int(c)
            label = labels[k] if 0 <= k < len(labels) else f"class {k}"
        x1, y1, x2, y2 = (float(v) for v in b)
        box = Box.model_construct(x1=min(x1, x2), y1=min(y1, y2), x2=max(x1, x2), y2=max(y1, y2))
        score = min(max(s, 0.0), 1.0)
        out.append(
            Prediction.model_construct(
                label=label[:200] or "?", score=score, box=box, polygon=None, keypoints=None
            )
        )
    return out, dropped
