"""Comparing the annotations of two projects, image by image, within a pixel."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from app.models import Box, Keypoints, Polygon, TagKind
from app.store import ProjectStore

FACE_POINTS = ("nose", "left_eye", "right_eye", "left_ear", "right_ear")
Shape = tuple[str, str, tuple[float, ...]]  # tag name, geometry type, coordinates


def shapes_by_image(project: Path, kinds: tuple[TagKind, ...] = tuple(TagKind)) -> dict[str, list[Shape]]:
    """Image file name → its annotations of the given tag kinds, sorted, as plain tuples."""
    store = ProjectStore.open(project)
    try:
        tags = {t.id: t for t in store.tags()}
        out: dict[str, list[Shape]] = {}
        for img in store.images():
            shapes = [
                (tags[a.tag_id].name.split(" (")[0], a.geometry.type, _coords(a.geometry))
                for a in store.annotations_for(img.id)
                if tags[a.tag_id].kind in kinds
            ]
            out.setdefault(_name(img.path), []).extend(shapes)  # YOLO: one file per task dataset
        return {name: sorted(shapes) for name, shapes in out.items()}
    finally:
        store.close()


def _name(path: str) -> str:
    p = PurePosixPath(path)
    return "__".join(x for x in p.parts if x not in ("..", ".")) if p.parent.name == "more" else p.name


def _coords(g: Box | Polygon | Keypoints) -> tuple[float, ...]:
    if isinstance(g, Box):
        return (g.x1, g.y1, g.x2, g.y2)
    if isinstance(g, Polygon):
        return tuple(v for p in g.points for v in p)
    return tuple(v for p in g.points for v in (p.x if p.v else 0.0, p.y if p.v else 0.0, float(p.v)))


def assert_same_within_a_pixel(before: dict[str, list[Shape]], after: dict[str, list[Shape]]) -> None:
    assert set(after) == set(before), f"images differ: {set(before) ^ set(after)}"
    for name, shapes in before.items():
        got = after[name]
        assert len(got) == len(shapes), f"{name}: {len(shapes)} annotations before, {len(got)} after"
        for want, have in zip(shapes, got, strict=True):
            assert want[:2] == have[:2], f"{name}: {want[:2]} became {have[:2]}"
            assert len(want[2]) == len(have[2]), f"{name}: {want} became {have}"
            worst = max((abs(a - b) for a, b in zip(want[2], have[2], strict=True)), default=0.0)
            assert worst <= 1.0, f"{name}: {want} moved by {worst:.2f} px to {have}"
