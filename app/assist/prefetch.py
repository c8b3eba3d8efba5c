"""Auto-assist prefetch: the next images are asked for in the background, at most `rate_limit` requests
per second per deployment, so M is instant when the labeller gets there."""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from app.assist.requests import AssistAnswer, run
from app.worker import BackgroundRunner

if TYPE_CHECKING:
    from app.assist.controller import AssistController

AHEAD = 3  # images after the one on screen


class Prefetcher(QObject):
    def __init__(self, controller: AssistController) -> None:
        super().__init__(controller)
        self.c = controller
        self.sent = 0
        self._queue: deque[int] = deque()  # image ids
        self._last_start: dict[int, float] = {}  # deployment id -> monotonic time of the last request
        self._in_flight = False
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

    def clear(self) -> None:
        self._queue.clear()
        self._timer.stop()

    def stop(self) -> None:
        self.clear()
        self._runner.stop(timeout_ms=2000)

    def _schedule(self) -> None:
        d = self.c.deployment
        if not self._queue or self._in_flight or d is None or self._timer.isActive():
            return
        wait = self._last_start.get(d.id, -1e9) + 1.0 / d.rate_limit - time.monotonic()  # type: ignore[arg-type]
        self._timer.start(max(0, int(wait * 1000)))

    def _next(self) -> None:
        c, doc = self.c, self.c.doc
        d = c.deployment
        if d is None or doc.store is None:
            return
        while self._queue:
            image_id = self._queue.popleft()
            row = doc.row_of(image_id)
            if row is None or c.is_cached(image_id, d):
                continue
            path = doc.store.image_path(doc.images[row])
            job = c.make_job(image_id, path, d)
            self._last_start[d.id] = time.monotonic()  # type: ignore[index]
            self._in_flight = True
            self.sent += 1
            self._runner.submit(lambda job=job: run(c.client, job), image_id)
            return

    def _on_answer(self, _image_id: object, answer: AssistAnswer) -> None:
        self.c.accept(answer)

    def _on_finished(self, _image_id: object) -> None:
        self._in_flight = False
        self._schedule()
