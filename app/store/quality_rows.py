"""The rows the quality figures are computed from, read once per report with plain SQL that both backends
understand (app/store/quality.py). Rows stay tuples: a project of 100,000 images has a million of them.
Provenance JSON is looked into only where it names a suggestion."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from app.store.backend import Database
from app.store.quality_match import Decision, Final

_LINKED = '"suggestion":"'  # in a provenance: committed from a suggestion
_TIME = '"time":"'
_VERSION = '"version":'


class AnnotationRow(NamedTuple):
    id: int
    image_id: int
    tag_id: int
    geometry: str
    provenance: str
    created_by: str
    updated_by: str
    updated_at: str
    version: int

    def created_at(self) -> str:
        start = self.provenance.find(_TIME)
        if start < 0:
            return ""
        start += len(_TIME)
        return self.provenance[start : self.provenance.find('"', start)]

    def link(self) -> tuple[str, str] | None:
        """(model version, suggestion key) when it was committed from a suggestion. Read off the text when
        it is plain (as pydantic writes it, with nothing escaped in the two values), else parsed."""
        text = self.provenance
        start = text.find(_LINKED)
        if start < 0:
            return None
        start += len(_LINKED)
        key = text[start : text.find('"', start)]
        at = text.find(_VERSION)
        if '"source":"model"' in text and "\\" not in text and at >= 0:
            at += len(_VERSION)
            version = "" if text.startswith("null", at) else text[at + 1 : text.find('"', at + 1)]
            return version, key
        p = json.loads(text)
        if p.get("source") != "model" or not p.get("suggestion"):
            return None
        return p.get("version") or "", p["suggestion"]


class ImageRow(NamedTuple):
    width: int
    height: int
    status: str
    status_by: str
    status_at: str


@dataclass
class ProjectRows:
    images: dict[int, ImageRow] = field(default_factory=dict)
    image_hash: dict[int, str] = field(default_factory=dict)
    images_of_hash: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    annotations: dict[int, list[AnnotationRow]] = field(default_factory=lambda: defaultdict(list))
    links: dict[int, tuple[str, str]] = field(default_factory=dict)  # annotation -> AnnotationRow.link
    bounds: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)  # annotation -> bounds
    tags: dict[int, tuple[str, str, str | None]] = field(default_factory=dict)  # name, kind, model label
    deployments: dict[int, tuple[str, dict]] = field(default_factory=dict)  # name, label map
    versions: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    answered: set[str] = field(default_factory=set)  # content hashes any model answered
    # (deployment, version) -> content hash -> suggestion key -> the decision on it
    decisions: dict[tuple[int, str], dict[str, dict[str, Decision]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )

    @classmethod
    def read(cls, db: Database, deployment_id: int | None) -> ProjectRows:
        rows = cls()
        for i, *image in db.execute("SELECT id, width, height, status, status_by, status_at FROM images"):
            rows.images[i] = ImageRow(*image)
        for image_id, digest in db.execute("SELECT image_id, content_hash FROM image_contents"):
            rows.image_hash[image_id] = digest
            rows.images_of_hash[digest].append(image_id)
        for row in db.execute(
            "SELECT id, image_id, tag_id, geometry, provenance, created_by, updated_by, updated_at, version "
            "FROM annotations"
        ):
            a = AnnotationRow._make(row)
            rows.annotations[a.image_id].append(a)
            if _LINKED in a.provenance and (link := a.link()) is not None:
                rows.links[a.id] = link
        for i, name, kind, model_label in db.execute("SELECT id, name, kind, model_label FROM tags"):
            rows.tags[i] = (name, kind, model_label)
        for i, name, config in db.execute("SELECT id, name, config FROM deployments ORDER BY id"):
            if deployment_id is None or i == deployment_id:
                try:
                    label_map = json.loads(config).get("label_map") or {}
                except (ValueError, AttributeError):
                    label_map = {}
                rows.deployments[i] = (name, label_map)
        for i, version, first in db.execute(
            "SELECT deployment_id, model_version, min(created_at) FROM prediction_cache "
            "GROUP BY deployment_id, model_version ORDER BY min(created_at), model_version"
        ):
            if i in rows.deployments:
                rows.versions[i].append((version, first))
        rows.answered = {r[0] for r in db.execute("SELECT DISTINCT content_hash FROM prediction_cache")}
        for digest, i, version, *decision in db.execute(
            "SELECT content_hash, deployment_id, model_version, key, decision, tag_id, geometry, image_id, time, "
            "who FROM suggestion_decisions"
        ):
            rows.decisions[(i, version)][digest][decision[0]] = Decision(*decision)
        return rows

    def answers(self, db: Database, deployment_id: int, version: str) -> list[tuple[str, str]]:
        """(content hash, predictions JSON) of every answer of a model version."""
        return db.execute(
            "SELECT content_hash, predictions FROM prediction_cache WHERE deployment_id = ? AND model_version = ?",
            (deployment_id, version),
        ).fetchall()

    def finals(self, image_id: int, version: str) -> list[Final]:
        """An image's annotations as the answer of a model version sees them: linked to one of its
        suggestions, or not."""
        out = []
        for a in self.annotations.get(image_id, ()):
            link = self.links.get(a.id)
            out.append(
                Final(
                    a.id, a.tag_id, a.geometry, link[1] if link is not None and link[0] == version else None
                )
            )
        return out

    def decision_image(self, d: Decision, digest: str) -> int | None:
        """The image a decision was taken on (a decision kept before images were recorded: the one image with
        that content, if there is only one)."""
        if d.image_id is not None:
            return d.image_id
        images = self.images_of_hash.get(digest, ())
        return images[0] if len(images) == 1 else None

    def events(self) -> list[tuple[str, str, int]]:
        """Every edit with its labeller and time: annotations drawn or committed and changed last, decisions
        on suggestions, images marked."""
        out = []
        for image_id, drawn in self.annotations.items():
            for a in drawn:
                out.append((a.created_by, a.created_at(), image_id))
                if a.version > 1:
                    out.append((a.updated_by or a.created_by, a.updated_at, image_id))
        for answers in self.decisions.values():
            for digest, decided in answers.items():
                for d in decided.values():
                    on = self.decision_image(d, digest)
                    if on is not None:
                        out.append((d.who, d.time, on))
        for image_id, image in self.images.items():
            if image.status_at:
                out.append((image.status_by, image.status_at, image_id))
        return out
