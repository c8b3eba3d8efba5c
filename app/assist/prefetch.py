"""Background requests, at most `rate_limit` per second per deployment: auto-assist's prefetch of the next
images (so M is instant when the labeller gets there) and pre-labelling a batch of images (whose answers
wait in the cache as pending suggestions, and are marked so). The images next in line go first."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from app.assist.accounting import Kept
from app.assist.prelabel_marks import PrelabelMarks
from app.assist.requests import AssistAnswer, AssistJob, run
from app.inference.client import InferenceClient
from app.models import Deployment, ImageRecord, ImageStatus
from app.store.assist_store import CacheKey
from app.worker import BackgroundRunner

AHEAD = 3  # images after the one on screen


class PrefetchHost(Protocol):
    """What the prefetcher needs of the rest of model assist."""

    @property
    def deployment(self) -> Deployment | None: ...  # the chosen one: background requests go to it

    def images(self) -> Sequence[ImageRecord]: ...  # the project's images, in order

    def current_row(self) -> int: ...  # the row of the image on screen; -1 when none

    def cached(self, image_id: int) -> CacheKey | None: ...  # the chosen deployment's cached answer's key

    def background_job(self, image_id: int) -> AssistJob | None: ...  # None: the image cannot be asked for

    def keep(self, answer: AssistAnswer) -> Kept | None: ...  # cache and count; None: another project's


@dataclass(frozen=True)
class _Errand:
    image_id: int
    batch: int | None  # the batch number it was sent for; None for a prefetch


class Prefetcher(QObject):
    batchProgress = Signal(int, int, int)  # done, total, failed; total 0 when no batch runs
    status = Signal(str)  # one line for the status bar

    def __init__(
        self, host: PrefetchHost, client: InferenceClient, marks: PrelabelMarks, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.host = host
        self.client = client
        self.marks = marks
        self.sent = 0
        self._queue: deque[int] = deque()  # image ids, next in line after the one on screen
        self._batch: deque[int] = deque()  # image ids to pre-label
        self.batch_total = self.batch_done = self.batch_failed = 0
        self._batch_no = 0  # a new batch, or a cancel, leaves the answers still out to their old batch
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

    def plan(self, auto: bool) -> None:
        """With auto-assist on: queue the images after the one on screen that are not cached yet."""
        self._queue.clear()
        row = self.host.current_row()
        if not auto or self.host.deployment is None or row < 0:
            return
        for img in self.host.images()[row + 1 : row + 1 + AHEAD]:
            if img.id is not None and self.host.cached(img.id) is None:
                self._queue.append(img.id)
        self._schedule()

    def prelabel(self) -> int:
        """Pre-label every image not marked done with the chosen deployment, in project order from the one
        on screen; says in the status bar what it does. Returns how many images will be asked for."""
        d = self.host.deployment
        if d is None:
            self.status.emit("Pre-label: select an online deployment in Intelligent Tools first.")
            return 0
        images, start = self.host.images(), max(self.host.current_row(), 0)
        ordered = [*images[start:], *images[:start]]
        to_do = [img.id for img in ordered if img.status != ImageStatus.DONE and img.id is not None]
        if not to_do:
            self.status.emit("Pre-label: every image is marked done.")
            return 0
        n = self.start_batch(to_do)
        if n:
            self.status.emit(
                f"Pre-labelling {n} image(s) with {d.name}, at most {d.rate_limit:g} per second; "
                "their suggestions wait for you on each image."
            )
        else:
            self.status.emit(f"Pre-label: every image to do already has {d.name}'s answer.")
        return n

    def start_batch(self, image_ids: list[int]) -> int:
        """Queue every image not cached yet for the chosen deployment; returns how many will be asked."""
        if self.host.deployment is None:
            return 0
        answered = {i: key for i in image_ids if (key := self.host.cached(i)) is not None}
        self._mark(answered)
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
        of_total = f" of {total}" if cancelled else ""
        text = f"Pre-labelled {done - failed}{of_total} image(s)"
        text += " (cancelled)" if cancelled else ""
        text += f"; {failed} failed, see the request log." if failed else "."
        self.status.emit(text)

    def clear(self) -> None:
        """Drop everything queued (another deployment or project); a batch ends where it got to."""
        self._queue.clear()
        self.cancel_batch()
        self._timer.stop()

    def stop(self) -> None:
        self.clear()
        self._runner.stop(timeout_ms=2000)

    # ---- one request at a time, within the rate limit ------------------------------------------

    def _schedule(self) -> None:
        d = self.host.deployment
        if not (self._queue or self._batch) or self._in_flight or d is None or self._timer.isActive():
            return
        wait = self._last_start.get(d.saved_id, -1e9) + 1.0 / d.rate_limit - time.monotonic()
        self._timer.start(max(0, int(wait * 1000)))

    def _next(self) -> None:
        if self.host.deployment is None:
            return
        while self._queue or self._batch:
            from_batch = not self._queue
            image_id = (self._queue or self._batch).popleft()
            key = self.host.cached(image_id)
            job = self.host.background_job(image_id) if key is None else None
            if job is None:
                if from_batch:
                    if key is not None:
                        self._mark({image_id: key})
                    self._count(ok=True)  # answered already, or no longer in the project
                continue
            deployment_id = job.deployment.saved_id
            self._start_before = self._last_start.get(deployment_id)
            self._last_start[deployment_id] = time.monotonic()
            self._in_flight = True
            self._outcome_ok = False
            self.sent += 1
            errand = _Errand(image_id, self._batch_no if from_batch else None)
            self._runner.submit(partial(run, self.client, job), errand)
            return

    def _on_answer(self, errand: _Errand, answer: AssistAnswer) -> None:
        deployment_id = answer.job.deployment.saved_id
        if answer.result is None and not answer.error:  # the project file had this answer: nothing went out
            if self._start_before is None:
                self._last_start.pop(deployment_id, None)
            else:
                self._last_start[deployment_id] = self._start_before
        kept = self.host.keep(answer)
        self._outcome_ok = not answer.error
        if errand.batch is None or errand.batch != self._batch_no or answer.error or kept is None:
            return
        if kept.key is not None:
            self._mark({errand.image_id: kept.key})

    def _mark(self, answered: dict[int, CacheKey]) -> None:
        """Mark images whose answers are cached under these keys: pre-labelled by that deployment and model."""
        by_model: dict[tuple[int, str], list[int]] = {}
        for image_id, key in answered.items():
            by_model.setdefault((key.deployment_id, key.model_version), []).append(image_id)
        for (deployment_id, version), image_ids in by_model.items():
            self.marks.add(image_ids, deployment_id, version)

    def _count(self, ok: bool) -> None:
        if not self.batch_total:
            return  # cancelled while the request was out
        self.batch_done += 1
        self.batch_failed += not ok
        self.batchProgress.emit(self.batch_done, self.batch_total, self.batch_failed)
        if not self._batch and self.batch_done >= self.batch_total:
            self._end_batch()

    def _on_finished(self, errand: _Errand) -> None:
        self._in_flight = False
        if errand.batch is not None and errand.batch == self._batch_no:
            self._count(self._outcome_ok)  # also when reading the answer failed: the batch still ends
        self._schedule()
