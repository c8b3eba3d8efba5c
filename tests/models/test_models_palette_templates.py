"""Default tag colours and the built-in keypoint templates."""

import pytest

from app.models import Tag, TagKind
from app.models.palette import DISTINCT_COLORS, next_color
from app.models.templates import (
    BODY_33_NAMES,
    BODY_33_SKELETON,
    HAND_21_NAMES,
    HAND_21_SKELETON,
    KEYPOINT_TEMPLATES,
    keypoint_tag,
)


def edges(text: str) -> set[tuple[int, int]]:
    """'0-1 0-4 …' as a set of (a, b) pairs."""
    return {(int(a), int(b)) for a, b in (pair.split("-") for pair in text.split())}


# mediapipe.solutions.pose.POSE_CONNECTIONS and hands.HAND_CONNECTIONS, sorted.
MEDIAPIPE_POSE_CONNECTIONS = edges(
    "0-1 0-4 1-2 2-3 3-7 4-5 5-6 6-8 9-10 11-12 11-13 11-23 12-14 12-24 13-15 14-16 15-17 15-19 15-21 "
    "16-18 16-20 16-22 17-19 18-20 23-24 23-25 24-26 25-27 26-28 27-29 27-31 28-30 28-32 29-31 30-32"
)
MEDIAPIPE_HAND_CONNECTIONS = edges(
    "0-1 0-5 0-17 1-2 2-3 3-4 5-6 5-9 6-7 7-8 9-10 9-13 10-11 11-12 13-14 13-17 14-15 15-16 17-18 18-19 19-20"
)


def test_palette_colours_are_distinct_and_valid_tag_colours():
    assert len(set(DISTINCT_COLORS)) == len(DISTINCT_COLORS) >= 12
    for c in DISTINCT_COLORS:
        assert Tag(name="t", color=c).color == c


def test_next_color_gives_a_different_colour_for_each_new_tag():
    used: list[str] = []
    for _ in range(len(DISTINCT_COLORS)):
        used.append(next_color(used))
    assert sorted(used) == sorted(DISTINCT_COLORS)


def test_next_color_ignores_case_of_used_colours():
    assert next_color([DISTINCT_COLORS[0].upper()]) == DISTINCT_COLORS[1]


def test_next_color_still_answers_when_the_palette_is_exhausted():
    assert next_color(set(DISTINCT_COLORS)) in DISTINCT_COLORS


@pytest.mark.parametrize(
    ("names", "skeleton", "count", "reference"),
    [
        (BODY_33_NAMES, BODY_33_SKELETON, 33, MEDIAPIPE_POSE_CONNECTIONS),
        (HAND_21_NAMES, HAND_21_SKELETON, 21, MEDIAPIPE_HAND_CONNECTIONS),
    ],
    ids=["body", "hand"],
)
def test_templates_match_mediapipe(names, skeleton, count, reference):
    assert len(names) == count
    assert len(set(names)) == count
    assert len(skeleton) == len(set(skeleton)) == len(reference)
    assert {tuple(sorted(e)) for e in skeleton} == reference
    assert {i for e in skeleton for i in e} == set(range(count))  # every point is drawn


def test_template_names_in_mediapipe_order():
    assert (BODY_33_NAMES[0], BODY_33_NAMES[11], BODY_33_NAMES[32]) == (
        "NOSE",
        "LEFT_SHOULDER",
        "RIGHT_FOOT_INDEX",
    )
    assert (HAND_21_NAMES[0], HAND_21_NAMES[4], HAND_21_NAMES[20]) == ("WRIST", "THUMB_TIP", "PINKY_TIP")


@pytest.mark.parametrize("template", sorted(KEYPOINT_TEMPLATES))
def test_keypoint_tag_from_each_template_is_valid(template):
    t = keypoint_tag("person", template, "#3cb44b")
    assert t.kind is TagKind.KEYPOINTS
    assert (t.keypoint_names, t.skeleton) == KEYPOINT_TEMPLATES[template]
