"""What every segmentation engine takes and gives: a prompt in image pixels in, a mask over part of the
image out. Engines work on a reduced copy of a region (the whole image for a SAM embedding, the part around
the clicks for GrabCut), so a 12 MP photo costs what a screen-sized one does."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # numpy and OpenCV load with the first segmentation, not with the window
    import numpy as np

Point = tuple[float, float]
Rect = tuple[float, float, float, float]  # x1, y1, x2, y2 in image pixels


@dataclass(frozen=True)
class Picture:
    """The image as the engines see it: BGR pixels, decoded at `scale` image pixels per pixel (1 unless the
    image is larger than the engines ever need)."""

    pixels: np.ndarray
    scale: float = 1.0

    @property
    def width(self) -> float:
        """Width in image pixels."""
        return self.pixels.shape[1] * self.scale

    @property
    def height(self) -> float:
        return self.pixels.shape[0] * self.scale


@dataclass(frozen=True)
class Prompt:
    """What the labeller gave: points on the object, points off it, and a box around it (image pixels)."""

    positive: tuple[Point, ...] = ()
    negative: tuple[Point, ...] = ()
    box: Rect | None = None

    def is_empty(self) -> bool:
        return not self.positive and self.box is None

    def extent(self) -> Rect:
        """The rectangle holding every point and the box."""
        xs = [p[0] for p in self.positive + self.negative]
        ys = [p[1] for p in self.positive + self.negative]
        if self.box is not None:
            xs += [self.box[0], self.box[2]]
            ys += [self.box[1], self.box[3]]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Mask:
    """A mask over a rectangle of the image: `pixels` (bool, True inside) starts at image point (x0, y0) and
    each of its pixels covers `scale` × `scale` image pixels."""

    pixels: np.ndarray
    x0: float = 0.0
    y0: float = 0.0
    scale: float = 1.0
    score: float | None = None  # the engine's own estimate of its quality, where it has one

    def is_empty(self) -> bool:
        return not bool(self.pixels.any())

    def to_image(self, x: float, y: float) -> Point:
        """Image coordinates of mask coordinates (x, y) (continuous: pixel i spans [i, i+1))."""
        return self.x0 + x * self.scale, self.y0 + y * self.scale


class Engine(Protocol):
    """One way to segment. `prepare` does what is done once per image (an embedding; nothing for GrabCut) and
    may take long; `segment` answers one prompt and should take a fraction of a second. Both run on worker
    threads: an engine keeps no per-image state of its own (it lives in what `prepare` returns)."""

    id: str
    title: str
    uses_box: bool  # False: a box from the labeller does nothing (Intelligent Scissors)

    def prepare(self, picture: Picture) -> object: ...

    def segment(self, picture: Picture, prepared: object, prompt: Prompt, view: Rect) -> Mask: ...


@dataclass(frozen=True)
class Region:
    """A rectangle of the picture taken at reduced size: `pixels` is picture region (x0, y0, x1, y1) scaled by
    `factor` (≤ 1). Coordinates go both ways in image pixels."""

    pixels: np.ndarray
    x0: int
    y0: int
    factor: float  # region pixels per picture pixel
    picture_scale: float  # image pixels per picture pixel

    @property
    def image_per_pixel(self) -> float:
        return self.picture_scale / self.factor

    def from_image(self, x: float, y: float) -> Point:
        s = self.picture_scale
        return (x / s - self.x0) * self.factor, (y / s - self.y0) * self.factor

    def mask(self, pixels: np.ndarray, score: float | None = None) -> Mask:
        """A mask over this region, placed in the image."""
        s = self.picture_scale
        return Mask(pixels.astype(bool), self.x0 * s, self.y0 * s, self.image_per_pixel, score)


def take_region(picture: Picture, rect: Rect, max_side: int) -> Region:
    """The picture inside `rect` (image pixels, clipped to the picture), reduced to at most `max_side` pixels
    on its long side. Shrinking uses area averaging, which keeps edges that GrabCut and the scissors follow."""
    import cv2
    import numpy as np

    h, w = picture.pixels.shape[:2]
    s = picture.scale
    x0 = min(max(int(math.floor(rect[0] / s)), 0), w - 1)
    y0 = min(max(int(math.floor(rect[1] / s)), 0), h - 1)
    x1 = max(min(int(math.ceil(rect[2] / s)), w), x0 + 1)
    y1 = max(min(int(math.ceil(rect[3] / s)), h), y0 + 1)
    crop = picture.pixels[y0:y1, x0:x1]
    factor = min(1.0, max_side / max(x1 - x0, y1 - y0))
    if factor < 1.0:
        size = (max(1, round((x1 - x0) * factor)), max(1, round((y1 - y0) * factor)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
        factor = size[0] / (x1 - x0)
    return Region(np.ascontiguousarray(crop), x0, y0, factor, s)


def clip_rect(rect: Rect, bounds: Rect) -> Rect:
    """`rect` inside `bounds` (it may come out empty: x2 ≤ x1)."""
    return max(rect[0], bounds[0]), max(rect[1], bounds[1]), min(rect[2], bounds[2]), min(rect[3], bounds[3])
