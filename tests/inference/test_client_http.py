"""The client against a tiny real HTTP/1.1 server on 127.0.0.1: a kept-alive connection the server closed after a
500 is asked again once on a new one (never after a timeout), and error answers read in the server's own words
(JSON message fields, the reason at a traceback's end, a web page's text) with our hint only where it fits."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator

import pytest

from app.inference.adapters import HttpRequest
from app.inference.client import InferenceClient
from app.inference.errors import Failure, InferenceError
from app.models import Deployment, Protocol

TRACEBACK = (
    "Traceback (most recent call last):\n"
    + "".join(f'  File "/srv/app/module{i}.py", line {i}, in handler\n    step_{i}()\n' for i in range(20))
    + "ValueError: the model file weights.onnx is missing"
)
FLASK_404 = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server.</p>\n"
)
ANSWERS: dict[str, tuple[int, str, str]] = {  # path -> (status, content type, body)
    "/ok": (200, "application/json", "{}"),
    "/fail": (500, "application/json", json.dumps({"detail": "CUDA out of memory"})),
    "/traceback": (500, "text/plain", TRACEBACK),
    "/page": (404, "text/html", FLASK_404),
    "/roboflow-503": (
        503,
        "application/json",
        json.dumps(
            {"message": "Could not connect to the Roboflow API.", "error_type": "RoboflowAPIConnectionError"}
        ),
    ),
    "/roboflow-500": (
        500,
        "application/json",
        json.dumps({"message": "Model package is broken.", "inner_error_message": "weights.onnx: truncated"}),
    ),
    "/silent-503": (503, "text/plain", ""),
    "/triton-404": (
        404,
        "application/json",
        json.dumps({"error": "Request for unknown model: 'facee' is not found"}),
    ),
    "/validation": (
        422,
        "application/json",
        json.dumps({"detail": [{"loc": ["body", "image"], "msg": "field required", "type": "missing"}]}),
    ),
}


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.arrivals: list[str] = []
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(socketserver.StreamRequestHandler):
    """HTTP/1.1 with keep-alive. After a 500 it keeps the connection open without saying it will close it, and
    closes it when the next request arrives on it, unanswered: what a client sees when a server closes a kept
    connection after an error while the client is already sending on it."""

    server: Server

    def handle(self) -> None:
        doomed = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            length = 0
            while (header := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            self.rfile.read(length)
            path = line.split()[1].decode()
            self.server.arrivals.append(path)
            if doomed or path == "/drop":
                return
            if path == "/slow":
                self.server.release.wait(30)
                return
            status, kind, body = ANSWERS[path]
            data = body.encode()
            head = f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {len(data)}\r\n\r\n"
            self.wfile.write(head.encode() + data)
            self.wfile.flush()
            doomed = status >= 500


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        yield s
    finally:
        s.release.set()
        s.shutdown()
        s.server_close()


def _send(server: Server, path: str, protocol: Protocol = Protocol.OIP) -> int:
    d = Deployment(name="srv", url=server.url, model="m", protocol=protocol)
    return InferenceClient().send(d, HttpRequest("POST", path, b"{}"), None, 5.0).status


def test_a_connection_closed_after_a_500_is_asked_again_on_a_new_one(server: Server) -> None:
    client = InferenceClient()
    d = Deployment(name="srv", url=server.url, model="m")
    ok = 0
    for _ in range(20):
        with pytest.raises(InferenceError, match="CUDA out of memory"):
            client.send(d, HttpRequest("POST", "/fail", b"{}"), None, 5.0)
        ok += client.send(d, HttpRequest("POST", "/ok", b"{}"), None, 5.0).status == 200
    assert ok == 20
    # each /ok reached the server twice: on the closed connection (unanswered), then on a new one
    assert server.arrivals == ["/fail", "/ok", "/ok"] * 20


def test_a_timeout_is_never_asked_again(server: Server) -> None:
    d = Deployment(name="srv", url=server.url, model="m")
    with pytest.raises(InferenceError) as e:
        InferenceClient().send(d, HttpRequest("POST", "/slow", b"{}"), None, 0.5)
    assert e.value.failure == Failure.TIMEOUT and "did not answer within 0.5 s" in str(e.value)
    assert server.arrivals == ["/slow"]


def test_a_server_that_always_hangs_up_is_asked_twice_and_said_so(server: Server) -> None:
    d = Deployment(name="srv", url=server.url, model="m")
    with pytest.raises(InferenceError) as e:
        InferenceClient().send(d, HttpRequest("POST", "/drop", b"{}"), None, 5.0)
    assert e.value.failure == Failure.OFFLINE and "closed the connection without answering" in str(e.value)
    assert "is it running" not in str(e.value)
    assert server.arrivals == ["/drop", "/drop"]


@pytest.mark.parametrize(
    ("path", "protocol", "expected"),
    [
        (
            "/traceback",
            Protocol.OIP,
            "'srv' answered HTTP 500: ValueError: the model file weights.onnx is missing",
        ),
        (
            "/page",
            Protocol.LABEL_STUDIO,
            "'srv' answered HTTP 404 (check the URL): Not Found — The requested URL was not found on the server.",
        ),
        (
            "/page",
            Protocol.OIP,  # a web server's page: the route is wrong, whatever the protocol names in it
            "'srv' answered HTTP 404 (check the URL): Not Found — The requested URL was not found on the server.",
        ),
        (
            "/triton-404",
            Protocol.OIP,
            "'srv' answered HTTP 404 (check the model name): Request for unknown model: 'facee' is not found",
        ),
        (
            "/roboflow-503",
            Protocol.ROBOFLOW,
            "'srv' answered HTTP 503: Could not connect to the Roboflow API.",
        ),
        (
            "/roboflow-500",
            Protocol.ROBOFLOW,
            "'srv' answered HTTP 500: Model package is broken. (weights.onnx: truncated)",
        ),
        (
            "/silent-503",
            Protocol.OIP,
            "'srv' answered HTTP 503 (the server is busy or loading; try again): no details",
        ),
        ("/validation", Protocol.DATATURE, "'srv' answered HTTP 422: field required"),
    ],
)
def test_errors_read_in_the_servers_own_words(
    server: Server, path: str, protocol: Protocol, expected: str
) -> None:
    with pytest.raises(InferenceError) as e:
        _send(server, path, protocol)
    assert str(e.value) == expected
