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

    def reserve(self) -> None:
        """Take a place in the pool for work still to come; raise PoolFull at once when there is none.
        Either `run_reserved` or `release` must follow."""
        with self._lock:
            if self._in_flight >= self.capacity:
                raise PoolFull
            self._in_flight += 1

    def release(self) -> None:
        """Give back a place taken with `reserve` whose work will not run."""
        with self._lock:
            self._in_flight -= 1

    async def run(self, fn: Callable[[int], T]) -> T:
        """Run fn(queue_ns) on a worker; raise PoolFull at once when the pool and its queue are full."""
        self.reserve()
        return await self.run_reserved(fn)

    async def run_reserved(self, fn: Callable[[int], T]) -> T:
        """Run fn(queue_ns) on a worker, in the place taken with `reserve`."""
        submitted = time.perf_counter_ns()
        try:
            future = self._executor.submit(lambda: fn(time.perf_counter_ns() - submitted))
        except RuntimeError:
            self.release()
            raise
        # The slot is freed when the work really ends, even if the client went away meanwhile.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
