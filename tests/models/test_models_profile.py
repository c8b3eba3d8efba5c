"""The annotation profile: one schema that the reference server writes and the OIP adapter reads."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from app.models import AnnotationProfile, Task

POSE = AnnotationProfile(
    task=Task.KEYPOINTS,
    labels=("person",),
    keypoint_names=("nose", "left eye", "right eye"),
    skeleton=((0, 1), (0, 2)),
    version="mediapipe-0.10.21",
)


def test_json_round_trip_keeps_every_field() -> None:
    again = AnnotationProfile.model_validate_json(POSE.model_dump_json())
    assert again == POSE
    assert (again.task, again.labels, again.keypoint_names, again.skeleton, again.version) == (
        Task.KEYPOINTS,
        ("person",),
        ("nose", "left eye", "right eye"),
        ((0, 1), (0, 2)),
        "mediapipe-0.10.21",
    )


def test_wire_form_is_plain_json_with_every_field_in_the_documented_order() -> None:
    wire = POSE.model_dump(mode="json")
    assert list(wire) == ["task", "labels", "keypoint_names", "skeleton", "version"]
    assert wire["task"] == "keypoints" and wire["skeleton"] == [[0, 1], [0, 2]]
    assert json.loads(json.dumps(wire)) == wire
    detect = AnnotationProfile(task=Task.DETECT, labels=("cat",), version="w1").model_dump(mode="json")
    assert detect == {
        "task": "detect",
        "labels": ["cat"],
        "keypoint_names": [],
        "skeleton": [],
        "version": "w1",
    }


def test_reading_is_lenient_about_extra_fields_and_missing_optional_ones() -> None:
    # MLServer adds its own `content_type` to a model's parameters; other servers may add more
    profile = AnnotationProfile.model_validate({"task": "segment", "content_type": "np", "labels": ["a"]})
    assert profile == AnnotationProfile(task=Task.SEGMENT, labels=("a",))
    bare = AnnotationProfile.model_validate({"task": "detect"})
    assert (bare.labels, bare.keypoint_names, bare.skeleton, bare.version) == ((), (), (), "")


@pytest.mark.parametrize(
    "parameters",
    [
        {},  # no task: not the profile at all
        {"task": "classify"},  # a task LabelAssist does not know
        {"task": "keypoints", "skeleton": [[0, 1, 2]]},  # an edge is a pair of indices
        {"task": "keypoints", "skeleton": [["nose", "eye"]]},
        {"task": "detect", "labels": "cat"},  # a list of names, not one string
        {"task": "detect", "labels": [0, 1]},  # names, not class indices
    ],
)
def test_what_is_not_the_profile_is_refused(parameters: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AnnotationProfile.model_validate(parameters)
