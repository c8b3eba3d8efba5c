"""Refining a suggestion: a box suggestion the labeller selected is segmented inside its box and becomes a
polygon suggestion of the same prediction — still pending, greyed until selected, committed with Space / S
under the same key, so its decisions and provenance stay the prediction's.

The outlines are kept per answer for the session and applied whenever the answer's suggestions are built
(a tag change, the image shown again); a polygon goes to the label's polygon tag (made on commit if needed).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from app.assist.mapping import resolve
from app.assist.suggestions import Suggestion
from app.models import Deployment, ModelInfo, Tag, Task
from app.models.geometry import Box, Polygon

if TYPE_CHECKING:
    from app.assist.controller import AssistController
    from app.assist.segmenter import RefineResult, Segmenter

KEEP_ANSWERS = 200


class Refinements:
    """Suggestion key → outline, per answer (no Qt)."""

    def __init__(self, keep: int = KEEP_ANSWERS) -> None:
        self.keep = keep
        self._by_answer: OrderedDict[Hashable, dict[str, Polygon]] = OrderedDict()

    def put(self, answer: Hashable, outlines: dict[str, Polygon]) -> None:
        self._by_answer.setdefault(answer, {}).update(outlines)
        self._by_answer.move_to_end(answer)
        while len(self._by_answer) > self.keep:
            self._by_answer.popitem(last=False)

    def apply(
        self,
        answer: Hashable,
        suggestions: list[Suggestion],
        d: Deployment,
        model: ModelInfo,
        tags: dict[int, Tag],
    ) -> list[Suggestion]:
        """The suggestions with the refined ones as polygons of their label's polygon tag."""
        outlines = self._by_answer.get(answer)
        if not outlines:
            return suggestions
        as_polygons = model.model_copy(update={"task": Task.SEGMENT})
        return [
            replace(s, geometry=outlines[s.key], target=resolve(s.label, d, as_polygons, tags))
            if s.key in outlines and isinstance(s.geometry, Box)
            else s
            for s in suggestions
        ]


class SuggestionRefiner(QObject):
    """The refine key: sends the selected box suggestions to the segmenter, and its outlines to the answer
    they came from (if it is still on screen)."""

    def __init__(self, assist: AssistController, segmenter: Segmenter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.assist = assist
        self.segmenter = segmenter
        self._waiting: Hashable | None = None  # the answer whose suggestions are being refined
        segmenter.refined.connect(self._on_refined)

    def refine_selected(self) -> int:
        """Returns how many suggestions were sent."""
        a = self.assist
        boxes = {s.key: s.geometry for s in a.suggestion_set.chosen() if isinstance(s.geometry, Box)}
        if a.view is None or not boxes:
            a.status.emit(
                "Refine: select a box suggestion first (click it, or Tab and X), then press Shift+I."
                if a.view is not None
                else "Refine: no suggestions on screen (press M first)."
            )
            return 0
        self._waiting = a.view.key
        self.segmenter.refine(boxes)
        a.status.emit(f"Refining {len(boxes)} suggestion(s) into outlines…")
        return len(boxes)

    def _on_refined(self, result: RefineResult) -> None:
        a = self.assist
        if a.view is None or a.view.key != self._waiting:
            return  # another answer is on screen now
        self._waiting = None
        outlines = {k: o.polygon for k, o in result.outlines.items() if o.polygon is not None}
        a.refine(outlines)
        missed = len(result.outlines) - len(outlines)
        note = f"; {missed} had nothing to outline inside its box" if missed else ""
        a.status.emit(
            f"Refined {len(outlines)} suggestion(s) into outlines with {result.engine}{note}: still pending "
            "(Space commits the selected, S all shown, Esc dismisses)."
        )
