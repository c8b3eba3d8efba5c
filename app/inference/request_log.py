"""The last calls to each deployment, with what became of their predictions at each stage — the answer to
"why did nothing appear?"."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

KEEP = 50


@dataclass
class LogEntry:
    image: str
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: int | None = None  # HTTP status; None when nothing answered
    latency_ms: float | None = None
    bytes_sent: int = 0
    raw: int = 0  # predictions in the answer
    valid: int = 0  # with finite numbers and something inside the image
    mapped: int | None = None  # not ignored by the label mapping (set once the answer is shown)
    above: int | None = None  # at or above the confidence threshold
    shown: int | None = None  # after hiding duplicates and decided ones
    error: str = ""
    notes: str = ""  # what else the answer said: outputs of the model that have no place in an annotation


class RequestLog:
    def __init__(self) -> None:
        self._entries: dict[int, deque[LogEntry]] = {}

    def add(self, deployment_id: int, entry: LogEntry) -> LogEntry:
        self._entries.setdefault(deployment_id, deque(maxlen=KEEP)).append(entry)
        return entry

    def entries(self, deployment_id: int) -> list[LogEntry]:
        """Newest first."""
        return list(reversed(self._entries.get(deployment_id, ())))

    def clear(self) -> None:
        self._entries.clear()
