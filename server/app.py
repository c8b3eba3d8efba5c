"""The FastAPI application: Open Inference Protocol v2 routes with our annotation profile."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.models import PROFILE_EXTENSION
from server import __version__
from server.binary import HEADER_LENGTH
from server.errors import ClientError
from server.infer_steps import answer, predict, read_call
from server.model import ServedModel
from server.pool import PoolFull, WorkerPool
from server.protocol import ModelMetadata, RepositoryEntry, ServerMetadata, TensorMetadata
from server.registry import ModelRegistry
from server.settings import ServerSettings
from server.stats import StatsBook
from server.tensors import INPUT_NAME

log = logging.getLogger("server")

SERVER_NAME = "labelassist-server"
EXTENSIONS = ["binary_tensor_data", "statistics", "model_repository", PROFILE_EXTENSION]
UNAUTHENTICATED_PATHS = {"/v2/health/live", "/v2/health/ready"}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def model_metadata(model: ServedModel) -> dict[str, Any]:
    """`GET /v2/models/{name}`: tensors plus our annotation profile under `parameters`."""
    info = model.info
    return ModelMetadata(
        name=info.name,
        versions=[info.version],
        platform=info.platform,
        inputs=[TensorMetadata(name=INPUT_NAME, datatype="BYTES", shape=[1])]
        + [TensorMetadata(name=s.name, datatype=s.datatype, shape=list(s.shape)) for s in info.extra_inputs],
        outputs=[
            TensorMetadata(name=s.name, datatype=s.datatype, shape=list(s.shape)) for s in info.outputs()
        ],
        parameters=info.profile(),
    ).model_dump(mode="json")


async def _read_body(request: Request, limit: int, timeout_s: float) -> bytes:
    declared = request.headers.get("content-length")
    too_large = f"request body is larger than this server's limit of {limit} bytes"
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ClientError(too_large, status=413)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout_s):  # a body that drips in must not hold its place forever
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ClientError(too_large, status=413)
                chunks.append(chunk)
    except TimeoutError:
        message = f"the request body did not arrive within {timeout_s:g} s"
        raise ClientError(message, status=408, headers={"Connection": "close"}) from None
    return b"".join(chunks)


def create_app(registry: ModelRegistry, settings: ServerSettings | None = None) -> FastAPI:
    """Build the application serving `registry`."""
    settings = settings or ServerSettings()
    pool = WorkerPool(settings.workers, settings.queue)
    stats = StatsBook()
    for served in registry:
        stats.add_model(served.info.name, served.info.version)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        pool.shutdown()

    app = FastAPI(
        title=SERVER_NAME,
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.pool = pool
    app.state.stats = stats

    @app.middleware("http")
    async def authenticate(request: Request, call_next: Any) -> Response:
        if settings.token and request.url.path not in UNAUTHENTICATED_PATHS:
            header = request.headers.get("authorization", "")
            scheme, _, credential = header.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                credential.strip().encode(), settings.token.encode()
            ):
                return _error(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    @app.exception_handler(ClientError)
    async def client_error(_: Request, exc: ClientError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return _error(400, f"invalid request at {where}: {first.get('msg')}")

    @app.exception_handler(Exception)
    async def server_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("internal error: %s", type(exc).__name__, exc_info=exc)
        return _error(500, "internal server error")

    @app.get("/v2/health/live")
    async def live() -> dict[str, bool]:
        return {"live": True}

    @app.get("/v2/health/ready")
    async def ready() -> dict[str, bool]:
        return {"ready": len(registry) > 0}

    @app.get("/v2")
    async def server_metadata() -> dict[str, Any]:
        return ServerMetadata(name=SERVER_NAME, version=__version__, extensions=EXTENSIONS).model_dump()

    @app.post("/v2/repository/index")
    async def repository_index() -> list[dict[str, Any]]:
        return [
            RepositoryEntry(name=m.info.name, version=m.info.version, state="READY").model_dump()
            for m in registry
        ]

    @app.get("/v2/models/stats")
    async def all_stats() -> dict[str, Any]:
        return stats.triton()

    @app.get("/metrics")
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(stats.prometheus(), media_type="text/plain; version=0.0.4")

    async def metadata(name: str, version: str | None = None) -> dict[str, Any]:
        return model_metadata(registry.get(name, version))

    async def model_ready(name: str, version: str | None = None) -> dict[str, Any]:
        model = registry.get(name, version)
        return {"name": model.info.name, "ready": True}

    async def model_stats(name: str, version: str | None = None) -> dict[str, Any]:
        return stats.triton(registry.get(name, version).info.name)

    def busy(name: str) -> ClientError:
        stats.record_rejected(name)
        return ClientError(
            "the server is busy (all inference workers and the queue are full); retry later",
            status=503,
            headers={"Retry-After": str(settings.retry_after_s)},
        )

    async def infer(name: str, request: Request, version: str | None = None) -> Response:
        model = registry.get(name, version)
        try:  # a place in the pool before the body is read: bodies in memory never outnumber the places
            pool.reserve()
        except PoolFull:
            raise busy(model.info.name) from None
        try:
            body = memoryview(await _read_body(request, settings.max_body_bytes, settings.body_timeout_s))
        except BaseException:
            pool.release()
            raise
        header_length = request.headers.get(HEADER_LENGTH)
        started = time.perf_counter_ns()

        def work(queue_ns: int) -> tuple[bytes, int]:
            """Everything CPU-bound (parse, decode, predict, encode) runs here, off the event loop."""
            t0 = time.perf_counter_ns()
            call = read_call(model, body, header_length, settings.max_pixels)
            t1 = time.perf_counter_ns()
            detections = predict(model, call)
            t2 = time.perf_counter_ns()
            content = answer(model, call, detections)
            done = time.perf_counter_ns()
            stats.record(
                model.info.name,
                ok=True,
                total_ns=done - started,
                queue_ns=queue_ns,
                decode_ns=t1 - t0,
                infer_ns=t2 - t1,
                output_ns=done - t2,
            )
            return content

        try:
            content, header_size = await pool.run_reserved(work)
        except Exception:
            stats.record(model.info.name, ok=False, total_ns=time.perf_counter_ns() - started)
            raise
        if not header_size:
            return Response(content, media_type="application/json")
        return Response(
            content, media_type="application/octet-stream", headers={HEADER_LENGTH: str(header_size)}
        )

    for prefix in ("/v2/models/{name}", "/v2/models/{name}/versions/{version}"):
        app.add_api_route(prefix, metadata, methods=["GET"])
        app.add_api_route(prefix + "/ready", model_ready, methods=["GET"])
        app.add_api_route(prefix + "/stats", model_stats, methods=["GET"])
        app.add_api_route(prefix + "/infer", infer, methods=["POST"])
    return app
