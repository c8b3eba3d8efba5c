"""A bounded worker pool: a fixed number of threads and a short queue; beyond that, callers get PoolFull."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class PoolFull(Exception):
    """Every worker is busy and the queue is full; the caller should retry later."""


class WorkerPool:
    def __init__(self, workers: int, queue: int) -> None:
        self.workers = max(1, workers)
        self.capacity = self.workers + max(0, queue)
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="infer")
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def full(self) -> bool:
        return self._in_flight >= self.capacity

    def _release(self, _: Future) -> None:
        with self._lock:
            self._in_flight -= 1

    async def run(self, fn: Callable[[int], T]) -> T:
        """Run fn(queue_ns) on a worker; raise PoolFull at once when the pool and its queue are full."""
        with self._lock:
            if self._in_flight >= self.capacity:
                raise PoolFull
            self._in_flight += 1
        submitted = time.perf_counter_ns()
        try:
            future = self._executor.submit(lambda: fn(time.perf_counter_ns() - submitted))
        except RuntimeError:
            with self._lock:
                self._in_flight -= 1
            raise
        # The slot is freed when the work really ends, even if the client went away meanwhile.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
