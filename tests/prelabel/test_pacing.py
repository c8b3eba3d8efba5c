"""Pacing, on a clock the test moves: request starts at most --max-rps apart, a busy server's Retry-After
holds every request back, and how long to wait when a server says it is busy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from app.inference.client import retry_after_seconds
from app.prelabel.pacing import MAX_BACKOFF_S, MAX_HOLD_S, Pacer, busy_wait


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_starts_are_at_most_max_rps_per_second() -> None:
    clock = Clock()
    pacer = Pacer(4.0, clock.time, clock.sleep)
    starts = []
    for _ in range(5):
        pacer.wait_turn()
        starts.append(clock.now)
    assert starts == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_without_a_limit_nothing_waits_until_the_server_is_busy() -> None:
    clock = Clock()
    pacer = Pacer(None, clock.time, clock.sleep)
    pacer.wait_turn()
    pacer.wait_turn()
    assert clock.now == 0.0
    pacer.hold(2.0)
    pacer.wait_turn()
    assert clock.now == 2.0
    pacer.wait_turn()
    assert clock.now == 2.0, "once the hold ends, requests go at once again"


def test_a_busy_server_is_waited_for_as_long_as_it_says_within_reason() -> None:
    assert busy_wait(3.0, attempt=0) == 3.0
    assert busy_wait(3600.0, attempt=0) == MAX_HOLD_S
    assert [busy_wait(None, attempt=n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert busy_wait(None, attempt=20) == MAX_BACKOFF_S


def test_retry_after_is_read_in_seconds_or_as_a_date() -> None:
    assert retry_after_seconds("7") == 7.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after_seconds(later) or 0) <= 30
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
