"""Bounded image decoding: read the size from the header first, so a decompression bomb is never decoded."""

from __future__ import annotations

import struct

import cv2
import numpy as np

from server.errors import ClientError

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


Buffer = bytes | memoryview


def _jpeg_size(data: Buffer) -> tuple[int, int] | None:
    offset = 2
    while offset + 9 < len(data):
        if data[offset] != 0xFF:
            return None
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            offset += 2
            continue
        (length,) = struct.unpack_from(">H", data, offset + 2)
        if marker in _JPEG_SOF:
            height, width = struct.unpack_from(">HH", data, offset + 5)
            return width, height
        offset += 2 + length
    return None


def _webp_size(data: Buffer) -> tuple[int, int] | None:
    chunk = bytes(data[12:16])
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def header_size(data: Buffer) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG, WebP, GIF or BMP header; None when the format is not known here."""
    magic = bytes(data[:16])
    if magic.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack_from(">II", data, 16)
    if magic.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if magic.startswith(b"RIFF") and magic[8:12] == b"WEBP":
        return _webp_size(data)
    if magic[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack_from("<HH", data, 6)
    if magic.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack_from("<ii", data, 18)
        return abs(width), abs(height)
    return None


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ClientError(
            f"image is {width}x{height} = {width * height} pixels, above this server's limit of {max_pixels}",
            status=413,
        )


def decode_image(data: Buffer, max_pixels: int) -> np.ndarray:
    """Decode an encoded image to 8-bit BGR (EXIF orientation applied); ClientError when it is not one."""
    if not len(data):
        raise ClientError("the image is empty (0 bytes)")
    size = header_size(data)
    if size is not None:
        _check_pixels(size[0], size[1], max_pixels)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ClientError(
            f"the image could not be decoded ({len(data)} bytes; expected JPEG, PNG, WebP, BMP or TIFF)"
        )
    _check_pixels(image.shape[1], image.shape[0], max_pixels)
    return image
