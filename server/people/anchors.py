"""SSD anchor centres as MediaPipe's SsdAnchorsCalculator makes them with fixed anchor size (decoding.md §5.2)."""

from __future__ import annotations

import math
from itertools import groupby

import numpy as np


def ssd_anchors(size: int, strides: tuple[int, ...], interpolated: bool) -> np.ndarray:
    """(A, 2) anchor centres, tensor-normalised, in MediaPipe's order (row, column, anchor)."""
    per_layer = 2 if interpolated else 1
    centres: list[np.ndarray] = []
    for stride, group in groupby(strides):
        repeats = len(list(group)) * per_layer
        cells = math.ceil(size / stride)
        grid = (np.arange(cells) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        cell_centres = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell_centres, repeats, axis=0))
    return np.concatenate(centres).astype(np.float64)
