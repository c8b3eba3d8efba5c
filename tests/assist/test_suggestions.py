"""Suggestions from a model's answer: label mapping, shapes inside the image, duplicates, filters."""

from __future__ import annotations

from app.assist import suggestions as sg
from app.assist.duplicates import box_iou, polygon_iou, same_shape
from app.assist.mapping import resolve
from app.models import (
    Annotation,
    Box,
    Deployment,
    Keypoint,
    Keypoints,
    ModelInfo,
    Polygon,
    PredictedPoint,
    Prediction,
    PredictionSet,
    Tag,
    TagKind,
    Task,
    Visibility,
)
from app.models.deployment import IGNORE

DETECT = ModelInfo(name="m", version="1", task=Task.DETECT, labels=("car", "person"))
D = Deployment(id=1, name="d", url="http://127.0.0.1:1", model="m")


def _p(label: str, score: float, x1: float, y1: float, x2: float, y2: float, **kw) -> Prediction:  # type: ignore[no-untyped-def]
    return Prediction(label=label, score=score, box=Box(x1=x1, y1=y1, x2=x2, y2=y2), **kw)


def test_labels_map_by_name_then_to_a_proposed_new_tag_and_can_be_ignored() -> None:
    tags = {1: Tag(id=1, name="Car", kind=TagKind.BOX), 2: Tag(id=2, name="person", kind=TagKind.POLYGON)}
    assert resolve("car", D, DETECT, tags).tag == tags[1]  # case-insensitive name, same kind
    person = resolve("person", D, DETECT, tags)
    assert person.is_new and person.tag.name == "person (box)" and person.tag.kind == TagKind.BOX
    mapped = D.model_copy(update={"label_map": {"person": 1, "car": IGNORE}})
    assert resolve("person", mapped, DETECT, tags).tag == tags[1]
    assert resolve("car", mapped, DETECT, tags).ignored


def test_a_tag_created_for_a_label_takes_that_labels_suggestions_from_then_on() -> None:
    tags = {2: Tag(id=2, name="person", kind=TagKind.POLYGON)}
    proposed = resolve("person", D, DETECT, tags).tag
    assert (proposed.name, proposed.model_label) == ("person (box)", "person")
    created = proposed.model_copy(update={"id": 3, "name": "pedestrian"})  # committed, then renamed
    assert resolve("person", D, DETECT, {**tags, 3: created}).tag == created
    assert resolve("car", D, DETECT, {**tags, 3: created}).tag.model_label == "car"


def test_a_remembered_keypoint_tag_that_no_longer_fits_is_not_remembered_twice() -> None:
    pose = ModelInfo(name="pose", task=Task.KEYPOINTS, labels=("hand",), keypoint_names=("a", "b", "c"))
    old = Tag(id=1, name="hand", kind=TagKind.KEYPOINTS, keypoint_names=("a", "b"), model_label="hand")
    target = resolve("hand", D, pose, {1: old})
    assert target.is_new and target.tag.model_label is None and target.tag.name == "hand (keypoints)"


def test_keypoint_model_brings_its_point_names_and_skeleton_to_a_new_tag() -> None:
    pose = ModelInfo(
        name="pose",
        task=Task.KEYPOINTS,
        labels=("hand",),
        keypoint_names=("a", "b", "c"),
        skeleton=((0, 1), (1, 2)),
    )
    target = resolve("hand", D, pose, {})
    assert target.tag.kind == TagKind.KEYPOINTS
    assert target.tag.keypoint_names == ("a", "b", "c") and target.tag.skeleton == ((0, 1), (1, 2))


def test_build_clips_into_the_image_and_drops_what_lies_outside() -> None:
    result = PredictionSet(
        model=DETECT,
        predictions=(
            _p("car", 0.9, -10, -10, 50, 40),
            _p("car", 0.8, 500, 500, 600, 600),
            _p("person", 0.7, 10, 10, 20, 20),
        ),
    )
    out = sg.build(result, D, {}, 100, 80)
    assert [s.label for s in out] == ["car", "person"]
    assert out[0].geometry == Box(x1=0, y1=0, x2=50, y2=40)
    assert out[0].target.is_new  # an unmapped label is shown, not dropped


def test_identical_predictions_get_distinct_keys() -> None:
    result = PredictionSet(model=DETECT, predictions=(_p("car", 0.9, 1, 1, 9, 9), _p("car", 0.9, 1, 1, 9, 9)))
    keys = [s.key for s in sg.build(result, D, {}, 100, 100)]
    assert len(set(keys)) == 2


def test_keypoints_outside_the_image_are_not_placed_and_weak_ones_are_occluded() -> None:
    pose = ModelInfo(name="pose", task=Task.KEYPOINTS, labels=("p",), keypoint_names=("a", "b", "c"))
    points = (
        PredictedPoint(x=5, y=5, score=0.9),
        PredictedPoint(x=6, y=6, score=0.2),
        PredictedPoint(x=500, y=5),
    )
    result = PredictionSet(model=pose, predictions=(_p("p", 0.9, 0, 0, 10, 10, keypoints=points),))
    (s,) = sg.build(result, D, {}, 100, 100)
    assert [p.v for p in s.geometry.points] == [
        Visibility.VISIBLE,
        Visibility.OCCLUDED,
        Visibility.UNLABELLED,
    ]


def test_duplicates_of_existing_annotations_of_the_same_tag_are_hidden() -> None:
    car = Tag(id=1, name="car", kind=TagKind.BOX)
    result = PredictionSet(
        model=DETECT, predictions=(_p("car", 0.9, 10, 10, 50, 50), _p("car", 0.8, 60, 60, 90, 90))
    )
    out = sg.build(result, D, {1: car}, 100, 100)
    existing = [Annotation(id=1, image_id=1, tag_id=1, geometry=Box(x1=11, y1=10, x2=50, y2=51))]
    assert sg.duplicates(out, existing) == {out[0].key}
    other_tag = [Annotation(id=1, image_id=1, tag_id=2, geometry=Box(x1=11, y1=10, x2=50, y2=51))]
    assert sg.duplicates(out, other_tag) == set()


def test_threshold_filter_and_candidates() -> None:
    result = PredictionSet(
        model=DETECT, predictions=tuple(_p("car", s, 0, 0, 5 + s, 5) for s in (0.9, 0.6, 0.2))
    )
    out = sg.build(result, D, {}, 100, 100)
    assert [s.score for s in sg.above(out, 0.5)] == [0.9, 0.6]
    assert [s.score for s in sg.candidates(out, {out[0].key})] == [0.6, 0.2]


def test_shape_comparisons() -> None:
    a = Box(x1=0, y1=0, x2=10, y2=10)
    assert box_iou(a, a) == 1.0 and box_iou(a, Box(x1=20, y1=20, x2=30, y2=30)) == 0.0
    square = Polygon(points=((0, 0), (100, 0), (100, 100), (0, 100)))
    triangle = Polygon(points=((0, 0), (100, 0), (0, 100)))
    assert polygon_iou(square, square) > 0.98
    assert 0.4 < polygon_iou(square, triangle) < 0.6
    assert not same_shape(square, triangle)
    k1 = Keypoints(points=(Keypoint(x=0, y=0, v=2), Keypoint(x=100, y=100, v=2)))
    k2 = Keypoints(points=(Keypoint(x=1, y=1, v=2), Keypoint(x=101, y=99, v=2)))
    k3 = Keypoints(points=(Keypoint(x=30, y=0, v=2), Keypoint(x=100, y=60, v=2)))
    assert same_shape(k1, k2) and not same_shape(k1, k3)
