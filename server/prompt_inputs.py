"""The inputs an interactive model takes besides the image (its prompt: points, labels, a box), read from
the request as numbers, from JSON data or Triton's binary tensor extension; anything else is a ClientError."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from server.errors import ClientError
from server.model import TensorSpec
from server.protocol import InferRequest
from server.tensors import _binary_inputs

MAX_PROMPT_VALUES = 4096  # a prompt is a few clicks; this bounds what one request can make us allocate
BINARY_TYPES = {"FP32": "<f4", "FP64": "<f8", "INT32": "<i4", "INT64": "<i8"}


def extra_inputs(
    request: InferRequest, tail: memoryview, specs: Sequence[TensorSpec]
) -> dict[str, np.ndarray]:
    """The declared inputs present in the request, as float64 arrays of their declared shape."""
    binaries = _binary_inputs(request, tail)
    wanted = {s.name: s for s in specs}
    out: dict[str, np.ndarray] = {}
    for tensor in request.inputs:
        spec = wanted.get(tensor.name)
        if spec is None:
            continue
        if any(d < 0 for d in tensor.shape) or math.prod(tensor.shape) > MAX_PROMPT_VALUES:
            raise ClientError(
                f"input '{tensor.name}' has shape {tensor.shape}; at most {MAX_PROMPT_VALUES} values"
            )
        if tensor.name in binaries:
            dtype = BINARY_TYPES.get(tensor.datatype)
            raw = bytes(binaries[tensor.name])
            if dtype is None or len(raw) != math.prod(tensor.shape) * np.dtype(dtype).itemsize:
                raise ClientError(f"binary input '{tensor.name}' does not match its datatype and shape")
            values = np.frombuffer(raw, dtype=dtype).astype(np.float64)
        else:
            values = _numbers(tensor.name, tensor.data)
        if values.size != math.prod(tensor.shape):
            raise ClientError(f"input '{tensor.name}' has shape {tensor.shape} but {values.size} values")
        if not np.isfinite(values).all():
            raise ClientError(f"input '{tensor.name}' holds values that are not finite numbers")
        array = values.reshape(tensor.shape)
        if not _fits(array.shape, spec.shape):
            raise ClientError(f"input '{tensor.name}' must have shape {list(spec.shape)}, got {tensor.shape}")
        out[tensor.name] = array
    return out


def _numbers(name: str, data: object) -> np.ndarray:
    flat: list[object] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if len(flat) + len(item) > MAX_PROMPT_VALUES:
                raise ClientError(f"input '{name}' has more than {MAX_PROMPT_VALUES} values")
            stack.extend(reversed(item))
        else:
            flat.append(item)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in flat):
        raise ClientError(f"input '{name}' must hold numbers")
    try:
        return np.array(flat, dtype=np.float64)
    except OverflowError:
        raise ClientError(f"input '{name}' holds a number too large") from None


def _fits(shape: tuple[int, ...], declared: tuple[int, ...]) -> bool:
    return len(shape) == len(declared) and all(d < 0 or d == s for s, d in zip(shape, declared, strict=True))
