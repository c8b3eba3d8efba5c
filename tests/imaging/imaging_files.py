"""Build real image files for the imaging tests: EXIF-rotated JPEGs, crafted headers, broken files."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import cv2
import numpy as np

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
RED = (0, 0, 255)  # BGR, as OpenCV writes


def quadrant_image(width: int, height: int) -> np.ndarray:
    """Black BGR image whose top-left quadrant is red: shows where a rotation or mirror moved it."""
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2, : width // 2] = RED
    return image


def encode(image: np.ndarray, ext: str = ".jpg", params: list[int] | None = None) -> bytes:
    ok, data = cv2.imencode(ext, image, params or [])
    assert ok, f"OpenCV could not encode {ext}"
    return data.tobytes()


def exif_orientation_segment(orientation: int) -> bytes:
    """An APP1 'Exif' segment whose only tag is Orientation (0x0112)."""
    # Big-endian TIFF header, then IFD0 with one entry: tag, type SHORT (3), count 1, value left-aligned.
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def app_segment(marker: int, payload: bytes) -> bytes:
    """Any APPn segment (used to hide bytes such as a stray end-of-image marker in the header)."""
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def insert_after_soi(jpeg: bytes, segment: bytes) -> bytes:
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + segment + jpeg[2:]


def write_jpeg(path: Path, image: np.ndarray, orientation: int | None = None, **options: int) -> Path:
    params = [p for key, value in options.items() for p in (getattr(cv2, key), value)]
    data = encode(image, ".jpg", params)
    if orientation is not None:
        data = insert_after_soi(data, exif_orientation_segment(orientation))
    path.write_bytes(data)
    return path


def write_png(path: Path, image: np.ndarray) -> Path:
    path.write_bytes(encode(image, ".png"))
    return path


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def write_png_header_only(path: Path, width: int, height: int) -> Path:
    """A tiny but well-formed PNG that claims ``width`` × ``height`` RGB pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    data = (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )
    path.write_bytes(data)
    return path


def png_color_type(path: Path) -> int:
    """The IHDR colour type byte (3 = paletted)."""
    return path.read_bytes()[25]


def jpeg_components(data: bytes) -> int:
    """Number of colour components in the JPEG's SOF segment (4 = CMYK/YCCK)."""
    pos = 2
    while pos < len(data):
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return data[pos + 9]
        pos += 2 + length
    raise AssertionError("no SOF segment")
