"""Server settings: limits, pool size and access control."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSettings:
    token: str | None = None  # Bearer token; None = no authentication (loopback only)
    max_body_bytes: int = 64 * 1024 * 1024
    max_pixels: int = 64_000_000
    workers: int = 2
    queue: int = 8
    retry_after_s: int = 1
    body_timeout_s: float = 30.0  # for a whole request body to arrive; a slower one gets 408
