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


# JSON fields in which servers put their own message, most specific first: Triton and MLServer ("error"),
# FastAPI and label-studio-ml ("detail"), Roboflow ("message", with the cause in "inner_error_message").
_MESSAGE_FIELDS = ("error", "detail", "message", "error_message", "msg", "description")


def server_words(body: bytes, limit: int = 300) -> str:
    """What an error answer says in the server's own words: its JSON message field, the last line of a
    Python traceback (where the reason is), or a web page's text without its markup; "" when it says nothing."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return ""
    try:
        import json

        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    if data is not None:
        found = _json_message(data)
        if found is None:
            return clip(" ".join(text.split()), limit)
        text = found
    elif text[:64].lstrip().lower().startswith(("<!doctype", "<html", "<?xml", "<head", "<title")):
        text = _page_text(text)
    return clip(_traceback_reason(text), limit)


def clip(text: str, limit: int) -> str:
    """Text on one line, at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_message(data: object) -> str | None:
    if isinstance(data, str):
        return data
    if isinstance(data, list) and data and all(isinstance(x, dict) for x in data):
        parts = [m for x in data[:3] if (m := _json_message(x))]  # FastAPI's list of validation errors
        return "; ".join(parts) or None
    if not isinstance(data, dict):
        return None
    for key in _MESSAGE_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            inner = data.get("inner_error_message")
            if isinstance(inner, str) and inner.strip() and inner not in value:
                return f"{value} ({inner})"
            return value
        if isinstance(value, dict | list) and (nested := _json_message(value)):
            return nested
    if "loc" in data and isinstance(data.get("msg"), str):
        return data["msg"]
    return None


def _traceback_reason(text: str) -> str:
    """A Python traceback ends with the reason ("ValueError: model is not loaded"): that line alone."""
    if "Traceback (most recent call last)" not in text:
        return text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = text.split("Traceback (most recent call last)")[0].strip()
    reason = lines[-1] if lines else ""
    return f"{head} {reason}".strip() if head and reason not in head else reason or head


def _page_text(html: str) -> str:
    """A web page's readable text: title and body without tags, scripts or styles."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self._skip = 0

        def handle_starttag(self, tag: str, attrs: object) -> None:
            self._skip += tag in ("script", "style")

        def handle_endtag(self, tag: str) -> None:
            self._skip -= tag in ("script", "style") and self._skip > 0

        def handle_data(self, data: str) -> None:
            if not self._skip and data.strip() and (not self.parts or data.strip() != self.parts[-1]):
                self.parts.append(data.strip())

    parser = Text()
    try:
        parser.feed(html[:100_000])
    except (ValueError, AssertionError):
        return ""
    parts = parser.parts
    if len(parts) > 1 and parts[1] in parts[0]:  # "404 Not Found" then "Not Found"
        parts = parts[1:]
    return ": ".join(parts[:1]) + (" — " + " ".join(parts[1:]) if len(parts) > 1 else "")
