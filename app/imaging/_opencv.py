"""Fallback decoder for formats Qt has no plugin for (JPEG 2000, Sun raster, PFM/HDR, ...)."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtGui import QImage

from app.imaging._gray import gray_to_qimage

Format = QImage.Format


def decode(path: str | os.PathLike[str], max_pixels: int) -> QImage | None:
    """Decode with OpenCV; None when OpenCV cannot read it either."""
    # OpenCV checks this limit against the header before allocating, but reads it once, when cv2 is first
    # imported; cv2 is imported lazily here so that, unless someone imported it earlier, ours applies.
    os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(max_pixels))
    import cv2

    raw = np.fromfile(path, dtype=np.uint8)  # np.fromfile, unlike cv2.imread, copes with non-ASCII paths
    try:
        array = cv2.imdecode(raw, cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return None
    if array is None or array.size == 0:
        return None
    return _to_qimage(array)


def _to_8bit(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == np.uint16:
        return (array >> 8).astype(np.uint8)
    if array.dtype.kind == "f":  # HDR / PFM / EXR: show the 0..1 range, clip highlights
        return (np.clip(np.nan_to_num(array), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.clip(array, 0, 255).astype(np.uint8)


def _to_qimage(array: np.ndarray) -> QImage:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2:
        return gray_to_qimage(array if array.dtype == np.uint16 else _to_8bit(array))
    import cv2

    pixels = _to_8bit(array)
    if pixels.shape[2] == 4:
        rgba = np.ascontiguousarray(cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGBA))
        fmt = Format.Format_RGBA8888
    else:
        rgba = np.ascontiguousarray(cv2.cvtColor(pixels[:, :, :3], cv2.COLOR_BGR2RGB))
        fmt = Format.Format_RGB888
    h, w, c = rgba.shape
    target = Format.Format_ARGB32_Premultiplied if c == 4 else Format.Format_RGB32
    # The conversion allocates the result, so nothing keeps pointing into the numpy buffer.
    return QImage(rgba.data, w, h, w * c, fmt).convertToFormat(target)
