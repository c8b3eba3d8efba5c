"""Tags, annotations and image records: validation messages and JSON round trips."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from app.models import (
    Annotation,
    Box,
    ImageRecord,
    ImageStatus,
    Keypoint,
    Keypoints,
    Polygon,
    Provenance,
    Source,
    Tag,
    TagKind,
    Visibility,
)


def test_tag_name_is_stripped():
    assert Tag(name="  cat \t").name == "cat"


@pytest.mark.parametrize("name", ["", "   ", "\n\t"])
def test_tag_needs_a_name(name):
    with pytest.raises(ValidationError, match="name"):
        Tag(name=name)


def test_tag_name_length_is_limited():
    with pytest.raises(ValidationError):
        Tag(name="x" * 201)


def test_tag_colour_is_normalised_to_lower_case():
    assert Tag(name="a", color=" #A1B2C3 ").color == "#a1b2c3"


@pytest.mark.parametrize("color", ["red", "#fff", "#12345g", "123456", "#1234567", "#12 456"])
def test_tag_colour_must_be_rrggbb(color):
    with pytest.raises(ValidationError, match=r"#rrggbb"):
        Tag(name="a", color=color)


def test_keypoint_tag_needs_point_names():
    with pytest.raises(ValidationError, match="at least one point name"):
        Tag(name="pose", kind=TagKind.KEYPOINTS)


@pytest.mark.parametrize("edge", [(0, 3), (-1, 0), (1, 1)])
def test_keypoint_skeleton_must_join_two_existing_points(edge):
    with pytest.raises(ValidationError, match="does not join two of the 3 points"):
        Tag(name="p", kind=TagKind.KEYPOINTS, keypoint_names=("a", "b", "c"), skeleton=(edge,))


def test_valid_keypoint_tag():
    t = Tag(name="p", kind="keypoints", keypoint_names=["a", "b", "c"], skeleton=[[0, 1], [1, 2]])
    assert t.kind is TagKind.KEYPOINTS
    assert t.keypoint_names == ("a", "b", "c")
    assert t.skeleton == ((0, 1), (1, 2))


@pytest.mark.parametrize("kind", [TagKind.BOX, TagKind.POLYGON])
def test_only_keypoint_tags_have_names_or_skeleton(kind):
    with pytest.raises(ValidationError, match="only keypoint tags"):
        Tag(name="x", kind=kind, keypoint_names=("a",))
    with pytest.raises(ValidationError, match="only keypoint tags"):
        Tag(name="x", kind=kind, skeleton=((0, 1),))


def test_tag_round_trips_through_json():
    t = Tag(
        id=4, name="hand", color="#00ff00", kind="keypoints", keypoint_names=("a", "b"), skeleton=((0, 1),)
    )
    assert Tag.model_validate_json(t.model_dump_json()) == t


_WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)

GEOMETRIES = [
    Box(x1=1.5, y1=2.25, x2=100.125, y2=50),
    Polygon(points=[(0, 0), (10.5, 0), (10.5, 7.75), (0.001, 7)]),
    Keypoints(
        points=[
            Keypoint(x=1, y=2, v=Visibility.VISIBLE),
            Keypoint(),
            Keypoint(x=3.5, y=4.5, v=Visibility.OCCLUDED),
        ]
    ),
]


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=lambda g: g.type)
def test_annotation_round_trips_through_json(geometry):
    a = Annotation(
        id=7,
        image_id=3,
        tag_id=2,
        geometry=geometry,
        provenance=Provenance(
            source=Source.MODEL, deployment="local", model="yolo", version="8n", score=0.875, time=_WHEN
        ),
    )
    back = Annotation.model_validate_json(a.model_dump_json())
    assert back == a
    assert type(back.geometry) is type(geometry)
    assert back.provenance.time == _WHEN


def test_manual_provenance_is_the_default_and_has_an_aware_time():
    p = Annotation(image_id=1, tag_id=1, geometry=GEOMETRIES[0]).provenance
    assert p.source is Source.MANUAL
    assert p.score is None and p.model is None
    assert p.time.tzinfo is not None


@pytest.mark.parametrize("score", [-0.01, 1.01, float("nan")])
def test_provenance_score_must_be_a_probability(score):
    with pytest.raises(ValidationError, match="score"):
        Provenance(source=Source.MODEL, score=score)


def test_image_record_defaults_and_checks():
    r = ImageRecord(path="photos/a.jpg")
    assert (r.width, r.height, r.status) == (0, 0, ImageStatus.NEW)
    with pytest.raises(ValidationError):
        ImageRecord(path="")
    with pytest.raises(ValidationError):
        ImageRecord(path="a.jpg", width=-1)
    with pytest.raises(ValidationError):
        ImageRecord(path="a.jpg", status="finished")
