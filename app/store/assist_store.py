"""Model-assist records in the project file: deployments, their usage, cached predictions, and decisions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, ValidationError

from app.models import Annotation, Deployment, PredictionSet
from app.store.backend import Connection, Database, Write, now_iso
from app.store.errors import IntegrityFailure
from app.store.rows import insert_row

COMMITTED, DISMISSED = "committed", "dismissed"
LATENCY_WINDOW = 10_000  # latest calls that count towards the percentiles


class CacheKey(BaseModel):
    """Predictions are asked for once per image content, deployment and model version."""

    model_config = ConfigDict(frozen=True, defer_build=True)
    content_hash: str
    deployment_id: int
    model_version: str


class UsageSummary(BaseModel):
    model_config = ConfigDict(defer_build=True)
    calls: int = 0
    failures: int = 0
    images: int = 0
    predictions: int = 0
    committed: int = 0
    dismissed: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None


class AssistStore:
    """Reads and writes the model-assist tables of an open project; each write is its own transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # ---- deployments ---------------------------------------------------------------------------

    def deployments(self) -> list[Deployment]:
        rows = self.database.execute(
            "SELECT id, name, protocol, url, model, config FROM deployments ORDER BY id"
        )
        out = []
        for i, name, protocol, url, model, config in rows:
            try:
                extra = json.loads(config)
                out.append(Deployment(id=i, name=name, protocol=protocol, url=url, model=model, **extra))
            except (ValueError, TypeError, ValidationError):
                continue  # written by a newer version in a way we cannot read: leave it alone
        return out

    def save_deployment(self, d: Deployment) -> Deployment:
        """Insert (no id) or update; a name already taken raises ValueError."""
        config = d.model_dump_json(exclude={"id", "name", "protocol", "url", "model"})
        row = (d.name, d.protocol.value, d.url, d.model, config)
        try:
            with self.database.transaction() as c:
                if d.id is None:
                    columns = dict(zip(("name", "protocol", "url", "model", "config"), row, strict=True))
                    return d.model_copy(update={"id": insert_row(c, "deployments", columns)})
                c.execute(
                    "UPDATE deployments SET name=?, protocol=?, url=?, model=?, config=? WHERE id=?",
                    (*row, d.id),
                )
                return d
        except IntegrityFailure:
            raise ValueError(f"A deployment named '{d.name}' already exists.") from None

    def delete_deployment(self, deployment_id: int) -> None:
        with self.database.transaction() as c:
            c.execute("DELETE FROM deployments WHERE id = ?", (deployment_id,))

    # ---- prediction cache ----------------------------------------------------------------------

    def cached_hashes(self, deployment_id: int, model_version: str) -> set[str]:
        rows = self.database.execute(
            "SELECT content_hash FROM prediction_cache WHERE deployment_id = ? AND model_version = ?",
            (deployment_id, model_version),
        )
        return {r[0] for r in rows}

    def cached(self, key: CacheKey) -> PredictionSet | None:
        row = self.database.execute(
            "SELECT predictions FROM prediction_cache WHERE content_hash=? AND deployment_id=? AND model_version=?",
            (key.content_hash, key.deployment_id, key.model_version),
        ).fetchone()
        if row is None:
            return None
        try:
            return PredictionSet.model_validate_json(row[0])
        except ValidationError:
            return None  # unreadable: ask the model again

    def cache(self, key: CacheKey, predictions: PredictionSet, image_id: int | None = None) -> None:
        """Keep a model's answer; with `image_id`, also which content that image has (so the answer meets the
        image's annotations in the quality figures), in the same transaction."""
        with self.database.transaction() as c:
            c.execute(
                "INSERT INTO prediction_cache(content_hash, deployment_id, model_version, predictions, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (content_hash, deployment_id, model_version) "
                "DO UPDATE SET predictions = excluded.predictions, created_at = excluded.created_at",
                (
                    key.content_hash,
                    key.deployment_id,
                    key.model_version,
                    predictions.model_dump_json(),
                    now_iso(),
                ),
            )
            if image_id is not None:
                c.execute(
                    "INSERT INTO image_contents(image_id, content_hash) VALUES (?, ?) "
                    "ON CONFLICT (image_id) DO UPDATE SET content_hash = excluded.content_hash "
                    "WHERE image_contents.content_hash <> excluded.content_hash",
                    (image_id, key.content_hash),
                )

    # ---- pre-labelled images ---------------------------------------------------------------------

    def mark_prelabelled(self, image_ids: Iterable[int], deployment_id: int, model_version: str) -> None:
        with self.database.transaction() as c:
            c.executemany(
                "INSERT INTO prelabelled(image_id, deployment_id, model_version) VALUES (?, ?, ?) "
                "ON CONFLICT (image_id, deployment_id) DO UPDATE SET model_version = excluded.model_version",
                [(i, deployment_id, model_version) for i in image_ids],
            )

    def prelabelled(self, deployment_id: int, model_version: str) -> set[int]:
        rows = self.database.execute(
            "SELECT image_id FROM prelabelled WHERE deployment_id = ? AND model_version = ?",
            (deployment_id, model_version),
        )
        return {r[0] for r in rows}

    def is_prelabelled(self, image_id: int, deployment_id: int, model_version: str) -> bool:
        return (
            self.database.execute(
                "SELECT 1 FROM prelabelled WHERE image_id = ? AND deployment_id = ? AND model_version = ?",
                (image_id, deployment_id, model_version),
            ).fetchone()
            is not None
        )

    # ---- decisions on suggestions --------------------------------------------------------------

    def decisions(self, key: CacheKey) -> dict[str, str]:
        rows = self.database.execute(
            "SELECT key, decision FROM suggestion_decisions WHERE content_hash=? AND deployment_id=? "
            "AND model_version=?",
            (key.content_hash, key.deployment_id, key.model_version),
        )
        return dict(rows.fetchall())

    def decide(
        self,
        key: CacheKey,
        suggestion_keys: Sequence[str],
        decision: str,
        image_id: int | None = None,
        committed: Sequence[Annotation] = (),
    ) -> Write:
        """A write to run inside another transaction (see ProjectStore.add_annotations' ``also``). A commit
        passes the annotations the suggestions became, in the same order: their tag and shape as committed
        are kept beside the decision, so an edit made afterwards can be measured."""
        who, now = self.database.who, now_iso()
        shapes: list[tuple[int | None, str | None]] = [
            (a.tag_id, a.geometry.model_dump_json()) for a in committed
        ]
        shapes += [(None, None)] * (len(suggestion_keys) - len(shapes))
        rows = [
            (key.content_hash, key.deployment_id, key.model_version, k, decision, now, who, image_id, *shape)
            for k, shape in zip(suggestion_keys, shapes, strict=True)
        ]

        def write(c: Connection) -> None:
            c.executemany(
                "INSERT INTO suggestion_decisions(content_hash, deployment_id, model_version, key, decision, "
                "time, who, image_id, tag_id, geometry) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (content_hash, deployment_id, model_version, key) "
                "DO UPDATE SET decision = excluded.decision, time = excluded.time, who = excluded.who, "
                "image_id = excluded.image_id, tag_id = excluded.tag_id, geometry = excluded.geometry",
                rows,
            )

        return write

    @staticmethod
    def undecide(key: CacheKey, suggestion_keys: Iterable[str]) -> Write:
        rows = [(key.content_hash, key.deployment_id, key.model_version, k) for k in suggestion_keys]

        def write(c: Connection) -> None:
            c.executemany(
                "DELETE FROM suggestion_decisions WHERE content_hash=? AND deployment_id=? AND model_version=? "
                "AND key=?",
                rows,
            )

        return write

    def run(self, write: Write) -> None:
        """Run writes made by decide/undecide in a transaction of their own."""
        self.database.run(write)

    # ---- usage ---------------------------------------------------------------------------------

    def record_call(
        self,
        deployment_id: int,
        *,
        ok: bool,
        latency_ms: float | None,
        predictions: int = 0,
        content_hash: str = "",
        detail: str = "",
    ) -> None:
        with self.database.transaction() as c:
            c.execute(
                "INSERT INTO usage_events(deployment_id, time, kind, ok, latency_ms, predictions, detail, "
                "content_hash, who) VALUES (?, ?, 'infer', ?, ?, ?, ?, ?, ?)",
                (
                    deployment_id,
                    now_iso(),
                    int(ok),
                    latency_ms,
                    predictions,
                    detail[:2000],
                    content_hash,
                    self.database.who,
                ),
            )

    def usage(self, deployment_id: int) -> UsageSummary:
        c = self.database
        calls, failures, predictions = c.execute(
            "SELECT count(*), coalesce(sum(1 - ok), 0), coalesce(sum(predictions), 0) FROM usage_events "
            "WHERE deployment_id = ? AND kind = 'infer'",
            (deployment_id,),
        ).fetchone()
        images = c.execute(
            "SELECT count(DISTINCT content_hash) FROM usage_events WHERE deployment_id = ? AND kind = 'infer' "
            "AND ok = 1 AND content_hash != ''",
            (deployment_id,),
        ).fetchone()[0]
        decided = dict(
            c.execute(
                "SELECT decision, count(*) FROM suggestion_decisions WHERE deployment_id = ? GROUP BY decision",
                (deployment_id,),
            ).fetchall()
        )
        latencies = sorted(
            r[0]
            for r in c.execute(
                "SELECT latency_ms FROM usage_events WHERE deployment_id = ? AND kind = 'infer' AND ok = 1 "
                "AND latency_ms IS NOT NULL ORDER BY id DESC LIMIT ?",
                (deployment_id, LATENCY_WINDOW),
            )
        )
        return UsageSummary(
            calls=calls,
            failures=failures,
            images=images,
            predictions=predictions,
            committed=decided.get(COMMITTED, 0),
            dismissed=decided.get(DISMISSED, 0),
            p50_ms=_percentile(latencies, 0.50),
            p95_ms=_percentile(latencies, 0.95),
        )

    def usage_by_labeller(self, deployment_id: int) -> dict[str, int]:
        """Calls to a deployment per labeller who made them, most first (calls recorded before labellers
        were kept count under '')."""
        rows = self.database.execute(
            "SELECT who, count(*) FROM usage_events WHERE deployment_id = ? AND kind = 'infer' "
            "GROUP BY who ORDER BY count(*) DESC, who",
            (deployment_id,),
        ).fetchall()
        return {who: calls for who, calls in rows}


def _percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None without values."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 1))  # ceil(n * q), at least 1
    return sorted_values[int(rank) - 1]
