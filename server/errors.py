"""The one exception type for client mistakes: it becomes a 4xx answer with {"error": message}."""

from __future__ import annotations


class ClientError(Exception):
    """A request the client got wrong; never a server fault."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.headers = headers or {}
