"""One labelling session whose every figure is known: a fake box model (tests/support/fake_oip.py) answers six
sample photos; the labeller commits, edits, deletes, dismisses and draws by hand in known amounts.

Scores are sums of powers of two, so they survive the protocol's FP32 exactly and sit between slider steps.

    image       the model's answer (label score box)            what the labeller does
    astronaut   car .875 a1, car .75 a2, person .625 a3,         S (a1 a2 a3); a2 moved 10 px right;
                car .125 a4 (below the slider)                   draws a car over a4 and a person (a miss)
    cat         car .9375 b1, person .5625 b2, car .375 b3       Space on b1, Esc (b2); slider 0.3, Esc (b3);
                                                                 draws a car (a miss)
    hand        car .8125 c1, car .53125 c2                      S, then deletes c2
    coffee      nothing                                          draws a car (a miss)
    dog         car .875 e1                                      S
    rocket      never asked                                      draws a car by hand (no model)

Version 2 of the model, asked on the astronaut afterwards, proposes exactly its five final annotations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_oip import FakeOip, boxes_answer

from app.models import Box, Tag

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
IMAGES = ("astronaut.jpg", "cat.png", "coffee.png", "dog.jpg", "hand.jpg", "rocket.jpg")
TAGS = (Tag(name="car", color="#e6194b"), Tag(name="person", color="#3cb44b"))
LABELS = ["car", "person"]

Answer = list[tuple[str, float, tuple[float, float, float, float]]]
VERSION_1: dict[str, Answer] = {
    "astronaut.jpg": [
        ("car", 0.875, (10, 10, 110, 110)),
        ("car", 0.75, (200, 200, 300, 300)),
        ("person", 0.625, (300, 10, 400, 110)),
        ("car", 0.125, (400, 400, 480, 480)),
    ],
    "cat.png": [
        ("car", 0.9375, (20, 20, 120, 120)),
        ("person", 0.5625, (200, 50, 300, 150)),
        ("car", 0.375, (300, 150, 400, 250)),
    ],
    "hand.jpg": [("car", 0.8125, (50, 50, 150, 150)), ("car", 0.53125, (300, 300, 400, 400))],
    "coffee.png": [],
    "dog.jpg": [("car", 0.875, (100, 100, 200, 200))],
}
VERSION_2: dict[str, Answer] = {
    "astronaut.jpg": [
        ("car", 0.875, (10, 10, 110, 110)),
        ("car", 0.75, (210, 200, 310, 300)),
        ("person", 0.625, (300, 10, 400, 110)),
        ("car", 0.875, (420, 400, 480, 480)),
        ("person", 0.625, (0, 300, 100, 400)),
    ]
}


def serve(fake: FakeOip, answers: dict[str, Answer], version: str) -> None:
    """Make the fake model answer each sample photo as `answers` says, as model version `version`."""
    by_content = {(SAMPLES / name).read_bytes(): answer for name, answer in answers.items()}

    def behaviour(image: bytes) -> tuple[int, str, bytes]:
        answer = by_content.get(image, [])
        boxes = [list(box) for _label, _score, box in answer]
        body = boxes_answer(boxes, [score for _l, score, _b in answer], [label for label, _s, _b in answer])
        return 200, "application/json", json.dumps(body).encode()

    fake.behaviour = behaviour
    fake.metadata["parameters"] = {"task": "detect", "labels": LABELS, "version": version}


def ask_version_2(layer: Any, fake: FakeOip) -> None:
    """The model is updated on its server; M on the astronaut asks the new version."""
    from assist_layer import wait_until

    serve(fake, VERSION_2, "fake-2")
    layer.deployments.poller.check_now(layer.deployment_id)
    wait_until(lambda: layer.deployments.probe(layer.deployment_id).model.version == "fake-2")
    layer.doc.go_to_row(next(i for i, r in enumerate(layer.doc.images) if r.path == "astronaut.jpg"))
    layer.m()


def work_through(layer: Any) -> None:
    """The labeller's session (see the table above), on an AssistLayer-like object over the project."""
    doc, assist = layer.doc, layer.assist
    car, person = (next(t.saved_id for t in doc.tags.values() if t.name == n) for n in ("car", "person"))

    def open_image(name: str) -> None:
        doc.go_to_row(next(i for i, r in enumerate(doc.images) if r.path.endswith(name)))

    def annotation_at(box: tuple[float, float, float, float]) -> Any:
        return next(
            a
            for a in doc.annotations.values()
            if a.geometry == Box(x1=box[0], y1=box[1], x2=box[2], y2=box[3])
        )

    open_image("astronaut.jpg")
    layer.m()
    assert layer.s() == 3
    moved = annotation_at((200, 200, 300, 300))
    doc.update_annotations(
        [moved], [moved.model_copy(update={"geometry": Box(x1=210, y1=200, x2=310, y2=300)})], "Move"
    )
    doc.add_annotation(Box(x1=420, y1=400, x2=480, y2=480), tag_id=car)
    doc.add_annotation(Box(x1=0, y1=300, x2=100, y2=400), tag_id=person)

    open_image("cat.png")
    layer.m()
    assert layer.space() == 1 and layer.esc() == 1
    assist.set_threshold(0.3)
    assert layer.esc() == 1
    assist.set_threshold(0.5)
    doc.add_annotation(Box(x1=350, y1=20, x2=440, y2=100), tag_id=car)

    open_image("hand.jpg")
    layer.m()
    assert layer.s() == 2
    doc.set_selection({annotation_at((300, 300, 400, 400)).saved_id})
    doc.delete_selected()

    open_image("coffee.png")
    layer.m()
    doc.add_annotation(Box(x1=10, y1=10, x2=60, y2=60), tag_id=car)

    open_image("dog.jpg")
    layer.m()
    assert layer.s() == 1

    open_image("rocket.jpg")
    doc.add_annotation(Box(x1=5, y1=5, x2=50, y2=50), tag_id=car)


# The figures of version 1 after work_through, per label and for all labels together: (suggested, committed,
# as is, edited, deleted, dismissed, found, missed).
COUNTS = {
    "car": (8, 6, 4, 1, 1, 1, 6, 2),
    "person": (2, 1, 1, 0, 0, 1, 1, 1),
    "": (10, 7, 5, 1, 1, 2, 7, 3),
}
# Precision and recall at some slider positions, and the best threshold with its F1 (= 2·found/(suggested+truth)).
AT = {
    "": {0.0: (7 / 10, 7 / 10), 0.5: (6 / 8, 6 / 10), 0.62: (6 / 6, 6 / 10), 0.7: (5 / 5, 5 / 10)},
    "car": {0.0: (6 / 8, 6 / 8), 0.5: (5 / 6, 5 / 8), 0.75: (5 / 5, 5 / 8), 0.9: (1 / 1, 1 / 8)},
    "person": {0.0: (1 / 2, 1 / 2), 0.6: (1 / 1, 1 / 2), 0.63: (None, 0 / 2)},
}
BEST = {"": (0.62, 12 / 16), "car": (0.75, 10 / 13), "person": (0.62, 2 / 3)}
EDIT_IOU = 9000 / 11000  # a2 moved 10 px right: 90×100 overlap of two 100×100 boxes
HARD = {"astronaut.jpg": 2, "cat.png": 1, "coffee.png": 1, "hand.jpg": 1}  # misses + corrected suggestions


def label_figures(q: Any) -> tuple[int, ...]:
    return (q.suggested, q.committed, q.as_is, q.edited, q.deleted, q.dismissed, q.found, q.missed)


def check_version_1(v: Any) -> None:
    """Every figure of version 1 as the table above makes it."""
    assert (v.deployment, v.model, v.version, v.answered, v.worked) == ("fake", "fake", "fake-1", 5, 5)
    by_label = {q.label: q for q in (*v.labels, v.total)}
    assert {label: label_figures(q) for label, q in by_label.items()} == COUNTS
    assert (by_label["car"].tag, by_label["person"].tag) == ("car", "person")
    assert by_label[""].acceptance == 7 / 9 and by_label["car"].acceptance == 6 / 7
    assert by_label["person"].acceptance == 1 / 2
    assert by_label[""].edit_iou == pytest.approx(EDIT_IOU) and by_label["person"].edit_iou is None
    for label, points in AT.items():
        for threshold, (precision, recall) in points.items():
            point = by_label[label].at(threshold)
            assert (point.precision, point.recall) == (
                pytest.approx(precision) if precision is not None else None,
                pytest.approx(recall),
            ), (label, threshold)
    for label, (threshold, f1) in BEST.items():
        best = by_label[label].best
        assert (best.threshold, best.f1) == (threshold, pytest.approx(f1)), label
    assert [(p.committed, p.dismissed) for p in v.acceptance_by_images] == [(3, 0), (1, 2), (2, 0), (1, 0)]
    assert v.images_per_point == 1 and sum(p.committed for p in v.acceptance_by_day) == 7
