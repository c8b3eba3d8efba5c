"""HTTP to deployments: keep-alive sessions per thread, timeouts, size limits, plain-words errors."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.inference.adapters import adapter_for
from app.inference.adapters.base import HttpRequest, HttpResponse, ImageInput, Probe, parse_answer, shorten
from app.inference.errors import Failure, InferenceError, server_words
from app.models import Deployment, Prediction, Protocol
from app.models.deployment import AuthStyle

if TYPE_CHECKING:
    import requests
    from urllib3.util.retry import Retry

    from app.inference.adapters.oip_stats import ModelStats

MAX_RESPONSE_BYTES = 64 * 1024 * 1024
PROBE_TIMEOUT_S = 5.0
NO_ROUTE = (404, 405, 501)  # what a server answers for a route it does not have
_QUERY_TOKEN = re.compile(r"(api_key=)[^&\s\"#]+")


class _HideQueryTokens(logging.Filter):
    """urllib3 logs every request's path and query at DEBUG: a token sent as ?api_key= must not reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY_TOKEN.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_HideQueryTokens())


@dataclass(frozen=True)
class InferOutcome:
    predictions: list[Prediction]
    dropped: int  # predictions with NaN or infinite numbers, left out
    latency_ms: float
    bytes_sent: int
    status: int
    notes: tuple[str, ...] = ()  # what the user should be told about the answer (outputs with no place)


class InferenceClient:
    """Thread-safe: each thread gets its own requests.Session (connection pool with keep-alive)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._no_model_stats: set[tuple[str, str, str]] = set()  # (url, model, version) without that route
        self._set_up: dict[tuple[str, str], HttpRequest] = {}  # (url, name) -> the setup the server has

    def _session(self) -> requests.Session:
        import requests  # here, not at start-up: only worker threads talk to servers

        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False  # a proxy from the environment must not see images or tokens
            adapter = requests.adapters.HTTPAdapter(max_retries=_reset_retry())
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        return session

    def send(self, d: Deployment, request: HttpRequest, token: str | None, timeout: float) -> HttpResponse:
        """One request; raises InferenceError for no answer, an error status or an oversized answer."""
        if not d.url:
            raise InferenceError(f"'{d.name}' has no address yet", Failure.OFFLINE)
        headers, params, body = dict(request.headers), dict(request.params), request.body
        if token and request.token_field:
            body = json.dumps({**json.loads(body), request.token_field: token}).encode()
        if token:
            if d.auth == AuthStyle.QUERY:
                params["api_key"] = token
            elif d.auth == AuthStyle.HEADER and d.auth_header:
                headers[d.auth_header] = token
            else:
                headers["Authorization"] = f"Bearer {token}"
        url = d.url + request.path
        import requests

        deadline = time.monotonic() + timeout  # for the whole answer: a server may drip it forever
        try:
            with self._session().request(
                request.method,
                url,
                data=body or None,
                headers=headers,
                params=params or None,
                timeout=(min(timeout, 5.0), timeout),
                stream=True,
                allow_redirects=False,
            ) as r:
                body = _read_limited(r, MAX_RESPONSE_BYTES, deadline)
                response = HttpResponse(r.status_code, {k.lower(): v for k, v in r.headers.items()}, body)
        except requests.Timeout:
            raise InferenceError(f"'{d.name}' did not answer within {timeout:g} s", Failure.TIMEOUT) from None
        except requests.exceptions.SSLError:
            raise InferenceError(
                f"the TLS certificate of '{d.name}' at {d.url} cannot be verified (LabelAssist never "
                "skips that check; the server needs a certificate this computer trusts)",
                Failure.OFFLINE,
            ) from None
        except requests.ConnectionError as e:
            if _dropped(e):  # it took the request, then closed the connection (twice: see _reset_retry)
                raise InferenceError(
                    f"'{d.name}' closed the connection without answering (did it crash on this request? "
                    "its log will tell)",
                    Failure.OFFLINE,
                ) from None
            raise InferenceError(
                f"cannot reach '{d.name}' at {d.url} (is it running?)", Failure.OFFLINE
            ) from None
        except requests.RequestException as e:
            why = _QUERY_TOKEN.sub(r"\1…", str(e))  # the message may quote the URL with its query
            raise InferenceError(f"request to '{d.name}' failed: {why}", Failure.OFFLINE) from None
        if response.status >= 400:
            wait = retry_after_seconds(response.headers.get("retry-after"))
            raise InferenceError(_status_text(d, response), Failure.HTTP, response.status, wait)
        if 300 <= response.status < 400:  # never followed: the image and the token would go elsewhere
            where = shorten(response.headers.get("location", "elsewhere"), 120)
            raise InferenceError(
                f"'{d.name}' redirects to {where}; LabelAssist does not follow redirects: if the server "
                "has moved, make that its URL",
                Failure.HTTP,
                response.status,
            )
        return response

    def probe(self, d: Deployment, token: str | None) -> Probe:
        """Ready check plus the model's description; raises InferenceError when it is not usable.

        A server that must be set up before it answers (a Label Studio ML backend's /setup) is sent its setup
        on the first probe, again when what it needs changes, and after it was unreachable (it may have
        restarted without it): not on every poll, as a setup may load the model again."""
        key = (d.url, d.name)
        send = lambda r: self.send(d, r, token, PROBE_TIMEOUT_S)  # noqa: E731
        try:
            probe = adapter_for(d.protocol).describe(d, send)
            if probe.setup is not None and self._set_up.get(key) != probe.setup:
                self._set_up.pop(key, None)
                try:
                    send(probe.setup)
                except InferenceError as e:
                    if e.status not in NO_ROUTE:
                        raise  # a backend without the route needs no setup; any other error is its own
                self._set_up[key] = probe.setup
        except InferenceError:
            self._set_up.pop(key, None)
            raise
        return probe

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
        adapter = adapter_for(d.protocol)
        request = adapter.infer_request(d, image, request_id, floor, probe)
        start = time.perf_counter()
        try:
            response = self.send(d, request, token, d.timeout_s)
        except InferenceError as e:
            if not _lost_setup(e, probe):
                raise
            # The server restarted since the last probe and lost its setup: set it up again, then ask again.
            assert probe.setup is not None
            self.send(d, probe.setup, token, d.timeout_s)
            self._set_up[(d.url, d.name)] = probe.setup
            start = time.perf_counter()
            response = self.send(d, request, token, d.timeout_s)
        latency = (time.perf_counter() - start) * 1000
        _expect_json(d, response)
        # refuses more than MAX_PREDICTIONS
        predictions, dropped, notes = parse_answer(adapter, response, image, probe)
        return InferOutcome(predictions, dropped, latency, len(request.body), response.status, notes)

    def stats(self, d: Deployment, token: str | None, version: str = "") -> ModelStats | None:
        """What the server itself counted for the deployment's model (Triton's statistics extension), or None
        when it has no statistics route or no entry for that model. Raises InferenceError when it cannot tell.

        The per-model route first; where it is missing (404, 405, 501), `/v2/models/stats`, remembered for
        the server so that later asks are one request each."""
        if d.protocol != Protocol.OIP:
            return None
        from app.inference.adapters import oip_stats

        server = (d.url, d.model, version)
        asks = [oip_stats.all_models_request()]
        if server not in self._no_model_stats:
            asks.insert(0, oip_stats.model_stats_request(d.model, version))
        for request in asks:
            try:
                response = self.send(d, request, token, PROBE_TIMEOUT_S)
            except InferenceError as e:
                if e.status not in NO_ROUTE:
                    raise
                if request.path != oip_stats.ALL_MODELS_PATH:
                    self._no_model_stats.add(server)
                continue
            _expect_json(d, response)
            return oip_stats.parse_stats(response.body, d.model, version)
        return None


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _read_limited(r: requests.Response, limit: int, deadline: float) -> bytes:
    """The body, decompressed, of at most `limit` bytes, read by `deadline` (time.monotonic)."""
    import requests
    from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

    declared = r.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise InferenceError(
            f"the answer is {int(declared) / 2**20:.0f} MiB; at most {limit // 2**20} MiB is read"
        )
    chunks: list[bytes] = []
    size = 0
    while time.monotonic() < deadline:
        try:
            # read1: what has arrived (a read of a fixed size waits for all of it, byte by byte if it drips)
            chunk = r.raw.read1(1 << 16, decode_content=True)
        except ReadTimeoutError:
            raise requests.ReadTimeout() from None
        except DecodeError:
            raise InferenceError("the answer's compression is broken") from None
        except ProtocolError:
            raise InferenceError("the answer broke off before it was complete") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise InferenceError(f"the answer is larger than {limit // 2**20} MiB; stopped reading")
        chunks.append(chunk)
    raise requests.ReadTimeout()


def _expect_json(d: Deployment, response: HttpResponse) -> None:
    head = response.body[:64].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml")):
        raise InferenceError(
            f"'{d.name}' answered with a web page instead of JSON: is the URL right? "
            f"({shorten(response.body.decode('utf-8', 'replace'), 120)})"
        )


def _status_text(d: Deployment, response: HttpResponse) -> str:
    """The server's own words first; a hint of ours only where it fits this protocol and the server said too
    little (a 503 from Roboflow means it cannot reach Roboflow's API, not that it is busy)."""
    words = server_words(response.body)
    status = response.status
    page = response.body[:64].lstrip().lower().startswith((b"<!doctype", b"<html"))
    hint = ""
    if status in (401, 403):
        hint = "check the token"
    elif status == 404:
        # Only OIP and Roboflow name the model in the route; elsewhere a 404 is a wrong address.
        model_routes = d.protocol in (Protocol.OIP, Protocol.ROBOFLOW) and not page
        hint = "check the model name" if model_routes else "check the URL"
    elif status == 503 and not words:
        hint = "the server is busy or loading; try again"
    hint = f" ({hint})" if hint else ""
    return f"'{d.name}' answered HTTP {status}{hint}: {words or 'no details'}"


def _dropped(e: Exception) -> bool:
    """Whether a requests ConnectionError is a connection closed after the request went out (not a refusal)."""
    from urllib3.exceptions import MaxRetryError, ProtocolError

    cause = e.args[0] if e.args else None
    if isinstance(cause, MaxRetryError):
        cause = cause.reason
    return isinstance(cause, ProtocolError)


def _lost_setup(e: InferenceError, probe: Probe) -> bool:
    """label-studio-ml 1.x answers 500 "Model is not loaded …: run setup() before using predict()" after a
    restart; any other error is the model's own and asking again would not help."""
    return probe.setup is not None and e.status == 500 and "setup" in str(e).lower()


def _reset_retry() -> Retry:
    """Once more when a kept-alive connection turns out closed (a server may close it after a 500 without
    saying so, and the next request on it fails before it is read); never after a timeout, a refused
    connection or an answer, so a slow or dead server is never asked twice."""
    from urllib3.exceptions import ReadTimeoutError
    from urllib3.util.retry import Retry

    class ResetRetry(Retry):
        def increment(self, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - urllib3's own signature
            error = kwargs.get("error")
            if isinstance(error, ReadTimeoutError):
                raise error  # as without retries: a timeout is never asked again
            return super().increment(*args, **kwargs)

    # read=1: urllib3 counts a connection closed under a sent request as a read error; all methods, as an
    # inference POST changes nothing on the server; a 503 with Retry-After is the caller's to show, not ours to
    # wait out
    return ResetRetry(
        total=1,
        connect=0,
        read=1,
        status=0,
        other=0,
        redirect=False,
        allowed_methods=None,
        respect_retry_after_header=False,
        raise_on_status=False,
    )
