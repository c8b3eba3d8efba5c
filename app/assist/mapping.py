"""Model labels to project tags: the deployment's explicit mapping first, then the tag an earlier commit
created for the label, then a tag of the same name and kind; otherwise a new tag is proposed (created on
commit, and remembered for the label). An unmapped label is never dropped."""

from __future__ import annotations

from dataclasses import dataclass

from app.models import Deployment, ModelInfo, Tag, TagKind, Task
from app.models.deployment import IGNORE

KIND_FOR_TASK = {Task.DETECT: TagKind.BOX, Task.SEGMENT: TagKind.POLYGON, Task.KEYPOINTS: TagKind.KEYPOINTS}
NEUTRAL_COLOR = "#9e9e9e"


@dataclass(frozen=True)
class Target:
    """Where a label's suggestions go: an existing tag, a tag to create, or nowhere (ignored)."""

    tag: Tag | None  # existing tag (has an id) or the tag a commit creates (no id)
    ignored: bool = False

    @property
    def is_new(self) -> bool:
        return self.tag is not None and self.tag.id is None


def tag_fits(tag: Tag, kind: TagKind, model: ModelInfo) -> bool:
    if tag.kind != kind:
        return False
    return kind != TagKind.KEYPOINTS or len(tag.keypoint_names) == len(model.keypoint_names)


def resolve(label: str, d: Deployment, model: ModelInfo, tags: dict[int, Tag]) -> Target:
    kind = KIND_FOR_TASK[model.task]
    chosen = d.label_map.get(label)
    if chosen == IGNORE:
        return Target(None, ignored=True)
    if isinstance(chosen, int) and chosen in tags and tag_fits(tags[chosen], kind, model):
        return Target(tags[chosen])
    for tag in tags.values():
        if tag.model_label == label and tag_fits(tag, kind, model):
            return Target(tag)
    wanted = label.casefold()
    for tag in tags.values():
        if tag.name.casefold() == wanted and tag_fits(tag, kind, model):
            return Target(tag)
    if kind == TagKind.KEYPOINTS:
        # A skeleton is specific: the one keypoint tag with as many points (a 33-point "body") is meant.
        fitting = [t for t in tags.values() if tag_fits(t, kind, model)]
        if len(fitting) == 1:
            return Target(fitting[0])
    return Target(new_tag(label, kind, model, tags))


def new_tag(label: str, kind: TagKind, model: ModelInfo, tags: dict[int, Tag]) -> Tag:
    """The tag a commit would create for this label: its name, or "name (kind)" if that name is taken.

    It remembers the label, unless a tag of the kind already does (a keypoint tag whose points no longer fit).
    """
    names = {t.name.casefold() for t in tags.values()}
    remembered = any(t.model_label == label and t.kind == kind for t in tags.values())
    model_label = None if remembered else label
    name = label if label.casefold() not in names else f"{label} ({kind.value})"
    n = 2
    while name.casefold() in names:
        name, n = f"{label} ({kind.value} {n})", n + 1
    if kind == TagKind.KEYPOINTS:
        points = model.keypoint_names or ("point",)
        return Tag(
            name=name,
            kind=kind,
            color=NEUTRAL_COLOR,
            keypoint_names=points,
            skeleton=model.skeleton,
            model_label=model_label,
        )
    return Tag(name=name, kind=kind, color=NEUTRAL_COLOR, model_label=model_label)
