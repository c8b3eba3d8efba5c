"""Inference request → (image bytes, options) and Detections → response tensors (JSON or binary)."""

from __future__ import annotations

import binascii
import json
import math
from collections.abc import Collection
from typing import Any

import numpy as np
from pydantic import ValidationError

from server.binary import deserialize_bytes, serialize_bytes
from server.errors import ClientError
from server.model import Detections, ModelInfo, PredictOptions
from server.protocol import InferRequest, InferResponse, RequestInput, ResponseOutput

INPUT_NAME = "image"
MAX_DETECTIONS_LIMIT = 10_000


def parse_request(raw_json: bytes | memoryview) -> InferRequest:
    """Validate the JSON part of an inference request."""
    try:
        payload = json.loads(bytes(raw_json))
    except ValueError as exc:  # not JSON, not UTF-8, or a number with more digits than Python reads
        raise ClientError(f"request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ClientError("request body is nested too deeply") from None
    try:
        return InferRequest.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ClientError(f"invalid inference request at {where}: {first['msg']}") from None


def _flatten(data: Any) -> list[Any]:
    if isinstance(data, list):
        return [item for element in data for item in _flatten(element)]
    return [data]


def _decode_text_element(value: Any, tensor: RequestInput) -> bytes:
    content_type = tensor.parameters.get("content_type", "base64")
    if content_type != "base64":
        raise ClientError(
            f"input '{INPUT_NAME}' has content_type {content_type!r}; send the encoded file as base64 "
            '(parameters.content_type = "base64") or as binary tensor data'
        )
    if not isinstance(value, str):
        raise ClientError(f"input '{INPUT_NAME}' data must be a base64 string")
    try:
        return binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError):
        raise ClientError(f"input '{INPUT_NAME}' is not valid base64") from None


def _binary_inputs(request: InferRequest, tail: memoryview) -> dict[str, memoryview]:
    """Cut the binary tail into the inputs that declare binary_data_size, in request order."""
    chunks: dict[str, memoryview] = {}
    offset = 0
    for tensor in request.inputs:
        size = tensor.parameters.get("binary_data_size")
        if size is None:
            continue
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ClientError(f"input '{tensor.name}' has an invalid binary_data_size")
        if offset + size > len(tail):
            raise ClientError(f"binary data for input '{tensor.name}' is shorter than its binary_data_size")
        chunks[tensor.name] = tail[offset : offset + size]
        offset += size
    if offset != len(tail):
        raise ClientError(f"the body has {len(tail) - offset} unexpected bytes after the binary inputs")
    return chunks


def image_from_request(
    request: InferRequest, tail: memoryview, also: Collection[str] = ()
) -> bytes | memoryview:
    """The encoded image file carried by input 'image' (BYTES, shape [1]); `also` names the other inputs
    the model takes (an interactive model's prompt), read elsewhere."""
    binaries = _binary_inputs(request, tail)
    names = [tensor.name for tensor in request.inputs]
    unknown = [name for name in names if name != INPUT_NAME and name not in also]
    if unknown or names.count(INPUT_NAME) != 1:
        takes = f"exactly one input '{INPUT_NAME}' (BYTES, shape [1])"
        if also:
            takes = f"one input '{INPUT_NAME}' (BYTES, shape [1]) and {', '.join(also)}"
        raise ClientError(f"this model takes {takes}; got inputs {names}")
    tensor = request.inputs[names.index(INPUT_NAME)]
    if tensor.datatype != "BYTES":
        raise ClientError(f"input '{INPUT_NAME}' must have datatype BYTES, got {tensor.datatype!r}")
    if math.prod(tensor.shape) != 1 or any(dim < 0 for dim in tensor.shape):
        raise ClientError(f"input '{INPUT_NAME}' must have shape [1] (one image), got {tensor.shape}")
    if INPUT_NAME in binaries:
        elements = deserialize_bytes(binaries[INPUT_NAME])
        if len(elements) != 1:
            raise ClientError(f"binary input '{INPUT_NAME}' holds {len(elements)} elements, expected 1")
        return elements[0]
    if tensor.data is None:
        raise ClientError(f"input '{INPUT_NAME}' has no data (neither 'data' nor binary_data_size)")
    values = _flatten(tensor.data)
    if len(values) != 1:
        raise ClientError(f"input '{INPUT_NAME}' data holds {len(values)} elements, expected 1")
    return _decode_text_element(values[0], tensor)


def _number(parameters: dict[str, Any], key: str) -> float | None:
    value = parameters.get(key)
    if value is None:
        return None
    try:
        number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise ClientError(f"request parameter '{key}' must be a number, got {str(value)[:40]}")
    return number


def options_from_request(request: InferRequest) -> PredictOptions:
    """Request parameters `confidence` (floor, 0..1) and `max_detections` (positive integer)."""
    defaults = PredictOptions()
    confidence = _number(request.parameters, "confidence")
    if confidence is None:
        confidence = defaults.confidence
    elif not 0.0 <= confidence <= 1.0:
        raise ClientError(f"request parameter 'confidence' must be within 0..1, got {confidence}")
    max_detections = _number(request.parameters, "max_detections")
    if max_detections is None:
        limit = defaults.max_detections
    elif max_detections != int(max_detections) or not 0 <= max_detections <= MAX_DETECTIONS_LIMIT:
        raise ClientError(
            f"request parameter 'max_detections' must be an integer within 0..{MAX_DETECTIONS_LIMIT}"
        )
    else:
        limit = int(max_detections)
    return PredictOptions(confidence=confidence, max_detections=limit)


def requested_outputs(request: InferRequest, info: ModelInfo) -> list[tuple[str, bool]]:
    """(output name, binary?) pairs in response order, following Triton's binary_data rules."""
    default_binary = request.parameters.get("binary_data_output") is True
    available = [spec.name for spec in info.outputs()]
    if request.outputs is None:
        return [(name, default_binary) for name in available]
    chosen: list[tuple[str, bool]] = []
    for output in request.outputs:
        if output.name not in available:
            raise ClientError(f"model '{info.name}' has no output '{output.name}'; it has {available}")
        binary = output.parameters.get("binary_data", default_binary)
        chosen.append((output.name, binary is True))
    return chosen


def _output_arrays(detections: Detections) -> dict[str, tuple[str, np.ndarray]]:
    count = len(detections)
    arrays: dict[str, tuple[str, np.ndarray]] = {
        "boxes": ("FP32", np.asarray(detections.boxes, np.float32).reshape(count, 4)),
        "scores": ("FP32", np.asarray(detections.scores, np.float32).reshape(count)),
        "labels": ("BYTES", np.asarray(detections.labels, dtype=object).reshape(count)),
    }
    if detections.polygons is not None:
        rings = [json.dumps(rings, separators=(",", ":")) for rings in detections.polygons]
        arrays["polygons"] = ("BYTES", np.asarray(rings, dtype=object).reshape(count))
    if detections.keypoints is not None:
        arrays["keypoints"] = ("FP32", np.asarray(detections.keypoints, np.float32))
    for name, values in detections.extras.items():
        arrays[name] = ("BYTES", np.asarray(values, dtype=object).reshape(count))
    return arrays


def build_response(
    info: ModelInfo, request: InferRequest, detections: Detections, outputs: list[tuple[str, bool]]
) -> tuple[dict[str, Any], bytes]:
    """The response JSON and the binary tail (empty when no output is binary)."""
    arrays = _output_arrays(detections)
    tensors: list[ResponseOutput] = []
    tail: list[bytes] = []
    for name, binary in outputs:
        datatype, array = arrays[name]
        shape = list(array.shape)
        if binary:
            if datatype == "BYTES":
                raw = serialize_bytes([str(value).encode() for value in array.reshape(-1)])
            else:
                raw = np.ascontiguousarray(array, "<f4").tobytes()
            tail.append(raw)
            tensors.append(
                ResponseOutput(
                    name=name, datatype=datatype, shape=shape, parameters={"binary_data_size": len(raw)}
                )
            )
        else:
            data = [str(v) for v in array.reshape(-1)] if datatype == "BYTES" else array.reshape(-1).tolist()
            tensors.append(ResponseOutput(name=name, datatype=datatype, shape=shape, data=data))
    response = InferResponse(model_name=info.name, model_version=info.version, id=request.id, outputs=tensors)
    return response.model_dump(exclude_none=True), b"".join(tail)
