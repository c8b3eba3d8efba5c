"""Checking a read dataset against a project and planning exactly what an import will add (no writes).

Tags are matched by name (and kind; a name taken by a tag of another kind gets " (kind)" appended),
images by their path relative to the project. Coordinates up to a pixel outside the image are clipped;
further out, the annotation is an issue. Annotations identical to one already on the image are skipped,
so importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pydantic import ValidationError

from app.io.dataset import Issue, SourceAnnotation, SourceDataset, SourceImage, is_anonymous
from app.io.duplicates import Seen
from app.io.images import image_size
from app.io.progress import Progress
from app.io.shapes import Extent, FlatPolygon
from app.models import Annotation, ImageRecord, ImageStatus, Provenance, Tag, TagKind
from app.models.geometry import Box, Keypoints, Point, Polygon, clip_to_image
from app.models.palette import next_color
from app.project_files import relative_paths
from app.store.bulk import AnnotationRow

TOLERANCE_PX = 1.0  # coordinates this far outside the image are rounding, not errors


class PlannedAnnotation(NamedTuple):  # a named tuple: made once per annotation, five times faster to make
    image: int  # an existing image id, or -(i + 1) for new_images[i]
    tag: int  # an existing tag id, or -(i + 1) for new_tags[i]
    geometry: Box | Polygon | Keypoints | FlatPolygon
    provenance: Provenance


@dataclass
class ImportPlan:
    new_tags: list[Tag] = field(default_factory=list)
    new_images: list[ImageRecord] = field(default_factory=list)
    annotations: list[PlannedAnnotation] = field(default_factory=list)
    statuses: dict[int, ImageStatus] = field(default_factory=dict)  # existing NEW images that get annotations
    issues: list[Issue] = field(default_factory=list)  # entries that will not be imported, and why
    notes: list[str] = field(default_factory=list)
    duplicates: int = 0
    matched_images: int = 0

    def is_empty(self) -> bool:
        return not (self.new_tags or self.new_images or self.annotations)

    def summary(self) -> str:
        text = (
            f"{len(self.annotations)} annotation(s), {len(self.new_images)} new image(s) "
            f"({self.matched_images} already in the project), {len(self.new_tags)} new tag(s)"
        )
        if self.duplicates:
            text += f"; {self.duplicates} annotation(s) already in the project skipped"
        if self.issues:
            text += f"; {len(self.issues)} entr(y/ies) skipped"
        return text

    def report(self) -> str:
        lines = [self.summary(), *self.notes[:20]]
        lines += [f"skipped: {i}" for i in self.issues]
        return "\n".join(lines)

    def resolve(self, tags: list[Tag], images: list[ImageRecord]) -> list[Annotation]:
        """The planned annotations with real ids, once the new tags and images have theirs."""
        tag_id, image_id = _resolver(tags), _resolver(images)
        return [
            Annotation.model_construct(
                id=None,
                image_id=image_id(a.image),
                tag_id=tag_id(a.tag),
                geometry=a.geometry.model() if isinstance(a.geometry, FlatPolygon) else a.geometry,
                provenance=a.provenance,
            )
            for a in self.annotations
        ]

    def rows(self, tags: list[Tag], images: list[ImageRecord]) -> Iterator[AnnotationRow]:
        """The same as plain rows to store (image id, tag id, geometry JSON, provenance JSON)."""
        tag_id, image_id = _resolver(tags), _resolver(images)
        provenance: dict[Provenance, str] = {}  # most annotations of a dataset share one provenance
        for a in self.annotations:
            p = provenance.get(a.provenance)
            if p is None:
                p = provenance[a.provenance] = a.provenance.model_dump_json()
            g = a.geometry
            yield (
                image_id(a.image),
                tag_id(a.tag),
                g.json() if isinstance(g, FlatPolygon) else g.model_dump_json(),
                p,
            )


def _resolver(records: list[Tag] | list[ImageRecord]) -> Callable[[int], int]:
    """A planned reference (an id, or -(i + 1) for the i-th new record) to the id it has once written."""
    ids = [r.saved_id for r in records]
    return lambda ref: ids[-ref - 1] if ref < 0 else ref


class _Tags:
    """Finds or plans the tag for each (name, kind, point names)."""

    def __init__(self, existing: list[Tag], plan: ImportPlan, colors: dict[str, str]) -> None:
        self.by_name = {t.name: t for t in existing}
        self.refs: dict[str, int] = {t.name: t.id for t in existing}  # type: ignore[misc]
        self.by_ref: dict[int, Tag] = {t.id: t for t in existing}  # type: ignore[misc]
        self.plan = plan
        self.colors = colors
        self.used_colors = [t.color for t in existing]
        self.known: dict[tuple[str, TagKind, tuple[str, ...]], int | str] = {}  # answers so far

    def ref(self, name: str, kind: TagKind, names: tuple[str, ...] = (), skeleton: tuple = ()) -> int | str:
        """A tag reference, or a message saying why no tag fits. The same question gets the same answer
        (a tag once planned is found by name), so each is worked out once."""
        key = (name, kind, names)
        known = self.known.get(key)
        if known is None:
            known = self.known[key] = self._ref(name, kind, names, skeleton)
        return known

    def _ref(self, name: str, kind: TagKind, names: tuple[str, ...], skeleton: tuple) -> int | str:
        for candidate in (name, f"{name} ({kind.value})"):
            tag = self.by_name.get(candidate)
            if tag is None:
                return self._new(candidate, kind, names, skeleton, renamed=candidate != name)
            why = _mismatch(tag, kind, names)
            if why is None:
                return self.refs[candidate]
        return f"tag '{name}' is a {why}, and so is '{name} ({kind.value})'"

    def _new(self, name: str, kind: TagKind, names: tuple[str, ...], skeleton: tuple, renamed: bool) -> int:
        tag = Tag(
            name=name, color=next_color(self.used_colors), kind=kind, keypoint_names=names, skeleton=skeleton
        )
        try:
            tag = tag.model_copy(update={"color": Tag(name=name, color=self.colors[name]).color})
        except (KeyError, ValidationError):
            pass  # no colour in the file, or not one we can use: the palette's
        self.used_colors.append(tag.color)
        self.plan.new_tags.append(tag)
        self.by_name[name] = tag
        self.refs[name] = -len(self.plan.new_tags)
        self.by_ref[self.refs[name]] = tag
        if renamed:
            self.plan.notes.append(
                f"the project's tag '{name.rsplit(' (', 1)[0]}' is of another kind: "
                f"these annotations go to a new tag '{name}'"
            )
        return self.refs[name]


def _mismatch(tag: Tag, kind: TagKind, names: tuple[str, ...]) -> str | None:
    if tag.kind != kind:
        return f"{tag.kind.value} tag"
    if kind == TagKind.KEYPOINTS and names and tag.keypoint_names != names:
        if not (is_anonymous(names) and len(names) == len(tag.keypoint_names)):
            return f"keypoint tag with other points ({len(tag.keypoint_names)}: {', '.join(tag.keypoint_names[:4])}…)"
    return None


def plan_import(
    data: SourceDataset,
    root: Path,
    tags: list[Tag],
    images: list[ImageRecord],
    annotations_for: Callable[[int], list[Annotation]],
    progress: Progress | None = None,
) -> ImportPlan:
    """Everything the import would add to the project at `root`, and every entry it would leave out."""
    progress = progress or Progress()
    plan = ImportPlan(issues=list(data.issues), notes=list(data.notes))
    tagger = _Tags(tags, plan, data.colors)
    for t in data.tags:
        ref = tagger.ref(t.name, t.kind, t.keypoint_names, t.skeleton)
        if isinstance(ref, str):
            plan.issues.append(Issue("", f"category '{t.name}'", ref))
    by_path = {r.path: r for r in images}
    merged = _merge_by_path(data.images, root)
    progress.start(len(merged), "Checking")
    for rel, sources in merged.items():
        progress.advance()
        _plan_image(plan, tagger, rel, sources, by_path.get(rel), annotations_for)
    return plan


def _merge_by_path(images: list[SourceImage], root: Path) -> dict[str, list[SourceImage]]:
    merged: dict[str, list[SourceImage]] = {}
    for im, rel in zip(images, relative_paths((im.path for im in images), root), strict=True):
        merged.setdefault(rel, []).append(im)
    return merged


def _plan_image(
    plan: ImportPlan,
    tagger: _Tags,
    rel: str,
    sources: list[SourceImage],
    existing: ImageRecord | None,
    annotations_for: Callable[[int], list[Annotation]],
) -> None:
    first = sources[0]
    anns = [a for s in sources for a in s.annotations]
    found = first.path.is_file() if first.found is None else first.found
    width, height = _size(existing, sources) if found else (0, 0)
    if not (width and height):
        gone = "not found" if not found else "not readable as an image"
        n = f" (and its {len(anns)} annotation(s))" if anns else ""
        plan.issues.append(Issue(first.file, first.entry, f"image {gone}: {first.path}{n}"))
        return
    if existing is not None:
        image_ref: int = existing.id  # type: ignore[assignment]
        plan.matched_images += 1
        seen = Seen((a.tag_id, a.geometry) for a in annotations_for(existing.saved_id))
    else:
        image_ref, seen = -(len(plan.new_images) + 1), Seen()
    planned = []
    for a in anns:
        checked = _check(a, width, height, tagger)
        if isinstance(checked, str):
            plan.issues.append(Issue(first.file, a.entry, checked))
            continue
        if not seen.add(checked.tag, checked.geometry):
            plan.duplicates += 1
            continue
        planned.append(PlannedAnnotation(image_ref, checked.tag, checked.geometry, a.provenance))
    plan.annotations += planned
    if existing is None:
        status = first.status or (ImageStatus.IN_PROGRESS if planned else ImageStatus.NEW)
        plan.new_images.append(ImageRecord(path=rel, width=width, height=height, status=status))
    elif planned and existing.status == ImageStatus.NEW:
        plan.statuses[existing.saved_id] = ImageStatus.IN_PROGRESS


def _size(existing: ImageRecord | None, sources: list[SourceImage]) -> tuple[int, int]:
    if existing is not None and existing.width and existing.height:
        return existing.width, existing.height
    for s in sources:
        if s.width and s.height:
            return s.width, s.height
    return image_size(sources[0].path) or (0, 0)


class _Checked(NamedTuple):
    tag: int
    geometry: Box | Polygon | Keypoints | FlatPolygon


def _check(a: SourceAnnotation, width: int, height: int, tagger: _Tags) -> _Checked | str:
    """The annotation fitted to its tag and clipped to the image, or why it cannot be imported."""
    g = a.geometry
    if type(g) is FlatPolygon and a.extent is not None and _inside(a.extent, width, height):
        ref = tagger.ref(a.tag, a.kind)
        return ref if isinstance(ref, str) else _Checked(ref, g)  # the common case, without a model
    names = a.keypoint_names
    if isinstance(g, Keypoints) and not names:
        return "keypoints without point names"
    ref = tagger.ref(a.tag, a.kind, names)
    if isinstance(ref, str):
        return ref
    if isinstance(g, FlatPolygon):
        g = g.model()
    if isinstance(g, Keypoints):
        tag = tagger.by_ref[ref]
        if len(g.points) != len(tag.keypoint_names):
            return f"{len(g.points)} points, but tag '{tag.name}' has {len(tag.keypoint_names)}"
        coords = [(p.x, p.y) for p in g.labelled()]
    elif isinstance(g, Polygon):
        coords = g.points
    else:
        coords = ((g.x1, g.y1), (g.x2, g.y2))
    if coords and not _inside(a.extent or _extent(coords), width, height):
        t = TOLERANCE_PX
        bad = next(((x, y) for x, y in coords if not (-t <= x <= width + t and -t <= y <= height + t)), None)
        if bad is not None:
            return f"point ({bad[0]:g}, {bad[1]:g}) is outside the {width}×{height} image"
        g = clip_to_image(g, width, height)
    if isinstance(g, Box) and (g.width <= 0 or g.height <= 0):
        return "the box has no area"
    if isinstance(g, Keypoints) and not g.labelled():
        return "no point of the instance is placed"
    return _Checked(ref, g)


def _extent(coords: Sequence[Point]) -> Extent:
    xs, ys = zip(*coords, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _inside(extent: Extent, width: int, height: int) -> bool:
    """Whether every point lies on the image (the common case)."""
    x0, y0, x1, y1 = extent
    return 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height
