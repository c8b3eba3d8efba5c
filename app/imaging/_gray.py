"""Grey images held as numpy arrays (16-bit stretched to 8) turned into QImages the canvas paints.

Apart from the display formats (`_display`) because numpy is imported only when such an image turns up."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

Format = QImage.Format


def stretch_uint16(gray: np.ndarray) -> np.ndarray:
    """Scale 16-bit grey to 8 bits by its effective bit depth, so 10/12-bit data does not look black."""
    # A full-range image (max near 65535) is divided by 257 as usual; 12-bit data (max ≤ 4095) by 4095/255;
    # 8-bit data stored as 16 bits stays as it was. The range is never cut, so nothing clips.
    peak = int(gray.max()) if gray.size else 0
    depth = max(8, peak.bit_length())
    scale = np.float32(255.0 / ((1 << depth) - 1))
    return (gray.astype(np.float32) * scale + np.float32(0.5)).astype(np.uint8)


def gray_to_qimage(gray: np.ndarray) -> QImage:
    """An owning Grayscale8 QImage from a 2-D array (uint8, or uint16 stretched)."""
    if gray.dtype == np.uint16:
        gray = stretch_uint16(gray)
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    h, w = gray.shape
    # copy(): the QImage must own its pixels, not borrow the numpy buffer that is about to go away
    return QImage(gray.data, w, h, w, Format.Format_Grayscale8).copy()


def gray16_array(image: QImage) -> np.ndarray:
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), dtype=np.uint16, count=h * stride // 2).reshape(h, stride // 2)
    return rows[:, :w]
