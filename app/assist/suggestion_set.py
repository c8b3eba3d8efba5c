"""The suggestions on screen: one model answer, its filters, and the one copy of their selection and focus.

No Qt: the controller feeds it what the filters depend on (the image's annotations, the decisions taken on
the answer) and announces its changes; the canvas draws what it says. The filters, in order: labels the
mapping ignores, suggestions committed or dismissed before, duplicates of existing annotations, then the
confidence threshold, which works on the answer at hand and never asks the model again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from app.assist import suggestions as sg
from app.models import Annotation, Deployment, PredictionSet
from app.store.assist_store import CacheKey

DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Answer:
    """Which answer is on screen: for which image, under which cache key, from which deployment."""

    image_id: int
    key: CacheKey
    deployment: Deployment
    result: PredictionSet


class SuggestionSet:
    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self.answer: Answer | None = None
        self.all: list[sg.Suggestion] = []  # every usable prediction, best first
        self.duplicates: set[str] = set()  # keys an existing annotation of the same tag already covers
        self.candidates: list[sg.Suggestion] = []  # not ignored, decided or duplicated
        self.shown: list[sg.Suggestion] = []  # candidates at or above the threshold
        self.selected: set[str] = set()  # always a subset of the shown keys
        self.focused: str | None = None  # a shown key, or None

    # ---- content -------------------------------------------------------------------------------

    def show(
        self,
        answer: Answer,
        suggestions: list[sg.Suggestion],
        annotations: Iterable[Annotation],
        decided: Collection[str],
    ) -> None:
        """Another answer: nothing of the previous one stays selected."""
        self.answer = answer
        self.selected, self.focused = set(), None
        self.retarget(suggestions, annotations, decided)

    def retarget(
        self, suggestions: list[sg.Suggestion], annotations: Iterable[Annotation], decided: Collection[str]
    ) -> None:
        """The same answer built again (tags or the label mapping changed): the selection stays where it can."""
        self.all = suggestions
        self.refilter(annotations, decided)

    def refilter(self, annotations: Iterable[Annotation], decided: Collection[str]) -> None:
        """The image's annotations or the decisions on this answer changed."""
        self.duplicates = sg.duplicates(self.all, annotations)
        self.candidates = sg.candidates(self.all, self.duplicates.union(decided))
        self._apply_threshold()

    def set_threshold(self, value: float) -> bool:
        """Returns whether the threshold changed (it is kept within 0…1)."""
        value = min(max(value, 0.0), 1.0)
        if value == self.threshold:
            return False
        self.threshold = value
        self._apply_threshold()
        return True

    def clear(self) -> bool:
        """Returns whether an answer was on screen."""
        had = self.answer is not None
        self.answer = None
        self.all, self.candidates, self.shown = [], [], []
        self.duplicates = set()
        self.selected, self.focused = set(), None
        return had

    def _apply_threshold(self) -> None:
        self.shown = sg.above(self.candidates, self.threshold)
        keys = {s.key for s in self.shown}
        self.selected &= keys
        if self.focused not in keys:
            self.focused = None

    def counts(self) -> tuple[int, int]:
        """(shown, candidates): "n of N shown"."""
        return len(self.shown), len(self.candidates)

    def chosen(self) -> list[sg.Suggestion]:
        """The selected suggestions, best first."""
        return [s for s in self.shown if s.key in self.selected]

    # ---- selection and focus; each returns whether anything changed -----------------------------

    def toggle(self, key: str) -> bool:
        """Select or deselect a shown suggestion; it takes the focus."""
        if key not in {s.key for s in self.shown}:
            return False
        self.selected ^= {key}
        self.focused = key
        return True

    def cycle(self, step: int) -> bool:
        """Move the focus `step` suggestions on, wrapping; from nothing, forwards starts at the first."""
        if not self.shown:
            return False
        keys = [s.key for s in self.shown]
        if self.focused in keys:
            i = keys.index(self.focused)
        else:
            i = -1 if step > 0 else 0
        self.focused = keys[(i + step) % len(keys)]
        return True

    def toggle_focused(self) -> bool:
        return self.focused is not None and self.toggle(self.focused)
