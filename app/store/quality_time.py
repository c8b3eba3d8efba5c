"""The quality figures over time: labelling time per image from the edit timestamps, acceptance per day or per
run of images, and model calls per minute, hour or day (app/store/quality.py)."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import datetime

from app.models.quality import AcceptancePoint, CallsPoint

# A pause longer than this between two edits by one labeller is idle: a break, a meeting, another task. It
# counts towards no image. Shorter gaps count towards the image of the edit that ends them.
IDLE_SECONDS = 120.0
MAX_POINTS = 100  # a series longer than this is summed into coarser periods
COMMITTED, DISMISSED = "committed", "dismissed"

Event = tuple[str, str, int]  # who, when (ISO 8601, UTC), which image


def seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def labelling_seconds(events: Iterable[Event]) -> dict[int, float]:
    """Seconds spent on each image: each labeller's edits in time order, the gap before an edit counted
    towards its image unless it is idle."""
    by_who: dict[str, list[tuple[float, int]]] = {}
    for who, when, image_id in events:
        if when:
            by_who.setdefault(who, []).append((seconds(when), image_id))
    spent: dict[int, float] = {}
    for timeline in by_who.values():
        timeline.sort()
        for (before, _), (now, image_id) in zip(timeline, timeline[1:], strict=False):
            gap = now - before
            if 0 < gap <= IDLE_SECONDS:
                spent[image_id] = spent.get(image_id, 0.0) + gap
    return spent


def mean_seconds(spent: dict[int, float], images: Iterable[int]) -> tuple[float | None, int]:
    """The mean time of those images that took any (an image's first edit after a pause has no measured
    time), and how many that is."""
    times = [spent[i] for i in images if spent.get(i, 0.0) > 0]
    return (sum(times) / len(times) if times else None), len(times)


def acceptance_by_day(decisions: Iterable[tuple[str, str]]) -> tuple[AcceptancePoint, ...]:
    """(time, decision) pairs summed per UTC day."""
    days: dict[str, list[int]] = {}
    for when, decision in decisions:
        day = days.setdefault(when[:10], [0, 0])
        day[0 if decision == COMMITTED else 1] += 1
    return tuple(AcceptancePoint(period=d, committed=c, dismissed=x) for d, (c, x) in sorted(days.items()))


def acceptance_by_images(
    decisions: Iterable[tuple[str, int, str]],
) -> tuple[tuple[AcceptancePoint, ...], int]:
    """(time, image, decision) summed per run of images, in the order the images were first decided on: one
    image a point up to 100 images, then 10, then 100, … Returns the points and the images per point."""
    first: dict[int, str] = {}
    tallies: dict[int, list[int]] = {}
    for when, image_id, decision in decisions:
        if image_id not in first or when < first[image_id]:
            first[image_id] = when
        tally = tallies.setdefault(image_id, [0, 0])
        tally[0 if decision == COMMITTED else 1] += 1
    order = sorted(first, key=lambda i: (first[i], i))
    per = 1
    while len(order) > per * MAX_POINTS:
        per *= 10
    points = []
    for start in range(0, len(order), per):
        run = order[start : start + per]
        committed = sum(tallies[i][0] for i in run)
        dismissed = sum(tallies[i][1] for i in run)
        period = f"image {start + 1}" if per == 1 else f"images {start + 1}–{start + len(run)}"
        points.append(AcceptancePoint(period=period, committed=committed, dismissed=dismissed))
    return tuple(points), per


# ISO text cut to its unit: "2025-03-14T10:05" is a minute, "2025-03-14T10" an hour, "2025-03-14" a day.
_UNITS = (("minute", 16, 60.0), ("hour", 13, 3600.0), ("day", 10, 86400.0))


def calls_unit(first: str, last: str) -> tuple[str, int]:
    """The finest unit that keeps the series from `first` to `last` within MAX_POINTS: (name, text length)."""
    span = seconds(last) - seconds(first) if first and last else 0.0
    for name, length, unit_seconds in _UNITS:
        if span / unit_seconds < MAX_POINTS:
            return name, length
    return "day", 10


def calls_series(rows: Iterable[tuple[str, int, float | None]]) -> tuple[CallsPoint, ...]:
    """(period, ok, latency ms) rows, already cut to their period, as one point per period."""
    periods: dict[str, tuple[list[int], list[float]]] = {}
    for period, ok, latency in rows:
        counts, latencies = periods.setdefault(period, ([0, 0], []))
        counts[0] += 1
        counts[1] += 0 if ok else 1
        if ok and latency is not None:
            latencies.append(latency)
    return tuple(
        CallsPoint(
            period=p,
            calls=counts[0],
            failures=counts[1],
            p50_ms=statistics.median(latencies) if latencies else None,
        )
        for p, (counts, latencies) in sorted(periods.items())
    )
