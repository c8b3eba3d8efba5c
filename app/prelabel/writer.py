"""The one writer of a run: it keeps answers as the app's pre-label does — the predictions in the cache
under their key, the call in the usage counts, the image marked pre-labelled — a batch per transaction, so
thousands of answers are not thousands of commits, and a run stopped mid-batch loses only answers that the
next run asks for again."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from app.assist.accounting import answer_key, record_call
from app.assist.requests import AssistAnswer
from app.store.assist_store import AssistStore
from app.store.backend import Connection, Database

BATCH = 64  # answers per transaction
EVERY_S = 1.0  # and at least this often while answers come


class _InTransaction:
    """The project's database as seen from inside one open transaction: every write of a store joins it."""

    def __init__(self, database: Database, connection: Connection) -> None:
        self._database, self._connection = database, connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        yield self._connection

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        return self._connection.execute(sql, parameters)


def write_answers(database: Database, answers: Sequence[AssistAnswer]) -> None:
    """Keep these answers in one transaction (see app/assist/accounting.py and prefetch.py for the app's)."""
    if not answers:
        return
    with database.transaction() as connection:
        records = AssistStore(cast(Database, _InTransaction(database, connection)))
        marked: dict[tuple[int, str], list[int]] = {}
        for answer in answers:
            key = answer_key(answer)
            if answer.result is not None and key is not None:
                records.cache(key, answer.result, answer.job.image_id)  # as the app keeps an answer
            if answer.result is not None or answer.failure is not None:
                record_call(records, answer)
            if not answer.error and key is not None:  # answered now or before: waiting for review
                marked.setdefault((key.deployment_id, key.model_version), []).append(answer.job.image_id)
        for (deployment_id, version), image_ids in marked.items():
            records.mark_prelabelled(image_ids, deployment_id, version)


class BatchedWriter:
    """Collects answers and writes them a batch at a time; `flush` at the end writes the rest."""

    def __init__(self, database: Database, clock: Callable[[], float] = time.monotonic) -> None:
        self.database = database
        self._clock = clock
        self._pending: list[AssistAnswer] = []
        self._last = clock()
        self.written = 0

    def add(self, answers: Sequence[AssistAnswer]) -> None:
        self._pending.extend(answers)
        if len(self._pending) >= BATCH or self._clock() - self._last >= EVERY_S:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        write_answers(self.database, pending)
        self.written += len(pending)
        self._last = self._clock()
