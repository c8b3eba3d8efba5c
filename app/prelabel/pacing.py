"""Concurrency that honours the server: request starts spaced to at most `max_rps` per second, and every
request of the process held back while a busy server's Retry-After runs (429 and 503 are retried, not
failed)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from app.inference.adapters import HttpRequest, HttpResponse, ImageInput, Probe
from app.inference.client import InferenceClient, InferOutcome
from app.inference.errors import InferenceError
from app.models import Deployment

BUSY = (429, 503)  # "too many requests", "unavailable": come back later
BUSY_RETRIES = 8  # then the image is reported failed
MAX_HOLD_S = 60.0  # a longer Retry-After is cut to this
FIRST_BACKOFF_S = 0.5  # doubled each time when the server names no Retry-After
MAX_BACKOFF_S = 30.0


def busy_wait(retry_after: float | None, attempt: int) -> float:
    """How long to hold back after the `attempt`-th busy answer in a row (0-based)."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_HOLD_S)
    return min(FIRST_BACKOFF_S * 2**attempt, MAX_BACKOFF_S)


class Pacer:
    """Turns for the threads of one process: starts at least 1/max_rps apart, none while held."""

    def __init__(
        self,
        max_rps: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / max_rps if max_rps else 0.0
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_start = float("-inf")
        self._held_until = float("-inf")

    def wait_turn(self) -> None:
        """Return when this thread may start a request."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._next_start, self._held_until)
                self._next_start = start + self.interval  # the turn is taken even if a hold comes meanwhile
            if start > now:
                self._sleep(start - now)
            with self._lock:
                if self._clock() >= self._held_until:
                    return

    def hold(self, seconds: float) -> None:
        """A busy server asked to wait: no request starts for `seconds`."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + seconds)


class PacedClient(InferenceClient):
    """The app's client, taking turns from a Pacer and retrying busy answers after their Retry-After.

    Its latencies are those of the answered request alone, as the app's are: waiting for a turn or
    after a busy answer is not the server's time."""

    def __init__(self, pacer: Pacer) -> None:
        super().__init__()
        self.pacer = pacer
        self.busy_answers = 0
        self._exchange = threading.local()

    def send(self, d: Deployment, request: HttpRequest, token: str | None, timeout: float) -> HttpResponse:
        attempt = 0
        while True:
            self.pacer.wait_turn()
            start = time.perf_counter()
            try:
                response = super().send(d, request, token, timeout)
            except InferenceError as e:
                if e.status not in BUSY or attempt >= BUSY_RETRIES:
                    raise
                self.busy_answers += 1
                self.pacer.hold(busy_wait(e.retry_after, attempt))
                attempt += 1
                continue
            self._exchange.ms = (time.perf_counter() - start) * 1000
            return response

    def infer(
        self,
        d: Deployment,
        token: str | None,
        image: ImageInput,
        *,
        floor: float,
        probe: Probe,
        request_id: str,
    ) -> InferOutcome:
        outcome = super().infer(d, token, image, floor=floor, probe=probe, request_id=request_id)
        return replace(outcome, latency_ms=getattr(self._exchange, "ms", outcome.latency_ms))
