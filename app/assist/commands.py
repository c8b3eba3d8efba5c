"""Undoable model-assist edits: committing suggestions (with any tags they need) and dismissing them."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from app.assist.suggestions import Suggestion
from app.document.commands import ImageEdit
from app.document.document import Document
from app.models import Annotation, ModelInfo, Provenance, Source, Tag
from app.models.palette import next_color
from app.store.assist_store import COMMITTED, DISMISSED, AssistStore, CacheKey


@dataclass(frozen=True)
class Origin:
    """Which answer the suggestions come from."""

    records: AssistStore
    key: CacheKey
    deployment: str
    model: ModelInfo
    # The suggestions are filtered again once, when the edit ends (not once per document signal it causes).
    one_change: Callable[[], AbstractContextManager[None]]


class CommitSuggestions(ImageEdit):
    """Suggestions become annotations — with provenance — in one transaction and one undo step."""

    def __init__(self, doc: Document, image_id: int, origin: Origin, suggestions: list[Suggestion]) -> None:
        super().__init__(doc, image_id, f"Commit {len(suggestions)} suggestion(s)")
        self.origin = origin
        self.keys = [s.key for s in suggestions]
        self.new_tags, self.annotations = self._build(suggestions)

    def _build(self, suggestions: list[Suggestion]) -> tuple[list[Tag], list[Annotation]]:
        doc, o = self.doc, self.origin
        new_tags: dict[str, Tag] = {}
        assert doc.session is not None
        next_id = doc.session.next_tag_id()
        colors = [t.color for t in doc.tags.values()]
        annotations = []
        for s in suggestions:
            tag = s.target.tag
            assert tag is not None
            if tag.id is None:
                if tag.name not in new_tags:
                    color = next_color(colors)
                    colors.append(color)
                    new_tags[tag.name] = tag.model_copy(update={"id": next_id, "color": color})
                    next_id += 1
                tag = new_tags[tag.name]
            assert tag.id is not None
            provenance = Provenance(
                source=Source.MODEL,
                deployment=o.deployment,
                model=o.model.name,
                version=o.model.version,
                score=s.score,
                suggestion=s.key,
            )
            annotations.append(
                Annotation(image_id=self.image_id, tag_id=tag.id, geometry=s.geometry, provenance=provenance)
            )
        return list(new_tags.values()), annotations

    def apply(self) -> None:
        o = self.origin
        with o.one_change():
            decision = o.records.decide(o.key, self.keys, COMMITTED, self.image_id, self.annotations)
            self.annotations = self.doc.apply_add(self.annotations, also=decision, new_tags=self.new_tags)

    def revert(self) -> None:
        o = self.origin
        ids = [a.id for a in self.annotations if a.id is not None]
        with o.one_change():
            self.doc.apply_remove(ids, also=o.records.undecide(o.key, self.keys), gone_tags=self.new_tags)


class DismissSuggestions(ImageEdit):
    """Dismissed suggestions stay hidden for this image and model, until undone."""

    def __init__(self, doc: Document, image_id: int, origin: Origin, suggestions: list[Suggestion]) -> None:
        super().__init__(doc, image_id, f"Dismiss {len(suggestions)} suggestion(s)")
        self.origin = origin
        self.keys = [s.key for s in suggestions]

    def apply(self) -> None:
        o = self.origin
        with o.one_change():
            o.records.run(o.records.decide(o.key, self.keys, DISMISSED, self.image_id))

    def revert(self) -> None:
        o = self.origin
        with o.one_change():
            o.records.run(o.records.undecide(o.key, self.keys))
