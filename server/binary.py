"""Triton's binary tensor data extension: a JSON header followed by raw tensor bytes."""

from __future__ import annotations

import struct

from server.errors import ClientError

HEADER_LENGTH = "Inference-Header-Content-Length"


def split_body(body: memoryview, header_length: str | None) -> tuple[memoryview, memoryview]:
    """Split a request body into its JSON part and the binary tail (empty for plain JSON), without copying."""
    if header_length is None:
        return body, body[len(body) :]
    try:
        length = int(header_length)
    except ValueError:
        raise ClientError(f"{HEADER_LENGTH} must be an integer, got {header_length[:40]!r}") from None
    if length < 0 or length > len(body):
        raise ClientError(f"{HEADER_LENGTH} is {length}, but the body has {len(body)} bytes")
    return body[:length], body[length:]


def serialize_bytes(elements: list[bytes]) -> bytes:
    """BYTES tensor in binary form: each element as a 4-byte little-endian length, then its bytes."""
    return b"".join(struct.pack("<I", len(item)) + item for item in elements)


def deserialize_bytes(raw: memoryview) -> list[memoryview]:
    """Inverse of serialize_bytes; raises ClientError on a truncated buffer."""
    elements: list[memoryview] = []
    offset = 0
    while offset < len(raw):
        if offset + 4 > len(raw):
            raise ClientError("binary BYTES tensor is truncated (incomplete length prefix)")
        (size,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if offset + size > len(raw):
            raise ClientError("binary BYTES tensor is truncated (element shorter than its length)")
        elements.append(raw[offset : offset + size])
        offset += size
    return elements
