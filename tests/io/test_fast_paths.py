"""The import's and export's fast paths give exactly what the slow ones gave, and the same messages."""

from __future__ import annotations

import json
import random
from itertools import chain
from pathlib import Path, PurePosixPath

import pytest
from pydantic import ValidationError

from app.io.coco_export import _flat_text, _floats, _segmentation
from app.io.images import flat_names
from app.io.shapes import FlatPolygon, box_from_corners, pairs, polygon_and_extent
from app.io.source_files import plain_error
from app.models.geometry import Box, Polygon
from app.project_files import relative_paths, relative_to_root


def _slow_polygon(values: list) -> Polygon:
    return Polygon(points=tuple(pairs(values)))


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3, 4, 5, 6],
        [0.5, 1.25, 3.0, 4.0, 5.0, 6.5, 7.0, 8.0],
        [True, 2, "3.5", 4, 5, 6],
        [1, 2, 3, 4],  # two points
        [1, 2, 3, 4, 5],  # odd
        [1, 2, float("nan"), 4, 5, 6],
        [1, 2, float("inf"), 4, 5, 6],
        [1e308, 1e308, 1e308, 1, 1, 1],  # a sum that overflows, of finite values
        [1, None, 3, 4, 5, 6],
        [1, "x", 3, 4, 5, 6],
    ],
)
def test_a_polygon_is_the_models_or_fails_with_its_message(values: list) -> None:
    try:
        expected: Polygon | str = _slow_polygon(values)
    except (ValueError, TypeError, ValidationError) as e:
        expected = plain_error(e)
    try:
        got, extent = polygon_and_extent(values)
    except (ValueError, TypeError, ValidationError) as e:
        assert plain_error(e) == expected
        return
    assert isinstance(expected, Polygon)
    if isinstance(got, FlatPolygon):  # carried without a model: the same model, and the same stored text
        assert got.json() == expected.model_dump_json()
        got = got.model()
    assert got == expected and got.model_dump_json() == expected.model_dump_json()
    xs, ys = [p[0] for p in got.points], [p[1] for p in got.points]
    assert extent == (min(xs), min(ys), max(xs), max(ys))


@pytest.mark.parametrize(
    "corners",
    [
        (1.0, 2.0, 3.0, 4.0),
        (3.0, 4.0, 1.0, 2.0),  # corners in the other order
        (-0.0, 1e300, 5.5, 2.25),
        (1e308, 1e308, 1e308, 1.0),  # a sum that overflows, of finite values
        (1, 2, 3, 4),
        (1.0, float("nan"), 2.0, 3.0),
        (1.0, 2.0, float("-inf"), 3.0),
        (1.0, "x", 2.0, 3.0),
    ],
)
def test_a_box_is_the_models_or_fails_with_its_message(corners: tuple) -> None:
    x1, y1, x2, y2 = corners
    try:
        expected: Box | str = Box(x1=x1, y1=y1, x2=x2, y2=y2)
    except ValidationError as e:
        expected = plain_error(e)
    try:
        got = box_from_corners(x1, y1, x2, y2)
    except ValidationError as e:
        assert plain_error(e) == expected
        return
    assert got == expected and got.model_dump_json() == expected.model_dump_json()


def _plain_polygon(stored: str) -> list[float] | None:
    """A stored polygon's numbers as the export reads them by string (None: left to json)."""
    flat = _flat_text(stored)
    return None if flat is None else _floats(flat)


def test_stored_polygons_read_by_string_as_json_reads_them() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        n = rng.randint(3, 12)
        values = [
            rng.choice([round(rng.uniform(-5, 5000), rng.randint(0, 6)), rng.uniform(0, 1e-6)])
            for _ in range(2 * n)
        ]
        polygon = Polygon(points=tuple(zip(values[0::2], values[1::2], strict=True)))
        stored = polygon.model_dump_json()
        plain = _plain_polygon(stored)
        if plain is not None:
            assert plain == list(chain.from_iterable(json.loads(stored)["points"]))
            assert [type(v) for v in plain] == [float] * len(plain)
    # Written by something else: left to json.
    assert _plain_polygon('{"type":"polygon","points":[[1,2],[3.0,4.0],[5.0,6.0]]}') is None
    assert _plain_polygon('{"type":"polygon","points":[[1e-07,2.0],[3.0,4.0],[5.0,6.0]]}') is None
    assert _plain_polygon('{"points":[[1.0,2.0],[3.0,4.0],[5.0,6.0]],"type":"polygon"}') is None
    assert _plain_polygon('{"type":"box","x1":1.0,"y1":2.0,"x2":3.0,"y2":4.0}') is None


def test_a_polygons_segmentation_is_what_json_dumps_writes_of_its_rounded_values() -> None:
    rng = random.Random(5)
    for _ in range(3000):
        n = rng.randint(3, 12)
        odd = rng.random() < 0.5  # else every value has at most two decimals: the stored text is reused
        values = [
            rng.choice([round(rng.uniform(-5, 5000), rng.randint(0, 4)), rng.uniform(0, 1e-6), 1e17])
            if odd and rng.random() < 0.3
            else round(rng.uniform(-5, 5000), rng.randint(0, 2))
            for _ in range(2 * n)
        ]
        stored = Polygon(points=tuple(zip(values[0::2], values[1::2], strict=True))).model_dump_json()
        read = list(chain.from_iterable(json.loads(stored)["points"]))
        flat = _flat_text(stored)
        got = _segmentation(stored, _plain_polygon(stored) or read, flat if _plain_polygon(stored) else None)
        assert got == json.dumps([[round(v, 2) for v in read]]), stored


def test_relative_paths_are_those_of_relative_to_root(tmp_path: Path) -> None:
    root = tmp_path / "project"
    paths = [
        root / "a.jpg",
        root / "images" / "b c.jpg",
        root / "x" / ".." / "a.jpg",
        root / "." / "a.jpg",
        tmp_path / "elsewhere" / "d.jpg",
        tmp_path / "project2" / "e.jpg",
        root,
    ]
    assert list(relative_paths(paths, root)) == [relative_to_root(p, root) for p in paths]


def _pathlib_flat_names(paths: list[str]) -> list[str]:
    """The pathlib reading of flat_names, kept to check the string one against."""
    pure = [PurePosixPath(p) for p in paths]
    counts: dict[str, int] = {}
    for p in pure:
        counts[p.stem.lower()] = counts.get(p.stem.lower(), 0) + 1
    taken: set[str] = set()
    out: list[str] = []
    for p in pure:
        folders = [x for x in p.parent.parts if x not in ("..", ".", "/")]
        name = "__".join([*folders, p.name]) if counts[p.stem.lower()] > 1 and folders else p.name
        stem, suffix, n = PurePosixPath(name).stem, PurePosixPath(name).suffix, 1
        while stem.lower() in taken:
            n += 1
            stem = f"{PurePosixPath(name).stem}-{n}"
        taken.add(stem.lower())
        out.append(stem + suffix)
    return out


def test_flat_names_split_paths_as_pathlib_does() -> None:
    rng = random.Random(1)
    atoms = ["a", "A", "x.jpg", "X.JPG", "a.b.c", ".hidden", "c.", ".", "..", "", "a.jpg", "a-2.jpg", "é.JPG"]
    for _ in range(5000):
        paths = []
        for _ in range(rng.randint(1, 8)):
            path = "/".join(rng.choice(atoms) for _ in range(rng.randint(1, 4)))
            paths.append(rng.choice(["", "", "", "/", "//", "///"]) + path)
        assert flat_names(paths) == _pathlib_flat_names(paths), paths
