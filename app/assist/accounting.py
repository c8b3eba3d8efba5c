"""What every model answer leaves behind, drawn or not: the cached predictions, the usage counts in the
project file, a request-log line and the deployment's status."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.assist import suggestions as sg
from app.assist.cache import AnswerCache
from app.assist.requests import AssistAnswer
from app.inference.deployments import Deployments
from app.inference.request_log import LogEntry
from app.models import Tag
from app.store.assist_store import AssistStore, CacheKey


@dataclass(frozen=True)
class Kept:
    """Where an answer went."""

    key: CacheKey | None  # its cache key; None if the file could not be read or the deployment is gone
    entry: LogEntry | None  # its request-log line; None if nothing was asked (the answer was cached)


def answer_key(answer: AssistAnswer) -> CacheKey | None:
    """The key an answer is cached under; None when its image could not be read."""
    if not answer.content_hash:
        return None
    job = answer.job
    return CacheKey(
        content_hash=answer.content_hash,
        deployment_id=job.deployment.saved_id,
        model_version=job.probe.model.version,
    )


def record_call(records: AssistStore, answer: AssistAnswer) -> None:
    """Count a call to the model in the project's usage (for answers that asked it: a result or a failure)."""
    records.record_call(
        answer.job.deployment.saved_id,
        ok=not answer.error,
        latency_ms=answer.latency_ms,
        predictions=len(answer.result.predictions) if answer.result else 0,
        content_hash=answer.content_hash,
        detail=answer.error,
    )


class Accounting:
    def __init__(self, deployments: Deployments, cache: AnswerCache) -> None:
        self.deployments = deployments
        self.cache = cache
        self.records: AssistStore | None = None

    def keep(self, answer: AssistAnswer, tags: Mapping[int, Tag], *, count_valid: bool) -> Kept:
        """Cache, count and log what a request brought. `count_valid`: count the usable predictions now
        (an answer about to be drawn has them counted by its ScreenLog instead)."""
        job = answer.job
        deployment_id = job.deployment.saved_id
        if answer.content_hash:
            self.cache.learn(job.image_id, answer.content_hash, answer.width, answer.height)
        if self.deployments.get(deployment_id) is None:
            return Kept(None, None)  # removed meanwhile
        key = answer_key(answer)
        if answer.result is not None and key is not None:
            self.cache.put(key, answer.result, job.image_id)
        entry = None
        if answer.result is not None or answer.failure is not None:
            entry = self._log(answer, tags if count_valid else None)
            if self.records is not None:
                record_call(self.records, answer)
        if answer.failure is not None:
            self.deployments.report_failure(deployment_id, answer.error, answer.failure)
        elif answer.result is not None:
            self.deployments.report_success(deployment_id)
        return Kept(key, entry)

    def _log(self, answer: AssistAnswer, tags: Mapping[int, Tag] | None) -> LogEntry:
        job, result = answer.job, answer.result
        valid = 0
        if result is not None and tags is not None:
            valid = len(sg.build(result, job.deployment, dict(tags), answer.width, answer.height))
        entry = LogEntry(
            image=job.path.name,
            status=answer.status,
            latency_ms=answer.latency_ms,
            bytes_sent=answer.bytes_sent,
            raw=(len(result.predictions) if result else 0) + answer.dropped,
            valid=valid,
            error=answer.error,
            notes="; ".join(answer.notes),
        )
        return self.deployments.log.add(job.deployment.saved_id, entry)


class ScreenLog:
    """The request-log line of the answer on screen learns how many suggestions made it through each filter
    — the answer to "why did nothing appear?". Duplicates count as they were when the answer came."""

    def __init__(self) -> None:
        self._entry: LogEntry | None = None
        self._duplicates: frozenset[str] = frozenset()

    def follow(self, entry: LogEntry | None, duplicates: set[str]) -> None:
        self._entry, self._duplicates = entry, frozenset(duplicates)

    def forget(self) -> None:
        self._entry, self._duplicates = None, frozenset()

    def update(self, suggestions: list[sg.Suggestion], threshold: float) -> None:
        entry = self._entry
        if entry is None:
            return
        above = [s for s in suggestions if not s.target.ignored and s.score >= threshold]
        entry.valid = len(suggestions)
        entry.mapped = sum(not s.target.ignored for s in suggestions)
        entry.above = len(above)
        entry.shown = sum(s.key not in self._duplicates for s in above)
