"""Any sequence of a labeller's assist keys keeps the project file consistent (a hypothesis state machine).

Over the document and assist layers, a real project file and a real OIP server on 127.0.0.1 whose model
answers "thing" boxes on every image, in a project that already has a *polygon* tag named "thing" — so the
first commit must create a tag of its own ("thing (box)"), and every later one must reuse it.
After every step, read from the project file:
- one model label maps to at most one tag, and every annotation committed from it uses that tag;
- every annotation's tag exists;
- the usage counters (calls, committed, dismissed) equal what the steps did;
and undo followed by redo gives the project file back row for row.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from pathlib import Path

import pytest
from assist_layer import AssistLayer
from fake_oip import FakeOip, boxes_answer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.models import Tag, TagKind

IMAGES = ("astronaut.jpg", "cat.png", "hand.jpg")
EXAMPLES = int(os.environ.get("ASSIST_MACHINE_EXAMPLES", "60"))  # `make soak` runs 300
THING_POLYGON = Tag(name="thing", kind=TagKind.POLYGON, color="#3cb44b")


def things(image: bytes) -> tuple[int, str, bytes]:
    """Three "thing" boxes on every image, at scores on both sides of the default threshold."""
    boxes = [[10, 10, 60, 60], [100, 100, 200, 180], [30, 200, 90, 260]]
    answer = boxes_answer(boxes, [0.9, 0.7, 0.6], ["thing"] * 3)
    return 200, "application/json", json.dumps(answer).encode()


@pytest.fixture(scope="module")
def thing_server():  # type: ignore[no-untyped-def]
    server = FakeOip()
    server.metadata["parameters"]["labels"] = ["thing"]
    server.behaviour = things
    yield server
    server.stop()


class LabellerMachine(RuleBasedStateMachine):
    server: FakeOip
    folders = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="assist-machine-")
        self.calls_before = self.server.infer_calls
        folder = Path(self.tmp.name) / f"p{next(self.folders)}"
        self.layer = AssistLayer(folder, self.server.url, IMAGES, (THING_POLYGON,))
        self.layer.doc.go_to_row(0)
        self.initial_tags = {row[0] for row in self.layer.rows()["tags"]}
        self.asked: set[int] = set()  # images the model was asked about (its answers stay in the project)
        self.done: list[tuple[str, int]] = []  # the undo stack as the steps built it: (decision, suggestions)
        self.undone: list[tuple[str, int]] = []
        self.kept = {"committed": 0, "dismissed": 0}  # decided before the last reopen

    def teardown(self) -> None:
        self.layer.close()
        self.tmp.cleanup()

    def _pushed(self, decision: str, count: int) -> None:
        if count:
            self.done.append((decision, count))
            self.undone.clear()

    @rule()
    def m(self) -> None:
        image = self.layer.doc.current_image
        assert image is not None
        self.layer.m()
        self.asked.add(image.id)  # type: ignore[arg-type]

    @rule()
    def s(self) -> None:
        self._pushed("committed", self.layer.s())

    @rule()
    def space(self) -> None:
        self._pushed("committed", self.layer.space())

    @rule()
    def esc(self) -> None:
        self._pushed("dismissed", self.layer.esc())

    @precondition(lambda self: bool(self.done))
    @rule()
    def undo(self) -> None:
        self.layer.undo()
        self.undone.append(self.done.pop())

    @precondition(lambda self: bool(self.undone))
    @rule()
    def redo(self) -> None:
        self.layer.redo()
        self.done.append(self.undone.pop())

    @precondition(lambda self: bool(self.done))
    @rule()
    def undo_then_redo_gives_the_same_rows(self) -> None:
        before = self.layer.rows()
        self.layer.undo()
        self.layer.redo()
        assert self.layer.rows() == before

    @rule(step=st.sampled_from([+1, -1]))
    def next_or_previous_image(self, step: int) -> None:
        if step > 0:
            self.layer.d()
        else:
            self.layer.a()

    @rule()
    def reopen(self) -> None:
        self.layer.reopen()
        for decision, n in self.done:
            self.kept[decision] += n
        self.done.clear()  # the undo history does not outlive the session
        self.undone.clear()

    # ---- what must always hold, read from the project file --------------------------------------

    @invariant()
    def one_tag_per_model_label(self) -> None:
        tags = self.layer.rows()["tags"]
        created = [t for t in tags if t[0] not in self.initial_tags]
        assert len(created) <= 1, f"the assist layer created several tags for one model label: {created}"
        used = self.layer.model_annotation_tags()
        assert len(used) <= 1, f"annotations of one model label use several tags: {used}"

    @invariant()
    def every_annotation_has_its_tag(self) -> None:
        rows = self.layer.rows()
        tag_ids = {t[0] for t in rows["tags"]}
        assert {a[2] for a in rows["annotations"]} <= tag_ids

    @invariant()
    def usage_counts_what_was_done(self) -> None:
        usage = self.layer.assist.records.usage(self.layer.deployment.id)  # type: ignore[union-attr, arg-type]
        assert usage.calls == len(self.asked) == self.server.infer_calls - self.calls_before
        expected = dict(self.kept)
        for decision, n in self.done:
            expected[decision] += n
        assert (usage.committed, usage.dismissed) == (expected["committed"], expected["dismissed"])


@pytest.mark.slow
@pytest.mark.timeout(120 + 3 * EXAMPLES)  # about a second an example; `make soak` runs 300
def test_any_labeller_key_sequence_keeps_one_tag_per_label(thing_server: FakeOip, qapp) -> None:  # type: ignore[no-untyped-def]
    LabellerMachine.server = thing_server
    machine = LabellerMachine.TestCase
    machine.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)
    )
    machine().runTest()
