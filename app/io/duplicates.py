"""Telling an imported annotation that is already on its image (or twice in the file) from a new one."""

from __future__ import annotations

from collections.abc import Iterable

from app.io.shapes import FlatPolygon
from app.models.geometry import Box, Keypoints, Polygon, Visibility

Shape = Box | Polygon | Keypoints | FlatPolygon


class Seen:
    """The annotations of one image, to skip duplicates: two are the same when their keys are (`_key`:
    every coordinate rounded to 0.01 px). Rounding every coordinate of every annotation is the slowest part
    of an import, and two annotations rarely share even their first point, so keys are compared only among
    annotations whose heads (tag, kind, size and first point) are equal."""

    def __init__(self, existing: Iterable[tuple[int, Shape]] = ()) -> None:
        self._by_head: dict[tuple, list[tuple]] = {}
        for tag, g in existing:
            self.add(tag, g)

    def add(self, tag: int, g: Shape) -> bool:
        """Note the annotation; False if an equal one was noted before."""
        head = _head(tag, g)
        same = self._by_head.get(head)
        if same is None:
            self._by_head[head] = [(tag, g)]
            return True
        key = _key(tag, g)
        if any(_key(*other) == key for other in same):
            return False
        same.append((tag, g))
        return True


def _head(tag: int, g: Shape) -> tuple:
    """A prefix of `_key`: equal keys have equal heads."""
    if isinstance(g, Box):
        return _key(tag, g)
    if isinstance(g, FlatPolygon):
        v = g.values
        return (tag, g.type, len(v) // 2, round(v[0], 2), round(v[1], 2))
    if isinstance(g, Polygon):
        x, y = g.points[0]
    else:
        x, y = g.points[0].x, g.points[0].y
    return (tag, g.type, len(g.points), round(x, 2), round(y, 2))


def _key(tag: int, g: Shape) -> tuple:
    if isinstance(g, Box):
        values: tuple = (g.x1, g.y1, g.x2, g.y2)
    elif isinstance(g, FlatPolygon):
        values = tuple(g.values)
    elif isinstance(g, Polygon):
        values = tuple(v for p in g.points for v in p)
    else:
        values = tuple(
            v for p in g.points for v in (p.x, p.y, int(p.v) if p.v != Visibility.UNLABELLED else 0)
        )
    return (tag, g.type, tuple(round(v, 2) for v in values))
