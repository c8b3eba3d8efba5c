"""Image → tensor warps and their inverses, as MediaPipe's ImageToTensorCalculator does them (decoding.md §4, §6)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Letterbox:
    """Aspect-keeping fit of a W×H image into an S×S tensor, centred, zero border."""

    width: int
    height: int
    size: int

    @property
    def scale(self) -> float:
        return self.size / max(self.width, self.height)

    def matrix(self) -> np.ndarray:
        s = self.scale
        ox = (self.size - self.width * s) / 2
        oy = (self.size - self.height * s) / 2
        return np.array([[s, 0, ox], [0, s, oy]], np.float64)

    def to_image(self, points: np.ndarray) -> np.ndarray:
        """Tensor-normalised (…, 2) points → image pixels."""
        s = self.scale
        px = (self.size - self.width * s) / 2 / self.size
        py = (self.size - self.height * s) / 2 / self.size
        out = np.empty_like(points, dtype=np.float64)
        out[..., 0] = (points[..., 0] - px) / (1 - 2 * px) * self.width
        out[..., 1] = (points[..., 1] - py) / (1 - 2 * py) * self.height
        return out


def to_tensor(pixels: np.ndarray, low: float, high: float) -> np.ndarray:
    """BGR uint8 (S, S, 3) → RGB float32 (1, S, S, 3) in [low, high]."""
    rgb = cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    return (rgb.astype(np.float32) * ((high - low) / 255.0) + low)[None]


def letterbox_tensor(image: np.ndarray, size: int, low: float, high: float) -> tuple[np.ndarray, Letterbox]:
    """The detector input: the whole image letterboxed to size×size with a zero border."""
    box = Letterbox(image.shape[1], image.shape[0], size)
    warped = cv2.warpAffine(
        image,
        box.matrix(),
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    return to_tensor(warped, low, high), box


def stretch_tensor(image: np.ndarray, width: int, height: int, low: float, high: float) -> np.ndarray:
    """The whole image stretched to width×height, no aspect keeping (selfie segmentation)."""
    h, w = image.shape[:2]
    matrix = np.array([[width / w, 0, 0], [0, height / h, 0]], np.float64)
    warped = cv2.warpAffine(
        image,
        matrix,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    return to_tensor(warped, low, high)


def normalize_angle(angle: float) -> float:
    """Map into [−π, π)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def rotation_between(p0: np.ndarray, p1: np.ndarray) -> float:
    """MediaPipe's ROI rotation from p0 to p1 with a 90° target angle (positive = clockwise on screen)."""
    return normalize_angle(math.pi / 2 - math.atan2(-(p1[1] - p0[1]), p1[0] - p0[0]))


@dataclass(frozen=True)
class Roi:
    """A rotated square region in image pixels."""

    cx: float
    cy: float
    side: float
    rotation: float

    def crop_matrix(self, out: int) -> np.ndarray:
        """2×3 affine mapping crop pixel (u, v) in 0..out to the image point."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        k = self.side / out
        linear = np.array([[c * k, -s * k], [s * k, c * k]])
        offset = np.array([self.cx, self.cy]) - linear @ np.array([out / 2, out / 2])
        return np.hstack([linear, offset[:, None]])

    def crop(self, image: np.ndarray, out: int, low: float, high: float) -> np.ndarray:
        """The ROI sampled into an out×out tensor, border replicated."""
        pixels = cv2.warpAffine(
            image,
            self.crop_matrix(out),
            (out, out),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        return to_tensor(pixels, low, high)

    def project(self, points: np.ndarray) -> np.ndarray:
        """Crop-normalised (N, 2) points → image pixels."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        dx = (points[:, 0] - 0.5) * self.side
        dy = (points[:, 1] - 0.5) * self.side
        return np.stack([self.cx + c * dx - s * dy, self.cy + s * dx + c * dy], axis=1)

    def axis_aligned(self) -> tuple[float, float, float, float]:
        half = self.side / 2
        return self.cx - half, self.cy - half, self.cx + half, self.cy + half
