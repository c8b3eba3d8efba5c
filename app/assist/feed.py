"""The suggestions on screen, fed what their filters depend on — the document's annotations and tags, the
label mapping, the image's size, the decisions kept in the project file — and followed by the request log.

Each method says whether the suggestion set changed, so the controller announces every change once.
"""

from __future__ import annotations

from collections.abc import Collection

from app.assist import suggestions as sg
from app.assist.accounting import Kept, ScreenLog
from app.assist.dispatcher import Dispatcher
from app.assist.refine import Refinements
from app.assist.requests import AssistAnswer
from app.assist.suggestion_set import Answer, SuggestionSet
from app.document.document import Document
from app.inference.deployments import Deployments
from app.models import Deployment
from app.store.assist_store import AssistStore, CacheKey


class SuggestionFeed:
    def __init__(
        self, doc: Document, deployments: Deployments, dispatcher: Dispatcher, suggestions: SuggestionSet
    ) -> None:
        self.doc = doc
        self.deployments = deployments
        self.dispatcher = dispatcher
        self.suggestions = suggestions
        self.records: AssistStore | None = None
        self.refinements = Refinements()  # box suggestions the labeller refined into outlines
        self._log = ScreenLog()

    def show(self, image_id: int, key: CacheKey, d: Deployment) -> bool:
        """Put the answer cached under `key` on screen; False when there is no such answer."""
        result = self.dispatcher.cached_answer(key)
        if result is None:
            return False
        answer = Answer(image_id, key, d, result)
        self._log.forget()
        self.suggestions.show(answer, self._build(answer), self.doc.annotations.values(), self._decided(key))
        return True

    def show_arrived(self, answer: AssistAnswer, kept: Kept) -> bool:
        """Put an answer that has just come on screen; its request-log line follows what is shown of it."""
        if kept.key is None or not self.show(answer.job.image_id, kept.key, answer.job.deployment):
            return False
        self._log.follow(kept.entry, self.suggestions.duplicates)  # duplicates as the answer came
        return self._logged()

    def refilter(self) -> bool:
        """The image's annotations or the decisions on the answer changed."""
        return self._update(rebuild=False)

    def retarget(self) -> bool:
        """Tags or the label mapping changed: the answer's suggestions are built again."""
        return self._update(rebuild=True)

    def set_threshold(self, value: float) -> bool:
        """Returns whether what is shown changed."""
        if not self.suggestions.set_threshold(value) or self.suggestions.answer is None:
            return False
        return self._logged()

    def _update(self, *, rebuild: bool) -> bool:
        answer = self.suggestions.answer
        if answer is None or self.records is None:
            return False
        annotations, decided = self.doc.annotations.values(), self._decided(answer.key)
        if rebuild:
            self.suggestions.retarget(self._build(answer), annotations, decided)
        else:
            self.suggestions.refilter(annotations, decided)
        return self._logged()

    def _logged(self) -> bool:
        """The request-log line learns what the filters let through; True: the set changed."""
        self._log.update(self.suggestions.all, self.suggestions.threshold)
        return True

    def clear(self) -> bool:
        """Returns whether an answer was on screen."""
        self._log.forget()
        return self.suggestions.clear()

    def summary(self) -> str:
        answer, (shown, candidates) = self.suggestions.answer, self.suggestions.counts()
        if answer is None:
            return ""
        return (
            f"Model assist: {len(answer.result.predictions)} prediction(s) from {answer.deployment.name}; "
            f"{shown} of {candidates} shown at ≥ {self.suggestions.threshold:.2f}"
        )

    def _build(self, answer: Answer) -> list[sg.Suggestion]:
        d = self.deployments.get(answer.key.deployment_id) or answer.deployment  # today's label mapping
        width, height = self.dispatcher.size(answer.key.content_hash)
        img = self.doc.current_image
        if img is not None and img.width and img.height:
            width, height = img.width, img.height
        built = sg.build(answer.result, d, self.doc.tags, width, height)
        return self.refinements.apply(answer.key, built, d, answer.result.model, self.doc.tags)

    def _decided(self, key: CacheKey) -> Collection[str]:
        return self.records.decisions(key).keys() if self.records is not None else ()
