"""The adapter contract. An adapter is pure: it builds HTTP requests as plain data and reads the answers;
the client sends them (with auth, timeouts and size limits) and the adapter never touches the network."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from app.models import Deployment, ModelInfo, Prediction


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # appended to the deployment's base URL ("" for the URL itself)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # query string
    token_field: str = ""  # a JSON body field the token also goes in (for servers that read it only there)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None if it is not JSON (or nested too deeply to read)."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None


@dataclass(frozen=True)
class ImageInput:
    """The image on its way to a model: the encoded file as it is on disk, and its displayed size."""

    data: bytes
    name: str
    width: int
    height: int
    url: str = ""  # where a server that fetches images by URL can get it (Label Studio)


@dataclass(frozen=True)
class Probe:
    """What a deployment said when asked whether it is ready."""

    model: ModelInfo
    binary: bool = False  # OIP: the server takes and gives raw tensors
    extra: dict[str, Any] = field(default_factory=dict)  # adapter-specific facts learnt while probing
    # What the server must be sent before it can infer (a Label Studio ML backend's /setup): the client sends
    # it once, and again when it changes or the server may have restarted.
    setup: HttpRequest | None = None


Send = Callable[[HttpRequest], HttpResponse]  # raises InferenceError for no answer or an error status


class Adapter(Protocol):
    """One protocol. `describe` may send several requests; the infer pair is pure."""

    def describe(self, d: Deployment, send: Send) -> Probe:
        """Check the deployment is ready and learn its model (labels, task, keypoint names, version)."""
        ...

    def infer_request(
        self, d: Deployment, image: ImageInput, request_id: str, floor: float, probe: Probe
    ) -> HttpRequest: ...

    def parse_infer(
        self, response: HttpResponse, image: ImageInput, probe: Probe
    ) -> tuple[list[Prediction], int]:
        """Predictions in image pixels (top-left origin, xyxy) and how many were left out as invalid."""
        ...


@runtime_checkable
class NotingAdapter(Protocol):
    """An adapter that can tell what in an answer it could not place (an output with no place in an
    annotation): the user is told, as nothing the model produced may vanish unsaid."""

    def parse_infer_notes(
        self, response: HttpResponse, image: ImageInput, probe: Probe
    ) -> tuple[list[Prediction], int, tuple[str, ...]]: ...


def parse_answer(
    adapter: Adapter, response: HttpResponse, image: ImageInput, probe: Probe
) -> tuple[list[Prediction], int, tuple[str, ...]]:
    """The adapter's parse_infer, with its notes on the answer where it has any."""
    if isinstance(adapter, NotingAdapter):
        return adapter.parse_infer_notes(response, image, probe)
    predictions, dropped = adapter.parse_infer(response, image, probe)
    return predictions, dropped, ()


def shorten(text: str, limit: int = 200) -> str:
    """A response body cut down for a status line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
