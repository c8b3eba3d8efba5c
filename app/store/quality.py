"""How good each model version is for labelling, from what the project already keeps: its cached answers, the
decisions on their suggestions, the annotations they became (or were drawn by hand instead) and when each
edit was made. The words are defined in app/models/quality.py and the README ("How good is the model?").

One report reads each table once (quality_rows.py), counts each model version in one pass over its answers
(quality_version.py), matching each worked image's suggestions with its final annotations (quality_match.py),
and times the labelling (quality_time.py). The SQL is the stores' common dialect, so a team project is
measured the same.
"""

from __future__ import annotations

from app.collector import paused
from app.models.quality import DeploymentQuality, QualityReport
from app.store.backend import Database
from app.store.quality_rows import ProjectRows
from app.store.quality_time import (
    IDLE_SECONDS,
    calls_series,
    calls_unit,
    labelling_seconds,
    mean_seconds,
)
from app.store.quality_version import Version


class QualityStore:
    """Reads the quality figures of an open project; it never writes."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def report(self, deployment_id: int | None = None) -> QualityReport:
        """Every deployment's figures (or one's), per model version, oldest version first."""
        with paused():
            return self._report(deployment_id)

    def _report(self, deployment_id: int | None) -> QualityReport:
        rows = ProjectRows.read(self.database, deployment_id)
        events = rows.events()
        spent = labelling_seconds(events)
        out = []
        for i, (name, _label_map) in rows.deployments.items():
            versions = tuple(
                Version(rows, self.database, i, v, first).figures(spent) for v, first in rows.versions[i]
            )
            unit, calls = self._calls(i)
            out.append(
                DeploymentQuality(deployment_id=i, name=name, versions=versions, calls=calls, calls_unit=unit)
            )
        edited = {image_id for _who, _when, image_id in events}
        unassisted = [i for i in edited if rows.image_hash.get(i) not in rows.answered]
        seconds, timed = mean_seconds(spent, unassisted)
        return QualityReport(
            deployments=tuple(out),
            idle_seconds=IDLE_SECONDS,
            seconds_per_image_unassisted=seconds,
            unassisted_images=timed,
        )

    def fingerprint(self) -> tuple[object, ...]:
        """Changes whenever the figures can (a cheap read: a report of a large project is not)."""
        return tuple(
            self.database.execute(
                "SELECT (SELECT count(*) FROM annotations), (SELECT max(updated_at) FROM annotations), "
                "(SELECT count(*) FROM suggestion_decisions), (SELECT max(time) FROM suggestion_decisions), "
                "(SELECT count(*) FROM prediction_cache), (SELECT max(created_at) FROM prediction_cache), "
                "(SELECT count(*) FROM images), (SELECT max(status_at) FROM images), "
                "(SELECT count(*) FROM usage_events), (SELECT count(*) FROM tags), "
                "(SELECT count(*) FROM deployments)"
            ).fetchone()
        )

    def hard_images(self, deployment_id: int) -> dict[int, int]:
        """Images where any version of the deployment missed annotations or had a committed suggestion
        corrected afterwards: image id -> how many such annotations and suggestions (the most, over versions)."""
        with paused():
            return self._hard_images(deployment_id)

    def _hard_images(self, deployment_id: int) -> dict[int, int]:
        rows = ProjectRows.read(self.database, deployment_id)
        hard: dict[int, int] = {}
        for version, first in rows.versions[deployment_id]:
            v = Version(rows, self.database, deployment_id, version, first)
            tags = v.model_tags()
            for image_id, match in v.matches.items():
                n = match.corrected + sum(left for tag, left in match.left.items() if tag in tags)
                if n:
                    hard[image_id] = max(hard.get(image_id, 0), n)
        return hard

    def model_versions(self) -> list[tuple[int, str, str, str]]:
        """(deployment id, deployment name, model version, first seen) of every version with answers."""
        return [
            (i, name, version, first)
            for i, name, version, first in self.database.execute(
                "SELECT c.deployment_id, d.name, c.model_version, min(c.created_at) FROM prediction_cache c "
                "JOIN deployments d ON d.id = c.deployment_id GROUP BY c.deployment_id, d.name, c.model_version "
                "ORDER BY min(c.created_at), c.model_version"
            )
        ]

    def changed_since(self, version: str, deployment: str | None = None) -> set[int]:
        """Images labelled since a model version first answered (its first cached answer): an annotation
        drawn or changed, a suggestion decided on, or the image marked. ValueError if no such version."""
        since = [
            first
            for _i, name, v, first in self.model_versions()
            if v == version and (deployment is None or name == deployment)
        ]
        if not since:
            where = f" of deployment '{deployment}'" if deployment else ""
            raise ValueError(f"No model version '{version}'{where} has answered in this project.")
        t = min(since)
        db = self.database
        changed = {r[0] for r in db.execute("SELECT image_id FROM annotations WHERE updated_at >= ?", (t,))}
        changed |= {r[0] for r in db.execute("SELECT id FROM images WHERE status_at >= ?", (t,))}
        changed |= {
            r[0]
            for r in db.execute(
                "SELECT image_id FROM suggestion_decisions WHERE time >= ? AND image_id IS NOT NULL", (t,)
            )
        }
        return changed

    def _calls(self, deployment_id: int) -> tuple[str, tuple]:
        first, last = self.database.execute(
            "SELECT min(time), max(time) FROM usage_events WHERE deployment_id = ? AND kind = 'infer'",
            (deployment_id,),
        ).fetchone()
        unit, length = calls_unit(first or "", last or "")
        rows = self.database.execute(
            "SELECT substr(time, 1, ?), ok, latency_ms FROM usage_events WHERE deployment_id = ? AND kind = 'infer'",
            (length, deployment_id),
        )
        return unit, calls_series(rows)
