"""Per-model usage counters, reported in Triton's statistics shape and as Prometheus text."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Duration:
    count: int = 0
    ns: int = 0

    def add(self, ns: int) -> None:
        self.count += 1
        self.ns += ns

    def as_dict(self) -> dict[str, int]:
        return {"count": self.count, "ns": self.ns}


@dataclass
class ModelStats:
    name: str
    version: str
    last_inference_ms: int = 0
    success: _Duration = field(default_factory=_Duration)
    fail: _Duration = field(default_factory=_Duration)
    queue: _Duration = field(default_factory=_Duration)
    compute_input: _Duration = field(default_factory=_Duration)
    compute_infer: _Duration = field(default_factory=_Duration)
    compute_output: _Duration = field(default_factory=_Duration)
    rejected: int = 0


class StatsBook:
    """Thread-safe counters for every model."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._models: dict[str, ModelStats] = {}

    def add_model(self, name: str, version: str) -> None:
        with self._lock:
            self._models.setdefault(name, ModelStats(name, version))

    def record(
        self,
        name: str,
        ok: bool,
        total_ns: int,
        queue_ns: int = 0,
        decode_ns: int = 0,
        infer_ns: int = 0,
        output_ns: int = 0,
    ) -> None:
        with self._lock:
            stats = self._models[name]
            stats.last_inference_ms = int(time.time() * 1000)
            if not ok:
                stats.fail.add(total_ns)
                return
            stats.success.add(total_ns)
            stats.queue.add(queue_ns)
            stats.compute_input.add(decode_ns)
            stats.compute_infer.add(infer_ns)
            stats.compute_output.add(output_ns)

    def record_rejected(self, name: str) -> None:
        with self._lock:
            self._models[name].rejected += 1

    def triton(self, name: str | None = None) -> dict[str, Any]:
        """`GET /v2/models/{name}/stats` in Triton's shape."""
        with self._lock:
            chosen = [s for s in self._models.values() if name is None or s.name == name]
            return {
                "model_stats": [
                    {
                        "name": s.name,
                        "version": s.version,
                        "last_inference": s.last_inference_ms,
                        "inference_count": s.success.count,
                        "execution_count": s.success.count,
                        "inference_stats": {
                            "success": s.success.as_dict(),
                            "fail": s.fail.as_dict(),
                            "queue": s.queue.as_dict(),
                            "compute_input": s.compute_input.as_dict(),
                            "compute_infer": s.compute_infer.as_dict(),
                            "compute_output": s.compute_output.as_dict(),
                        },
                        "batch_stats": [],
                    }
                    for s in chosen
                ]
            }

    def prometheus(self) -> str:
        """Prometheus text exposition, with Triton's metric names where one exists."""
        metrics = [
            (
                "nv_inference_request_success",
                "counter",
                "Successful inference requests",
                lambda s: s.success.count,
            ),
            ("nv_inference_request_failure", "counter", "Failed inference requests", lambda s: s.fail.count),
            ("nv_inference_count", "counter", "Inferences performed", lambda s: s.success.count),
            (
                "nv_inference_request_duration_us",
                "counter",
                "Cumulative request duration",
                lambda s: (s.success.ns + s.fail.ns) // 1000,
            ),
            (
                "nv_inference_queue_duration_us",
                "counter",
                "Cumulative queue time",
                lambda s: s.queue.ns // 1000,
            ),
            (
                "nv_inference_compute_input_duration_us",
                "counter",
                "Cumulative image decode time",
                lambda s: s.compute_input.ns // 1000,
            ),
            (
                "nv_inference_compute_infer_duration_us",
                "counter",
                "Cumulative model time",
                lambda s: s.compute_infer.ns // 1000,
            ),
            (
                "labelassist_inference_rejected_total",
                "counter",
                "Requests refused because the pool was full",
                lambda s: s.rejected,
            ),
        ]
        lines: list[str] = []
        with self._lock:
            for metric, kind, help_text, value in metrics:
                lines.append(f"# HELP {metric} {help_text}")
                lines.append(f"# TYPE {metric} {kind}")
                for s in self._models.values():
                    lines.append(f'{metric}{{model="{s.name}",version="{s.version}"}} {value(s)}')
        return "\n".join(lines) + "\n"
