"""Inference failures, each with a message a labeller can act on."""

from __future__ import annotations

from enum import StrEnum


class Failure(StrEnum):
    OFFLINE = "offline"  # nothing answered: connection refused, name not found
    TIMEOUT = "timeout"
    HTTP = "http"  # the server answered with an error status
    PROTOCOL = "protocol"  # the answer does not fit the protocol (HTML, wrong shapes, too big)


class InferenceError(Exception):
    def __init__(
        self,
        message: str,
        failure: Failure = Failure.PROTOCOL,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.failure = failure
        self.status = status
        self.retry_after = retry_after  # seconds a busy server asked us to wait (its Retry-After), if it said
