"""The image on screen as the segmentation engines see it: BGR pixels, decoded with the canvas's own loader
(EXIF orientation, pixel limits, plain error messages), no larger than the engines ever need."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

from app.imaging.loader import load, probe
from app.segment.engine import Picture

MAX_SIDE = 4096  # a 12 MP photo is decoded whole; a 50 MP scan at a quarter of its pixels


def load_picture(path: Path) -> Picture:
    """Safe on any thread (QImage needs no GUI)."""
    info = probe(path)
    image = load(path, max_side=MAX_SIDE).convertToFormat(QImage.Format.Format_BGR888)
    w, h = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes()).reshape(
        h, image.bytesPerLine()
    )
    pixels = rows[:, : w * 3].reshape(h, w, 3).copy()  # a copy: the QImage's memory goes with it
    return Picture(pixels, info.width / w if w else 1.0)
