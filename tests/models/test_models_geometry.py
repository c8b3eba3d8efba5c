"""Geometry models: what a drawn shape becomes, and what is refused."""

import math

import pytest
from pydantic import TypeAdapter, ValidationError

from app.models import Box, Geometry, Keypoint, Keypoints, Polygon, Visibility


def test_box_dragged_up_and_left_is_stored_with_ordered_corners():
    b = Box(x1=50, y1=40, x2=10, y2=5)
    assert (b.x1, b.y1, b.x2, b.y2) == (10, 5, 50, 40)
    assert (b.width, b.height) == (40, 35)


def test_box_normalises_when_loaded_from_json_too():
    b = Box.model_validate_json('{"type": "box", "x1": 9, "y1": 8, "x2": 1, "y2": 2}')
    assert (b.x1, b.y1, b.x2, b.y2) == (1, 2, 9, 8)


def test_box_translated_keeps_size():
    b = Box(x1=1, y1=2, x2=11, y2=22).translated(5, -2)
    assert (b.x1, b.y1, b.x2, b.y2) == (6, 0, 16, 20)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_box_refuses_non_finite_coordinates(bad):
    # A NaN would be saved as null and the image's annotations could no longer be read back.
    with pytest.raises(ValidationError, match="finite"):
        Box(x1=bad, y1=0, x2=10, y2=10)


@pytest.mark.parametrize("bad", [None, "left", [1, 2]])
def test_box_with_a_non_number_gives_a_validation_error(bad):
    with pytest.raises(ValidationError, match="x1"):
        Box(x1=bad, y1=0, x2=10, y2=10)


@pytest.mark.parametrize("points", [[], [(0, 0)], [(0, 0), (5, 5)]])
def test_polygon_needs_three_points(points):
    with pytest.raises(ValidationError, match="at least 3"):
        Polygon(points=points)


def test_polygon_bounds_and_translate():
    p = Polygon(points=[(10, 20), (30, 5), (25, 40)])
    b = p.bounds()
    assert (b.x1, b.y1, b.x2, b.y2) == (10, 5, 30, 40)
    assert p.translated(1, 2).points == ((11, 22), (31, 7), (26, 42))


def test_polygon_refuses_nan_vertex():
    with pytest.raises(ValidationError, match="finite"):
        Polygon(points=[(0, 0), (1, math.nan), (2, 2)])


def _kps() -> Keypoints:
    return Keypoints(
        points=[
            Keypoint(x=10, y=10, v=Visibility.VISIBLE),
            Keypoint(x=999, y=-999),  # unlabelled: its coordinates mean nothing
            Keypoint(x=30, y=50, v=Visibility.OCCLUDED),
        ]
    )


def test_keypoint_bounds_ignore_unlabelled_points():
    b = _kps().bounds()
    assert (b.x1, b.y1, b.x2, b.y2) == (10, 10, 30, 50)


def test_keypoints_translated_moves_only_labelled_points():
    moved = _kps().translated(5, 5)
    assert [(p.x, p.y, p.v) for p in moved.points] == [
        (15, 15, Visibility.VISIBLE),
        (999, -999, Visibility.UNLABELLED),
        (35, 55, Visibility.OCCLUDED),
    ]


def test_keypoints_all_unlabelled_still_have_bounds():
    kp = Keypoints(points=[Keypoint(x=1, y=2), Keypoint(x=3, y=4)])
    assert kp.labelled() == []
    b = kp.bounds()
    assert (b.x1, b.y1, b.x2, b.y2) == (1, 2, 3, 4)


def test_keypoints_need_a_point_and_a_known_visibility():
    with pytest.raises(ValidationError):
        Keypoints(points=[])
    with pytest.raises(ValidationError):
        Keypoint(x=1, y=1, v=3)


def test_geometry_union_picks_the_type_from_its_tag():
    adapter = TypeAdapter(Geometry)
    assert isinstance(adapter.validate_python({"type": "box", "x1": 0, "y1": 0, "x2": 1, "y2": 1}), Box)
    assert isinstance(
        adapter.validate_python({"type": "polygon", "points": [[0, 0], [1, 0], [1, 1]]}), Polygon
    )
    with pytest.raises(ValidationError):
        adapter.validate_python({"type": "circle", "r": 3})


def test_geometry_is_immutable():
    b = Box(x1=0, y1=0, x2=1, y2=1)
    with pytest.raises(ValidationError):
        b.x1 = 5
