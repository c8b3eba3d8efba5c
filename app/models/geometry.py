"""Annotation geometry in image pixels: origin top-left, x right, y down, continuous coordinates."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Point = tuple[float, float]


class Box(BaseModel):
    """Axis-aligned rectangle, corners stored normalised so x1 <= x2 and y1 <= y2."""

    # NaN/inf would be written to the project as null and make the image's annotations unreadable.
    model_config = ConfigDict(frozen=True, allow_inf_nan=False, defer_build=True)
    type: Literal["box"] = "box"
    x1: float
    y1: float
    x2: float
    y2: float

    @model_validator(mode="before")
    @classmethod
    def _ordered(cls, data: Any) -> Any:
        if isinstance(data, dict) and all(k in data for k in ("x1", "y1", "x2", "y2")):
            try:
                x1, y1, x2, y2 = (float(data[k]) for k in ("x1", "y1", "x2", "y2"))
            except (TypeError, ValueError):
                return data  # let field validation report the bad value as a ValidationError
            data = {**data, "x1": min(x1, x2), "y1": min(y1, y2), "x2": max(x1, x2), "y2": max(y1, y2)}
        return data

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def bounds(self) -> Box:
        return self

    def translated(self, dx: float, dy: float) -> Box:
        return Box(x1=self.x1 + dx, y1=self.y1 + dy, x2=self.x2 + dx, y2=self.y2 + dy)


class Polygon(BaseModel):
    """A closed polygon; at least three vertices."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False, defer_build=True)
    type: Literal["polygon"] = "polygon"
    points: tuple[Point, ...] = Field(min_length=3)

    def bounds(self) -> Box:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return Box(x1=min(xs), y1=min(ys), x2=max(xs), y2=max(ys))

    def translated(self, dx: float, dy: float) -> Polygon:
        return Polygon(points=tuple((x + dx, y + dy) for x, y in self.points))


class Visibility(IntEnum):
    """COCO keypoint visibility."""

    UNLABELLED = 0
    OCCLUDED = 1
    VISIBLE = 2


class Keypoint(BaseModel):
    model_config = ConfigDict(frozen=True, allow_inf_nan=False, defer_build=True)
    x: float = 0.0
    y: float = 0.0
    v: Visibility = Visibility.UNLABELLED


class Keypoints(BaseModel):
    """One instance of a keypoint tag: one entry per named point of the tag, in the tag's order."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    type: Literal["keypoints"] = "keypoints"
    points: tuple[Keypoint, ...] = Field(min_length=1)

    def labelled(self) -> list[Keypoint]:
        return [p for p in self.points if p.v != Visibility.UNLABELLED]

    def bounds(self) -> Box:
        pts = self.labelled() or list(self.points)
        return Box(
            x1=min(p.x for p in pts),
            y1=min(p.y for p in pts),
            x2=max(p.x for p in pts),
            y2=max(p.y for p in pts),
        )

    def translated(self, dx: float, dy: float) -> Keypoints:
        return Keypoints(
            points=tuple(
                p if p.v == Visibility.UNLABELLED else Keypoint(x=p.x + dx, y=p.y + dy, v=p.v)
                for p in self.points
            )
        )


Geometry = Annotated[Box | Polygon | Keypoints, Field(discriminator="type")]


def clip_to_image(
    geometry: Box | Polygon | Keypoints, width: float, height: float
) -> Box | Polygon | Keypoints:
    """Clip coordinates into the image rectangle [0, width] × [0, height]."""

    def cx(v: float) -> float:
        return min(max(v, 0.0), width)

    def cy(v: float) -> float:
        return min(max(v, 0.0), height)

    if width <= 0 or height <= 0:
        return geometry
    if isinstance(geometry, Box):
        return Box(x1=cx(geometry.x1), y1=cy(geometry.y1), x2=cx(geometry.x2), y2=cy(geometry.y2))
    if isinstance(geometry, Polygon):
        return Polygon(points=tuple((cx(x), cy(y)) for x, y in geometry.points))
    return Keypoints(
        points=tuple(
            p if p.v == Visibility.UNLABELLED else Keypoint(x=cx(p.x), y=cy(p.y), v=p.v)
            for p in geometry.points
        )
    )
