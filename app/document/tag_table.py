"""The project's tags and the current tag (no Qt, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable

from app.models import Annotation, Tag, TagKind
from app.models.geometry import Keypoints
from app.models.palette import next_color

# The tag a project without one of that kind gets on its first shape, so drawing just works. Keypoint tags
# need their point names, so for keypoints the labeller is asked to add one.
DEFAULT_TAG_NAMES = {TagKind.BOX: "object", TagKind.POLYGON: "region"}


class TagTable:
    """Tags by id, in id order: keys 1–9 pick them in that order, also after an undo put one back."""

    def __init__(self) -> None:
        self.by_id: dict[int, Tag] = {}
        self.current_id: int | None = None

    def reset(self, tags: Iterable[Tag]) -> None:
        """Another project's tags; the first one becomes current."""
        self.load(tags)
        self.current_id = next(iter(self.by_id), None)

    def load(self, tags: Iterable[Tag]) -> None:
        """All the tags, read again; the current tag id is kept (see `follow_removal`)."""
        self.by_id = {}
        self.put(tags)

    def put(self, tags: Iterable[Tag]) -> None:
        """Add or replace tags (each carries its id)."""
        merged = dict(self.by_id)
        for tag in tags:
            assert tag.id is not None, "only stored tags are kept"
            merged[tag.id] = tag
        self.by_id = dict(sorted(merged.items()))

    def drop(self, tag_ids: Iterable[int]) -> None:
        for tag_id in tag_ids:
            self.by_id.pop(tag_id, None)

    @property
    def current(self) -> Tag | None:
        return self.by_id.get(self.current_id) if self.current_id is not None else None

    def follow_removal(self) -> bool:
        """If the current tag is gone, the first one becomes current (none without tags); returns whether
        the current tag changed."""
        if self.current_id in self.by_id:
            return False
        first = next(iter(self.by_id), None)
        changed = first != self.current_id
        self.current_id = first
        return changed

    def first_of_kind(self, kind: TagKind) -> Tag | None:
        return next((t for t in self.by_id.values() if t.kind == kind), None)

    def new_color(self) -> str:
        return next_color([t.color for t in self.by_id.values()])

    def default_tag(self, kind: TagKind) -> Tag | None:
        """A new tag for a project with no tag of `kind` (None for keypoints, which need point names)."""
        name = DEFAULT_TAG_NAMES.get(kind)
        if name is None:
            return None
        if any(t.name == name for t in self.by_id.values()):
            name = f"{name} ({kind.value})"
        return Tag(name=name, color=self.new_color(), kind=kind)

    def fits(self, annotation: Annotation, tag: Tag) -> bool:
        """Whether `annotation` can take `tag`: the same kind of shape, and for keypoints as many points."""
        own = self.by_id.get(annotation.tag_id)
        if own is None or own.kind != tag.kind:
            return False
        if tag.kind != TagKind.KEYPOINTS:
            return True
        points = annotation.geometry.points if isinstance(annotation.geometry, Keypoints) else ()
        return len(points) == len(tag.keypoint_names)
