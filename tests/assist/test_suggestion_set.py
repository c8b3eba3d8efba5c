"""The suggestion set on its own — no Qt, no server, no project file: filters, threshold, selection, focus;
and the change batch that makes one edit one refilter."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from app.assist import suggestions as sg
from app.assist.change_batch import ChangeBatch, Update
from app.assist.suggestion_set import Answer, SuggestionSet
from app.models import Annotation, Box, Deployment, ModelInfo, Prediction, PredictionSet, Tag, TagKind, Task
from app.models.deployment import IGNORE
from app.store.assist_store import CacheKey

CAR = Tag(id=1, name="car", kind=TagKind.BOX)
MODEL = ModelInfo(name="m", version="1", task=Task.DETECT, labels=("car", "sign"))
D = Deployment(id=1, name="d", url="http://127.0.0.1:1", model="m")
KEY = CacheKey(content_hash="abc", deployment_id=1, model_version="1")


def _answer(*scored: tuple[str, float, float]) -> tuple[Answer, list[sg.Suggestion]]:
    """(label, score, x) predictions of 10×10 boxes at x; the suggestions built for the tag "car"."""
    predictions = tuple(
        Prediction(label=label, score=score, box=Box(x1=x, y1=0, x2=x + 10, y2=10))
        for label, score, x in scored
    )
    result = PredictionSet(model=MODEL, predictions=predictions)
    return Answer(1, KEY, D, result), sg.build(result, D, {1: CAR}, 200, 100)


def _shown_scores(s: SuggestionSet) -> list[float]:
    return [x.score for x in s.shown]


def test_the_suggestion_set_and_the_change_batch_import_no_qt() -> None:
    code = (
        "import sys, app.assist.suggestion_set, app.assist.change_batch;"
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_threshold_hides_weak_suggestions_and_can_bring_them_back() -> None:
    answer, built = _answer(("car", 0.9, 0), ("car", 0.6, 20), ("car", 0.2, 40))
    s = SuggestionSet(threshold=0.5)
    s.show(answer, built, [], ())
    assert _shown_scores(s) == [0.9, 0.6] and s.counts() == (2, 3)
    assert s.set_threshold(0.1) and _shown_scores(s) == [0.9, 0.6, 0.2]
    assert not s.set_threshold(0.1), "the same value changes nothing"
    assert s.set_threshold(7) and s.threshold == 1.0 and s.shown == []


def test_ignored_decided_and_duplicated_suggestions_are_not_candidates() -> None:
    answer, built = _answer(("car", 0.9, 0), ("car", 0.8, 20), ("car", 0.7, 40))
    ignored = sg.build(answer.result, D.model_copy(update={"label_map": {"car": IGNORE}}), {1: CAR}, 200, 100)
    s = SuggestionSet(threshold=0.0)
    s.show(answer, ignored, [], ())
    assert s.counts() == (0, 0)
    existing = Annotation(id=5, image_id=1, tag_id=1, geometry=Box(x1=20, y1=0, x2=30, y2=10))
    s.retarget(built, [existing], {built[0].key})
    assert [x.key for x in s.shown] == [built[2].key]
    assert s.duplicates == {built[1].key}
    s.refilter([], ())  # the annotation deleted, the decision undone
    assert s.counts() == (3, 3)


def test_selection_and_focus_are_kept_to_what_is_shown() -> None:
    answer, built = _answer(("car", 0.9, 0), ("car", 0.6, 20))
    s = SuggestionSet(threshold=0.5)
    s.show(answer, built, [], ())
    assert s.toggle(built[1].key) and s.selected == {built[1].key} and s.focused == built[1].key
    assert not s.toggle("not shown")
    s.set_threshold(0.8)  # the selected one is filtered out: neither selected nor focused any more
    assert s.selected == set() and s.focused is None
    s.set_threshold(0.5)
    assert s.selected == set(), "what the slider hid comes back unselected"
    s.toggle(built[0].key)
    s.refilter([], {built[1].key})
    assert s.selected == {built[0].key}, "a refilter keeps the selection of what is still shown"


def test_tab_cycles_the_focus_and_x_toggles_the_focused_one() -> None:
    answer, built = _answer(("car", 0.9, 0), ("car", 0.8, 20), ("car", 0.7, 40))
    keys = [x.key for x in built]
    s = SuggestionSet(threshold=0.0)
    assert not s.cycle(+1) and not s.toggle_focused(), "nothing to focus before an answer"
    s.show(answer, built, [], ())
    s.cycle(+1)
    assert s.focused == keys[0]
    s.cycle(+1)
    s.cycle(+1)
    s.cycle(+1)
    assert s.focused == keys[0], "wraps"
    s.cycle(-1)
    assert s.focused == keys[2]
    assert s.toggle_focused() and s.chosen() == [built[2]]
    assert s.toggle_focused() and s.chosen() == []


def test_another_answer_or_clearing_forgets_the_selection() -> None:
    answer, built = _answer(("car", 0.9, 0))
    s = SuggestionSet()
    s.show(answer, built, [], ())
    s.toggle(built[0].key)
    s.show(answer, built, [], ())
    assert s.selected == set() and s.focused is None
    assert s.clear() and s.answer is None and s.shown == [] and s.counts() == (0, 0)
    assert not s.clear()


def _step(ran: list[str], name: str) -> Callable[[], bool]:
    def step() -> bool:
        ran.append(name)
        return True  # something is shown, so it changed

    return step


def test_a_change_batch_runs_the_strongest_update_once_at_the_end() -> None:
    ran: list[str] = []
    batch = ChangeBatch(_step(ran, "refilter"), _step(ran, "retarget"), lambda: ran.append("announce"))
    batch.need(Update.REFILTER)
    assert ran == ["refilter", "announce"], "outside a change: at once"
    ran.clear()
    with batch.one_change():
        batch.need(Update.REFILTER)  # annotationsAdded
        batch.need(Update.RETARGET)  # tagsChanged (a commit that made a tag)
        with batch.one_change():  # nested: still one
            batch.need(Update.REFILTER)
        assert ran == []
    assert ran == ["retarget", "announce"]
    ran.clear()
    with batch.one_change():  # a dismissal: no document signal, still one refilter for its decisions
        pass
    assert ran == ["refilter", "announce"]


def test_a_change_batch_announces_nothing_when_nothing_is_shown() -> None:
    announced: list[bool] = []
    batch = ChangeBatch(lambda: False, lambda: False, lambda: announced.append(True))
    with batch.one_change():
        batch.need(Update.RETARGET)
    assert announced == []
