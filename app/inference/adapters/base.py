"""What an adapter hands the client: one HTTP request, described as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # appended to the deployment's base URL
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def shorten(text: str, limit: int = 200) -> str:
    """A response body cut down for a status line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
