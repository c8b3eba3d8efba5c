"""Decoding Open Inference Protocol output tensors, from JSON data or Triton's binary tensor extension."""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.inference.errors import InferenceError

HEADER_LENGTH = "Inference-Header-Content-Length"
NUMERIC = {
    "FP32": "<f4",
    "FP64": "<f8",
    "FP16": "<f2",
    "INT64": "<i8",
    "INT32": "<i4",
    "INT16": "<i2",
    "INT8": "i1",
    "UINT8": "u1",
    "UINT16": "<u2",
    "UINT32": "<u4",
    "UINT64": "<u8",
    "BOOL": "?",
}


# Kept as they come, not widened to float: masks are large, and their values are only 0 and 1.
COMPACT = {"UINT8", "BOOL"}


class OutputTensor(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    datatype: str
    shape: list[int] = Field(max_length=8)
    parameters: dict[str, Any] | None = None
    data: list[Any] | None = None


class InferResponse(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model_name: str = ""
    model_version: str | None = None
    id: str | None = None
    outputs: list[OutputTensor] = Field(max_length=64)


def read_response(body: bytes, header_length: str | None) -> tuple[InferResponse, dict[str, Any]]:
    """The response envelope and its outputs decoded by name (numpy arrays, or lists of str for BYTES)."""
    json_part, tail = body, b""
    if header_length is not None:
        try:
            n = int(header_length)
        except ValueError:
            raise InferenceError(f"{HEADER_LENGTH} is not a number: {header_length[:40]!r}") from None
        if not 0 <= n <= len(body):
            raise InferenceError(f"{HEADER_LENGTH} says {n} bytes but the answer has {len(body)}")
        json_part, tail = body[:n], body[n:]
    try:
        response = InferResponse.model_validate_json(json_part)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the body"
        raise InferenceError(
            f"the answer is not an Open Inference Protocol response ({where}: {first['msg']})"
        ) from None
    outputs: dict[str, Any] = {}
    offset = 0
    for out in response.outputs:
        size = (out.parameters or {}).get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or size < 0 or offset + size > len(tail):
                raise InferenceError(
                    f"output '{out.name}' says it has {size} binary bytes; the answer is shorter"
                )
            raw, offset = tail[offset : offset + size], offset + size
            outputs[out.name] = _from_binary(out, raw)
        else:
            outputs[out.name] = _from_json(out)
    return response, outputs


def _count(shape: list[int], name: str) -> int:
    if any(d < 0 for d in shape):
        raise InferenceError(f"output '{name}' has a negative dimension in its shape {shape}")
    return int(np.prod(shape, dtype=np.int64)) if shape else 1


def _from_json(out: OutputTensor) -> Any:
    n = _count(out.shape, out.name)
    data = out.data if out.data is not None else []
    if len(data) != n:
        raise InferenceError(
            f"output '{out.name}' has shape {out.shape} ({n} values) but {len(data)} values came"
        )
    if out.datatype == "BYTES":
        return [str(v) if not isinstance(v, str) else v for v in data]
    if out.datatype not in NUMERIC:
        raise InferenceError(f"output '{out.name}' has the unknown datatype {out.datatype!r}")
    try:
        return np.asarray(data, dtype=np.uint8 if out.datatype in COMPACT else np.float64).reshape(out.shape)
    except (TypeError, ValueError, OverflowError):
        raise InferenceError(f"output '{out.name}' holds values that are not numbers") from None


def _from_binary(out: OutputTensor, raw: bytes) -> Any:
    n = _count(out.shape, out.name)
    if out.datatype == "BYTES":
        items, offset = [], 0
        while offset < len(raw):
            if offset + 4 > len(raw):
                raise InferenceError(f"binary output '{out.name}' is cut short")
            (size,) = struct.unpack_from("<I", raw, offset)
            offset += 4
            if offset + size > len(raw):
                raise InferenceError(f"binary output '{out.name}' is cut short")
            items.append(raw[offset : offset + size].decode("utf-8", "replace"))
            offset += size
        if len(items) != n:
            raise InferenceError(f"output '{out.name}' has shape {out.shape} but {len(items)} elements came")
        return items
    dtype = NUMERIC.get(out.datatype)
    if dtype is None:
        raise InferenceError(f"output '{out.name}' has the unknown datatype {out.datatype!r}")
    if len(raw) != n * np.dtype(dtype).itemsize:
        raise InferenceError(
            f"binary output '{out.name}' has {len(raw)} bytes, not what shape {out.shape} needs"
        )
    values = np.frombuffer(raw, dtype=dtype)
    if out.datatype in COMPACT:
        return values.reshape(out.shape)
    return values.astype(np.float64).reshape(out.shape)


def polygon_rings(text: str) -> list[list[list[float]]] | None:
    """One element of a `polygons` output: a JSON list of rings; None if it is not one."""
    try:
        rings = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return rings if isinstance(rings, list) else None
