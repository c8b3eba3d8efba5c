"""The rules of model assist, over the document and assist layers, a real project file and a real OIP server
on 127.0.0.1 (tests/support/fake_oip.py), without a window: the threshold, dismissals, commit and undo,
pre-label marks, and answers that come too late or for another project."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from assist_layer import AssistLayer, wait_until
from fake_oip import FakeOip, boxes_answer, label_for

from app.models import ImageStatus

IMAGES = ("astronaut.jpg", "cat.png", "hand.jpg")
MakeLayer = Callable[..., AssistLayer]


@pytest.fixture
def make_layer(tmp_path: Path, fake_oip: FakeOip, qapp: Any) -> Iterator[MakeLayer]:
    """An AssistLayer over a new project of three photos, its deployment the test's fake server."""
    layers: list[AssistLayer] = []

    def make(**deployment: Any) -> AssistLayer:
        layer = AssistLayer(tmp_path / f"project{len(layers)}", fake_oip.url, IMAGES, **deployment)
        layers.append(layer)
        return layer

    yield make
    for layer in layers:
        layer.close()


def _count(signal: Any) -> list[int]:
    """A one-item list counting the signal's emissions."""
    seen = [0]
    signal.connect(lambda *_: seen.__setitem__(0, seen[0] + 1))
    return seen


def _labels(layer: AssistLayer) -> set[str]:
    return {s.label for s in layer.assist.shown()}


def test_the_threshold_filters_the_answer_at_hand_and_never_asks_again(
    make_layer: MakeLayer, fake_oip: FakeOip
) -> None:
    layer = make_layer()
    layer.m()  # two boxes, 0.9 and 0.3; the threshold is 0.5
    assert [round(s.score, 2) for s in layer.assist.shown()] == [0.9] and layer.assist.counts() == (1, 2)
    layer.assist.set_threshold(0.2)
    assert layer.assist.counts() == (2, 2)
    layer.assist.set_threshold(0.95)
    assert layer.assist.counts() == (0, 2)
    layer.m()  # from the cache, filtered the same way
    assert layer.assist.counts() == (0, 2)
    assert fake_oip.infer_calls == 1


def test_dismissed_suggestions_stay_dismissed_until_undone(make_layer: MakeLayer, fake_oip: FakeOip) -> None:
    layer = make_layer()
    layer.assist.set_threshold(0.0)
    layer.m()
    assert layer.esc() == 2 and layer.assist.shown() == []
    assert [decision for _hash, _key, decision in layer.rows()["decisions"]] == ["dismissed"] * 2
    layer.d()
    layer.a()
    layer.m()  # the answer again, from the cache: still dismissed
    assert layer.assist.view is not None and layer.assist.shown() == []
    layer.undo()
    assert layer.assist.counts() == (2, 2) and layer.rows()["decisions"] == []
    layer.redo()
    assert layer.assist.shown() == []
    assert fake_oip.infer_calls == 1
    assert layer.assist.records is not None
    assert layer.assist.records.usage(layer.deployment_id).dismissed == 2


def test_a_commit_is_one_undo_step_and_one_refilter(make_layer: MakeLayer) -> None:
    layer = make_layer()
    layer.m()
    changes = _count(layer.assist.suggestionsChanged)
    assert layer.s() == 1  # the label has no tag yet: the commit makes one
    assert changes == [1], "annotations, a new tag and a decision: filtered once"
    (annotation,) = layer.rows()["annotations"]
    assert json.loads(annotation[4])["source"] == "model"
    assert layer.assist.shown() == [], "a committed suggestion is not suggested again"
    tags = layer.rows()["tags"]
    layer.undo()
    assert changes == [2]
    assert layer.rows()["annotations"] == [] and len(layer.rows()["tags"]) == len(tags) - 1
    assert layer.assist.counts() == (1, 2)
    layer.redo()
    assert changes == [3] and len(layer.rows()["annotations"]) == 1 and layer.assist.shown() == []


def test_committing_one_by_one_reuses_the_tag_the_first_commit_made(make_layer: MakeLayer) -> None:
    layer = make_layer()
    layer.assist.set_threshold(0.0)
    layer.m()
    for _ in range(2):  # the two boxes share a label that has no tag yet: Tab, X, Space each
        layer.assist.cycle(+1)
        layer.assist.toggle_focused()
        assert layer.assist.commit_selected() == 1
    annotations = layer.rows()["annotations"]
    assert len(annotations) == 2 and len({tag_id for _id, _image, tag_id, *_ in annotations}) == 1


def test_an_answer_for_an_image_left_is_cached_but_never_drawn(
    make_layer: MakeLayer, fake_oip: FakeOip
) -> None:
    layer = make_layer()
    first, first_bytes = layer.doc.current_image, layer.image_bytes()
    fake_oip.delay_s = 1.5
    layer.assist.assist()  # M, and on before the answer comes
    layer.d()
    second_bytes = layer.image_bytes()
    fake_oip.delay_s = 0.0
    drawn: list[set[str]] = []
    layer.assist.suggestionsChanged.connect(lambda: drawn.append(_labels(layer)))
    layer.m()  # not behind the first, slow request
    assert _labels(layer) == {label_for(second_bytes)}
    wait_until(lambda: len(layer.deployments.log.entries(layer.deployment_id)) == 2)  # the late one
    assert all(labels <= {label_for(second_bytes)} for labels in drawn), "never the first image's answer"
    # The ticket's id went with the second request (the slow first one may reach the server after it).
    assert any(i.startswith(f"img-{layer.doc.current_image.id}/gen-") for i in fake_oip.request_ids)
    layer.a()
    assert layer.doc.current_image is not None and first is not None
    assert layer.doc.current_image.id == first.id
    layer.m()  # the late answer was kept: no new request
    assert _labels(layer) == {label_for(first_bytes)} and fake_oip.infer_calls == 2


def test_an_answer_asked_for_by_a_closed_project_never_lands_in_the_next_one(
    make_layer: MakeLayer, fake_oip: FakeOip, tmp_path: Path
) -> None:
    """Image and deployment ids are per project: answers still out when another project opens are dropped,
    the one the screen waited for and the pre-labelling batch's alike."""
    layer = make_layer(rate_limit=20.0)
    fake_oip.delay_s = 1.0
    layer.assist.assist()
    layer.assist.prefetcher.prelabel()
    wait_until(lambda: fake_oip.infer_calls == 2)  # both requests are out
    layer.open_other(tmp_path / "other", IMAGES)
    d, records = layer.deployment_id, layer.assist.records
    assert d == 1 and records is not None, "the same id names this project's own deployment"
    assert not layer.assist.busy
    wait_until(lambda: fake_oip.answered == 2 and not layer.assist.prefetcher.in_flight)
    assert records.usage(d).calls == 0 and records.cached_hashes(d, "fake-1") == set()
    assert layer.assist.view is None and layer.assist.marks.ids() == frozenset()
    assert records.prelabelled(d, "fake-1") == set()


def test_pre_labelled_images_are_marked_and_show_their_suggestions_without_m(
    make_layer: MakeLayer, fake_oip: FakeOip
) -> None:
    layer = make_layer(rate_limit=20.0)
    done = layer.doc.images[-1]
    layer.doc.set_status(ImageStatus.DONE, done.id)
    assert layer.prelabel() == len(IMAGES) - 1  # the image marked done is left alone
    assert layer.assist.view is not None, "the image on screen shows them as soon as the batch brings them"
    to_do = {img.id for img in layer.doc.images if img.id != done.id}
    assert layer.assist.marks.ids() == to_do
    assert layer.rows()["annotations"] == [], "pending suggestions, never annotations"
    layer.d()
    assert layer.assist.view is not None and layer.assist.shown(), "pending suggestions, without M"
    layer.d()
    assert layer.doc.row == len(IMAGES) - 1  # the image marked done
    assert layer.assist.view is None  # not pre-labelled: M asks as usual
    assert fake_oip.infer_calls == len(IMAGES) - 1

    layer.reopen()  # another day: the marks and the answers come from the project file
    assert layer.assist.marks.ids() == to_do
    layer.doc.go_to_row(0)
    wait_until(lambda: layer.assist.view is not None and not layer.assist.busy)
    assert layer.assist.shown() and fake_oip.infer_calls == len(IMAGES) - 1


def test_auto_assist_prefetches_the_next_images_within_the_rate_limit(
    make_layer: MakeLayer, fake_oip: FakeOip
) -> None:
    layer = make_layer(rate_limit=2.0)
    layer.assist.set_auto(True)
    wait_until(lambda: layer.assist.view is not None and not layer.assist.busy)  # the image on screen at once
    prefetcher = layer.assist.prefetcher

    def prefetched() -> bool:
        return fake_oip.answered == len(IMAGES) and not (prefetcher.in_flight or prefetcher.pending())

    wait_until(prefetched)  # and the next ones
    for _ in range(len(IMAGES) - 1):
        layer.d()
        assert layer.assist.view is not None, "suggestions are there as soon as the image is"
    assert fake_oip.infer_calls == len(IMAGES)


def test_nan_and_off_image_boxes_are_left_out_or_clipped(make_layer: MakeLayer, fake_oip: FakeOip) -> None:
    boxes = [[float("nan"), 0, 10, 10], [-50, -50, 40, 30], [5000, 5000, 6000, 6000], [20, 20, 30, 30]]
    answer = boxes_answer(boxes, [0.9, 0.8, 0.8, 0.7], ["nan", "edge", "outside", "fine"])
    fake_oip.behaviour = lambda image: (200, "application/json", json.dumps(answer).encode())
    layer = make_layer()
    layer.m()
    geometry = {s.label: s.geometry for s in layer.assist.shown()}
    assert set(geometry) == {"edge", "fine"}
    edge = geometry["edge"].bounds()
    assert (edge.x1, edge.y1, edge.x2, edge.y2) == (0, 0, 40, 30)
    assert any("invalid numbers left out" in m for m in layer.messages)


def test_an_output_with_no_place_is_named_in_the_status_line_and_the_request_log(
    make_layer: MakeLayer, fake_oip: FakeOip
) -> None:
    def with_embeddings(image: bytes) -> tuple[int, str, bytes]:
        answer = boxes_answer([[10, 10, 60, 60]], [0.9], [label_for(image)])
        embeddings = {"name": "foo_embeddings", "datatype": "FP32", "shape": [1, 3], "data": [0.1, 0.2, 0.3]}
        answer["outputs"].append(embeddings)
        return 200, "application/json", json.dumps(answer).encode()

    fake_oip.behaviour = with_embeddings
    layer = make_layer()
    layer.m()
    assert layer.assist.counts() == (1, 1), "the outputs it can place are shown as ever"
    note = "outputs not placed: 'foo_embeddings' [1, 3] (no annotation holds them; not shown)"
    assert layer.messages[-1].endswith(f"; {note}")
    (entry,) = layer.deployments.log.entries(layer.deployment_id)
    assert entry.notes == note and entry.error == ""
    layer.m()  # from the cache: nothing was asked, so nothing new to tell
    assert note not in layer.messages[-1]
