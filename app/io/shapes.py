"""Small geometry conversions the formats share (flat coordinate lists, areas, bounds)."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from app.models.geometry import Box, Point, Polygon

# (min x, min y, max x, max y) of a geometry's coordinates.
Extent = tuple[float, float, float, float]


def flat(points: Sequence[Point], ndigits: int = 2) -> list[float]:
    """[(x, y), ...] → [x, y, x, y, ...], rounded to `ndigits` (a hundredth of a pixel by default)."""
    return [round(v, ndigits) for p in points for v in p]


def pairs(values: Sequence[float]) -> list[Point]:
    """[x, y, x, y, ...] → [(x, y), ...]; raises ValueError for an odd count."""
    if len(values) % 2:
        raise ValueError(f"{len(values)} coordinates cannot be (x, y) pairs")
    floats = list(map(float, values))
    return list(zip(floats[0::2], floats[1::2], strict=True))


class FlatPolygon:
    """A polygon as datasets store it, [x, y, x, y, ...]: three points or more, every value a finite float.
    An import carries this instead of a `Polygon` model, which costs more to build, to keep and to write."""

    __slots__ = ("values",)
    type = "polygon"

    def __init__(self, values: list[float]) -> None:
        self.values = values

    @property
    def points(self) -> list[Point]:
        it = iter(self.values)
        return list(zip(it, it, strict=True))

    def model(self) -> Polygon:
        return Polygon.model_construct(points=tuple(self.points))

    def json(self) -> str:
        """The same text as the model's `model_dump_json()` (orjson and pydantic write floats alike),
        without building the model."""
        return orjson.dumps({"type": "polygon", "points": self.points}).decode()


def polygon_and_extent(values: Sequence[float]) -> tuple[FlatPolygon | Polygon, Extent]:
    """[x, y, x, y, ...] → the polygon and its extent. Plainly good values (three points or more, all
    finite: nearly every polygon of a dataset) skip the model, which is most of an import's time;
    anything else goes through it, for its own message. Raises as `pairs` and the model do."""
    if isinstance(values, list) and set(map(type, values)) <= {float}:
        floats = values  # a parsed file's list of floats is kept, not copied: an import holds every one
    else:
        floats = list(map(float, values))
    if len(floats) % 2:
        raise ValueError(f"{len(floats)} coordinates cannot be (x, y) pairs")
    xs, ys = floats[0::2], floats[1::2]
    extent = (min(xs), min(ys), max(xs), max(ys)) if floats else (0.0, 0.0, 0.0, 0.0)
    total = sum(floats)  # not finite if any value is not (or the sum overflows: then the model decides)
    if len(floats) >= 6 and total - total == 0.0:
        return FlatPolygon(floats), extent
    return Polygon(points=tuple(zip(xs, ys, strict=True))), extent


def box_from_corners(x1: float, y1: float, x2: float, y2: float) -> Box:
    """The box between two corners, in any order. Finite floats (nearly every box of a dataset) skip the
    model's validation; anything else goes through it, for its own message."""
    if type(x1) is type(y1) is type(x2) is type(y2) is float and is_finite((x1 + y1 + x2 + y2,)):
        return Box.model_construct(x1=min(x1, x2), y1=min(y1, y2), x2=max(x1, x2), y2=max(y1, y2))
    return Box(x1=x1, y1=y1, x2=x2, y2=y2)


def polygon_area(points: Sequence[Point]) -> float:
    """Shoelace area of a simple polygon."""
    n = len(points)
    twice = sum(
        points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1] for i in range(n)
    )
    return abs(twice) / 2.0


def box_corners(box: Box) -> list[Point]:
    return [(box.x1, box.y1), (box.x2, box.y1), (box.x2, box.y2), (box.x1, box.y2)]


def is_finite(values: Sequence[float]) -> bool:
    return all(v == v and v not in (float("inf"), float("-inf")) for v in values)
