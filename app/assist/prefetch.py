"""Background requests, at most `rate_limit` per second per deployment: auto-assist's prefetch of the next
images (so M is instant when the labeller gets there) and pre-labelling a batch of images (whose answers
wait in the cache as pending suggestions). The images next in line go first."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from app.assist.requests import AssistAnswer, run
from app.models import Deployment, ImageStatus
from app.worker import BackgroundRunner

if TYPE_CHECKING:
    from app.assist.controller import AssistController
    from app.store.assist_store import AssistStore

log = logging.getLogger(__name__)

AHEAD = 3  # images after the one on screen


class Prefetcher(QObject):
    batchProgress = Signal(int, int, int)  # done, total, failed; total 0 when no batch runs
    prelabelledChanged = Signal()  # prelabelled_ids() may answer differently (another deployment or project)
    prelabelledAdded = Signal(object)  # set of image ids the selected deployment has just pre-labelled

    def __init__(self, controller: AssistController) -> None:
        super().__init__(controller)
        self.c = controller
        self.sent = 0
        self._queue: deque[int] = deque()  # image ids, next in line after the one on screen
        self._batch: deque[int] = deque()  # image ids to pre-label
        self.batch_total = self.batch_done = self.batch_failed = 0
        self._batch_no = 0  # a new batch, or a cancel, leaves the answers still out to the batch they were for
        self._last_start: dict[int, float] = {}  # deployment id -> monotonic time of the last request
        self._start_before: float | None = None  # the clock before the request in flight, if none went out
        self._in_flight = False
        self._outcome_ok = False  # of the request in flight, read when it finishes
        self._runner = BackgroundRunner(self, replace_pending=False, name="prefetch")
        self._runner.result.connect(self._on_answer)
        self._runner.finished.connect(self._on_finished)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._next)

    def plan(self) -> None:
        """With auto-assist on: queue the images after the one on screen that are not cached yet."""
        c, doc = self.c, self.c.doc
        d = c.deployment
        self._queue.clear()
        if not c.auto or d is None or doc.row < 0:
            return
        for img in doc.images[doc.row + 1 : doc.row + 1 + AHEAD]:
            if not c.is_cached(img.id, d):  # type: ignore[arg-type]
                self._queue.append(img.id)  # type: ignore[arg-type]
        self._schedule()

    def prelabel(self) -> int:
        """Pre-label every image not marked done with the selected deployment, in project order from the one
        on screen; says in the status bar what it does. Returns how many images will be asked for."""
        c, doc = self.c, self.c.doc
        d = c.deployment
        if d is None:
            c.status.emit("Pre-label: select an online deployment in Intelligent Tools first.")
            return 0
        start = max(doc.row, 0)
        ordered = doc.images[start:] + doc.images[:start]
        to_do = [img.id for img in ordered if img.status != ImageStatus.DONE]
        if not to_do:
            c.status.emit("Pre-label: every image is marked done.")
            return 0
        n = self.start_batch(to_do)  # type: ignore[arg-type]
        if n:
            c.status.emit(f"Pre-labelling {n} image(s) with {d.name}, at most {d.rate_limit:g} per second; "
                          "their suggestions wait for you on each image.")  # fmt: skip
        else:
            c.status.emit(f"Pre-label: every image to do already has {d.name}'s answer.")
        return n

    def start_batch(self, image_ids: list[int]) -> int:
        """Queue every image not cached yet for the selected deployment; returns how many will be asked."""
        d = self.c.deployment
        if d is None:
            return 0
        answered = {i for i in image_ids if self.c.is_cached(i, d)}
        self._mark(answered, d)
        self._batch = deque(i for i in image_ids if i not in answered)
        self._batch_no += 1
        self.batch_total, self.batch_done, self.batch_failed = len(self._batch), 0, 0
        self.batchProgress.emit(0, self.batch_total, 0)
        if not self._batch:
            self._end_batch()
        self._schedule()
        return self.batch_total

    def cancel_batch(self) -> None:
        if self.batch_total:
            self._batch.clear()
            self._batch_no += 1
            self._end_batch(cancelled=True)

    @property
    def batch_running(self) -> bool:
        return self.batch_total > 0

    @property
    def in_flight(self) -> bool:
        """Whether a background request is out (its answer not yet handled)."""
        return self._in_flight

    def pending(self) -> int:
        """Images queued for a background request."""
        return len(self._queue) + len(self._batch)

    def _end_batch(self, *, cancelled: bool = False) -> None:
        total, done, failed = self.batch_total, self.batch_done, self.batch_failed
        self.batch_total = 0
        self.batchProgress.emit(done, 0, failed)
        if not total:
            return
        text = f"Pre-labelled {done - failed} of {total} image(s)" if cancelled else f"Pre-labelled {done - failed} image(s)"
        text += " (cancelled)" if cancelled else ""
        text += f"; {failed} failed, see the request log." if failed else "."
        self.c.status.emit(text)

    def clear(self) -> None:
        """Drop everything queued (another deployment or project); a batch ends where it got to."""
        self._queue.clear()
        self.cancel_batch()
        self._timer.stop()

    def stop(self) -> None:
        self.clear()
        self._runner.stop(timeout_ms=2000)

    def _schedule(self) -> None:
        d = self.c.deployment
        if not (self._queue or self._batch) or self._in_flight or d is None or self._timer.isActive():
            return
        wait = self._last_start.get(d.id, -1e9) + 1.0 / d.rate_limit - time.monotonic()  # type: ignore[arg-type]
        self._timer.start(max(0, int(wait * 1000)))

    def _next(self) -> None:
        c, doc = self.c, self.c.doc
        d = c.deployment
        if d is None or doc.store is None:
            return
        while self._queue or self._batch:
            from_batch = not self._queue
            image_id = (self._queue or self._batch).popleft()
            row = doc.row_of(image_id)
            if row is None or c.is_cached(image_id, d):
                if from_batch:
                    if row is not None:
                        self._mark([image_id], d)
                    self._count(ok=True)  # answered already, or no longer in the project
                continue
            path = doc.store.image_path(doc.images[row])
            job = c.make_job(image_id, path, d)
            self._start_before = self._last_start.get(d.id)  # type: ignore[arg-type]
            self._last_start[d.id] = time.monotonic()  # type: ignore[index]
            self._in_flight = True
            self._outcome_ok = False
            self.sent += 1
            self._runner.submit(lambda job=job: run(c.client, job), (image_id, self._batch_no if from_batch else None))
            return

    def _on_answer(self, token: tuple[int, int | None], answer: AssistAnswer) -> None:
        image_id, batch = token
        d = answer.job.deployment
        if answer.result is None and not answer.error:  # the project file had this answer: nothing went out
            if self._start_before is None:
                self._last_start.pop(d.id, None)  # type: ignore[arg-type]
            else:
                self._last_start[d.id] = self._start_before  # type: ignore[index]
        c = self.c
        c.accept(answer)
        self._outcome_ok = not answer.error
        if batch is None or batch != self._batch_no or answer.error or answer.job.project != c.project:
            return
        self._mark([image_id], d)
        img = c.doc.current_image
        if c.view is None and not c.busy and img is not None and img.id == image_id:
            c.assist()  # the labeller is on this image: show its suggestions now, from the cache

    def prelabelled_ids(self) -> set[int]:
        """The images the selected deployment (this model version) has pre-labelled."""
        d, version, records = self._selected()
        return records.prelabelled(d, version) if records is not None else set()  # type: ignore[arg-type]

    def is_prelabelled(self, image_id: int) -> bool:
        d, version, records = self._selected()
        return records is not None and records.is_prelabelled(image_id, d, version)  # type: ignore[arg-type]

    def _selected(self) -> tuple[int | None, str, AssistStore | None]:
        """The selected deployment's id and model version, and the project's records (None: nothing to ask)."""
        d = self.c.deployment
        probe = self.c.deployments.probe(d.id) if d is not None else None  # type: ignore[arg-type]
        if d is None or probe is None or self.c.records is None:
            return None, "", None
        return d.id, probe.model.version, self.c.records

    def _mark(self, image_ids: Iterable[int], d: Deployment) -> None:
        """Note in the project file that these images have the deployment's answer waiting for review."""
        probe = self.c.deployments.probe(d.id)  # type: ignore[arg-type]
        records = self.c.records
        if probe is None or records is None or not image_ids:
            return
        try:
            records.mark_prelabelled(image_ids, d.id, probe.model.version)  # type: ignore[arg-type]
        except sqlite3.Error as e:  # only a hint for opening those images: the answers themselves are kept
            log.warning("could not note pre-labelled images: %s", e)
            return
        if d.id == self.c.deployment_id:
            self.prelabelledAdded.emit(set(image_ids))

    def _count(self, ok: bool) -> None:
        if not self.batch_total:
            return  # cancelled while the request was out
        self.batch_done += 1
        self.batch_failed += not ok
        self.batchProgress.emit(self.batch_done, self.batch_total, self.batch_failed)
        if not self._batch and self.batch_done >= self.batch_total:
            self._end_batch()

    def _on_finished(self, token: tuple[int, int | None]) -> None:
        self._in_flight = False
        if token[1] is not None and token[1] == self._batch_no:
            self._count(self._outcome_ok)  # also when reading the answer failed: the batch still ends
        self._schedule()
