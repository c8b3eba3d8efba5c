"""A model run inside the job itself, so a cluster without an inference server can still pre-label.

It is the app's client with the network taken out: the same adapter builds the same Open Inference
Protocol request, the reference server's own steps answer it in this process, and the same adapter reads
the answer — so the predictions are the ones a local deployment of that model gives in the app.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from app.inference.adapters import HttpRequest, HttpResponse
from app.inference.client import InferenceClient
from app.inference.errors import Failure, InferenceError
from app.models import Deployment, LocalSpec

ONNX_THREADS = 1  # one model per worker process or thread; the workers are the parallelism


@dataclass(frozen=True)
class ModelSource:
    """What a worker loads: a people-pack model by name, or an ONNX file carried as bytes (workers on other
    machines need not see the file). The file keeps its name: the server names the model after it."""

    people_model: str | None = None
    onnx_name: str = ""
    onnx_bytes: bytes = b""

    @classmethod
    def for_local(cls, spec: LocalSpec) -> ModelSource:
        """The model a local deployment of the app runs (its ONNX file is read now)."""
        if spec.onnx_path:
            path = Path(spec.onnx_path)
            return cls(onnx_name=path.name, onnx_bytes=path.read_bytes())
        return cls(people_model=spec.people_model)


def load_model(source: ModelSource, threads: int = ONNX_THREADS):  # type: ignore[no-untyped-def]
    """The served model (server.model.ServedModel). Raises ValueError or OSError with a message."""
    if source.people_model:
        from server.models_fetch import models_dir
        from server.people.pack import load_people_pack

        for model in load_people_pack(models_dir(), threads):
            if model.info.name == source.people_model:
                return model
        raise ValueError(f"no people-pack model named {source.people_model}")
    from server.yolo_onnx import load_yolo

    with tempfile.TemporaryDirectory(prefix="labelassist-model-") as folder:
        path = Path(folder) / source.onnx_name
        path.write_bytes(source.onnx_bytes)
        return load_yolo(path, num_threads=threads)  # read whole into memory: the file may go


class EmbeddedClient(InferenceClient):
    """Answers the adapter's requests with the reference server's steps, without a network."""

    def __init__(self, model, max_pixels: int = 64_000_000) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.model = model
        self.max_pixels = max_pixels

    def send(self, d: Deployment, request: HttpRequest, token: str | None, timeout: float) -> HttpResponse:
        from server.errors import ClientError

        try:
            status, headers, body = self._answer(request)
        except ClientError as e:
            status, headers, body = e.status, {}, json.dumps({"error": e.message}).encode()
        if status >= 400:
            detail = json.loads(body).get("error", "")
            raise InferenceError(f"'{d.name}' (run here) answered {status}: {detail}", Failure.HTTP, status)
        return HttpResponse(status, headers, body)

    def _answer(self, request: HttpRequest) -> tuple[int, dict[str, str], bytes]:
        from server import __version__
        from server.app import EXTENSIONS, SERVER_NAME, model_metadata
        from server.binary import HEADER_LENGTH
        from server.infer_steps import answer, predict, read_call
        from server.protocol import ServerMetadata

        path = request.path
        if request.method == "GET" and path == "/v2":
            meta = ServerMetadata(name=SERVER_NAME, version=__version__, extensions=EXTENSIONS)
            return 200, {}, meta.model_dump_json().encode()
        name, _, route = path.removeprefix("/v2/models/").partition("/")
        if not path.startswith("/v2/models/") or unquote(name) != self.model.info.name:
            return 404, {}, json.dumps({"error": f"no route {request.method} {path}"}).encode()
        if request.method == "GET" and route == "":
            return 200, {}, json.dumps(model_metadata(self.model)).encode()
        if request.method == "GET" and route == "ready":
            return 200, {}, json.dumps({"name": self.model.info.name, "ready": True}).encode()
        if request.method == "POST" and route == "infer":
            header_length = request.headers.get(HEADER_LENGTH)
            call = read_call(self.model, memoryview(request.body), header_length, self.max_pixels)
            body, header_size = answer(self.model, call, predict(self.model, call))
            headers = {HEADER_LENGTH.lower(): str(header_size)} if header_size else {}
            return 200, headers, body
        return 404, {}, json.dumps({"error": f"no route {request.method} {path}"}).encode()
