"""Pure geometry editing for the canvas tools: handles, hit tests, drags. No Qt."""

from __future__ import annotations

import math

from app.models.geometry import Box, Geometry, Keypoint, Keypoints, Polygon, Visibility

# Box handles, clockwise from the top-left corner.
TL, T, TR, R, BR, B, BL, L = range(8)


def handles(geometry: Geometry) -> list[tuple[float, float]]:
    """Handle positions; the index of a handle is what `drag_handle` takes."""
    if isinstance(geometry, Box):
        g = geometry
        cx, cy = (g.x1 + g.x2) / 2, (g.y1 + g.y2) / 2
        return [
            (g.x1, g.y1),
            (cx, g.y1),
            (g.x2, g.y1),
            (g.x2, cy),
            (g.x2, g.y2),
            (cx, g.y2),
            (g.x1, g.y2),
            (g.x1, cy),
        ]
    if isinstance(geometry, Polygon):
        return list(geometry.points)
    return [(p.x, p.y) if p.v != Visibility.UNLABELLED else (math.nan, math.nan) for p in geometry.points]


def handle_at(geometry: Geometry, x: float, y: float, radius: float) -> int | None:
    """Index of the nearest handle within `radius` of (x, y)."""
    best, best_d = None, radius
    for i, (hx, hy) in enumerate(handles(geometry)):
        d = math.hypot(hx - x, hy - y)
        if d <= best_d:
            best, best_d = i, d
    return best


def drag_handle(geometry: Geometry, index: int, x: float, y: float) -> Geometry:
    """The geometry with handle `index` moved to (x, y)."""
    if isinstance(geometry, Box):
        x1, y1, x2, y2 = geometry.x1, geometry.y1, geometry.x2, geometry.y2
        if index in (TL, L, BL):
            x1 = x
        if index in (TR, R, BR):
            x2 = x
        if index in (TL, T, TR):
            y1 = y
        if index in (BL, B, BR):
            y2 = y
        return Box(x1=x1, y1=y1, x2=x2, y2=y2)
    if isinstance(geometry, Polygon):
        pts = list(geometry.points)
        pts[index] = (x, y)
        return Polygon(points=tuple(pts))
    kps = list(geometry.points)
    kps[index] = Keypoint(x=x, y=y, v=kps[index].v)
    return Keypoints(points=tuple(kps))


def nearest_edge(
    polygon: Polygon, x: float, y: float, radius: float
) -> tuple[int, tuple[float, float]] | None:
    """(index of the edge's first vertex, nearest point on it) for the closest edge within `radius`."""
    best = None
    best_d = radius
    pts = polygon.points
    for i in range(len(pts)):
        (ax, ay), (bx, by) = pts[i], pts[(i + 1) % len(pts)]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
        px, py = ax + t * dx, ay + t * dy
        d = math.hypot(px - x, py - y)
        if d <= best_d:
            best, best_d = (i, (px, py)), d
    return best


def insert_vertex(polygon: Polygon, edge: int, point: tuple[float, float]) -> Polygon:
    pts = list(polygon.points)
    pts.insert(edge + 1, point)
    return Polygon(points=tuple(pts))


def remove_vertex(polygon: Polygon, index: int) -> Polygon | None:
    """The polygon without vertex `index`, or None when that would leave fewer than three."""
    if len(polygon.points) <= 3:
        return None
    return Polygon(points=tuple(p for i, p in enumerate(polygon.points) if i != index))


def set_visibility(keypoints: Keypoints, index: int, v: Visibility) -> Keypoints:
    kps = list(keypoints.points)
    kps[index] = Keypoint(x=kps[index].x, y=kps[index].y, v=v)
    return Keypoints(points=tuple(kps))


def toggle_visibility(keypoints: Keypoints, index: int) -> Keypoints:
    p = keypoints.points[index]
    v = Visibility.OCCLUDED if p.v == Visibility.VISIBLE else Visibility.VISIBLE
    return set_visibility(keypoints, index, v)
