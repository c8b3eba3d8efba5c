"""One model version of one deployment, counted: each worked image's answer matched with its annotations
(quality_match.py) in one pass over the version's answers, and the figures that adds up to
(app/models/quality.py). Used by app/store/quality.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from app.models.deployment import IGNORE
from app.models.quality import LabelQuality, VersionQuality
from app.store.backend import Database
from app.store.quality_match import COMMITTED, ImageMatch, LabelCounts, count_answer, curve
from app.store.quality_rows import ProjectRows
from app.store.quality_time import acceptance_by_day, acceptance_by_images, mean_seconds


class LabelTags(dict[str, int | None]):
    """Each label's tag, found when first asked for, as model assist maps it: the deployment's mapping, the
    tag made for the label, else the tag its commits went to, else a tag of its name."""

    def __init__(self, version: Version) -> None:
        super().__init__()
        self.tags, self.label_map = version.rows.tags, version.rows.deployments[version.deployment_id][1]
        self.committed: dict[str, Counter[int]] = {}
        for decided in version.decided.values():
            for d in decided.values():
                if d.decision == COMMITTED and d.tag_id is not None:
                    label = d.key.split("|")[0]
                    if label not in self.committed:
                        self.committed[label] = Counter()
                    self.committed[label][d.tag_id] += 1

    def __missing__(self, label: str) -> int | None:
        chosen = self.label_map.get(label)
        by_label = [i for i, (_n, _k, model_label) in self.tags.items() if model_label == label]
        by_name = [i for i, (name, _k, _m) in self.tags.items() if name.casefold() == label.casefold()]
        tag: int | None
        if isinstance(chosen, int) and chosen in self.tags:
            tag = chosen
        elif by_label:
            tag = by_label[0]
        elif label in self.committed:
            tag = self.committed[label].most_common(1)[0][0]
        else:
            tag = by_name[0] if by_name else None
        self[label] = tag
        return tag

    def of(self, labels: Iterable[str]) -> set[int]:
        """The tags of these labels (those that have one)."""
        return {t for t in (self[label] for label in labels) if t is not None}


class Version:
    """One model version of one deployment: each worked image's answer counted, in one pass over the answers."""

    def __init__(self, rows: ProjectRows, db: Database, deployment_id: int, version: str, first: str) -> None:
        self.rows, self.deployment_id, self.version, self.first = rows, deployment_id, version, first
        self.model, self.model_labels = "", set[str]()
        self.decided = rows.decisions.get((deployment_id, version), {})
        label_map = rows.deployments[deployment_id][1]
        self.ignored = frozenset(label for label, target in label_map.items() if target == IGNORE)
        self.label_tag = LabelTags(self)
        self.counts: dict[str, LabelCounts] = {}
        self.matches: dict[int, ImageMatch] = {}  # worked image -> what it added up to
        self.answered = 0
        self._count(db)

    def _count(self, db: Database) -> None:
        rows, seen_labels = self.rows, set[tuple[str, ...]]()
        for digest, text in rows.answers(db, self.deployment_id, self.version):
            images = rows.images_of_hash.get(digest, ())
            self.answered += len(images)
            decisions = self.decided.get(digest, {})
            decided_on = {rows.decision_image(d, digest) for d in decisions.values()}
            for i in images:
                if i not in decided_on and i not in rows.annotations and rows.images[i].status != "done":
                    continue  # nobody has worked on it yet
                match = count_answer(
                    text,
                    rows.images[i][:2],
                    i,
                    decisions,
                    rows.finals(i, self.version),
                    self.label_tag,
                    self.counts,
                    rows.bounds,
                    self.ignored,
                )
                self.matches[i] = match
                if match.labels not in seen_labels:
                    seen_labels.add(match.labels)
                    self.model = self.model or match.model
                    self.model_labels.update(match.labels)

    def model_tags(self) -> set[int]:
        """The tags of the model's labels: annotations of these are what it should find."""
        return self.label_tag.of(self.labels())

    def labels(self) -> list[str]:
        return sorted((self.model_labels | self.counts.keys()) - self.ignored)

    def figures(self, spent: dict[int, float]) -> VersionQuality:
        missed: Counter[int] = Counter()
        for match in self.matches.values():
            missed.update(match.left)
        names = self.labels()
        labels = tuple(self._label(label, self.counts.get(label, LabelCounts()), missed) for label in names)
        everything = LabelCounts()
        for c in self.counts.values():
            _add(everything, c)
        total = _quality("", "", everything, sum(missed[t] for t in self.model_tags()))
        decisions = [
            (d.time, image_id, d.decision)
            for digest, decided in self.decided.items()
            for d in decided.values()
            if (image_id := self.rows.decision_image(d, digest)) is not None
        ]
        by_images, per = acceptance_by_images(decisions)
        seconds, timed = mean_seconds(spent, self.matches)
        return VersionQuality(
            deployment_id=self.deployment_id,
            deployment=self.rows.deployments[self.deployment_id][0],
            model=self.model,
            version=self.version,
            first_seen=self.first,
            answered=self.answered,
            worked=len(self.matches),
            total=total,
            labels=labels,
            acceptance_by_day=acceptance_by_day((t, d) for t, _i, d in decisions),
            acceptance_by_images=by_images,
            images_per_point=per,
            seconds_per_image=seconds,
            timed_images=timed,
        )

    def _label(self, label: str, c: LabelCounts, missed: Counter[int]) -> LabelQuality:
        tag = self.label_tag[label]
        name = self.rows.tags[tag][0] if tag is not None and tag in self.rows.tags else ""
        return _quality(label, name, c, missed[tag] if tag is not None else 0)


def _add(into: LabelCounts, c: LabelCounts) -> None:
    for name in ("committed", "as_is", "edited", "deleted", "dismissed"):
        setattr(into, name, getattr(into, name) + getattr(c, name))
    for name in ("ious", "keypoint_px", "scores", "hits"):
        getattr(into, name).extend(getattr(c, name))


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _quality(label: str, tag: str, c: LabelCounts, missed: int) -> LabelQuality:
    points, best = curve(c.scores, c.hits, c.found + missed)
    return LabelQuality(
        label=label,
        tag=tag,
        suggested=c.suggested,
        committed=c.committed,
        as_is=c.as_is,
        edited=c.edited,
        deleted=c.deleted,
        dismissed=c.dismissed,
        found=c.found,
        missed=missed,
        edit_iou=_mean(c.ious),
        edit_keypoint_px=_mean(c.keypoint_px),
        curve=points,
        best=best,
    )
