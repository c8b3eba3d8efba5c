"""A real HTTP server on a loopback address that lies: it answers every request with the fault it is set to.

HTML for JSON, JSON cut short, a 1 GB body that drips, a small one that drips slower than any timeout, an
endless chunked stream, a gzip bomb, JSON nested 100,000 deep, a million predictions, a redirect to another
host; with `tls=True` it speaks HTTPS with a certificate no one signed. `hits` counts the requests it got.
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from app.models import Protocol

DRIP_S = 0.2  # one byte this often: slower than nothing, faster than any read timeout
MILLION = 1_000_000

Fault = Callable[[BaseHTTPRequestHandler, "LyingServer"], None]


def _head(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str]) -> None:
    h.send_response(status)
    for name, value in headers.items():
        h.send_header(name, value)
    h.end_headers()


def _drip(h: BaseHTTPRequestHandler, server: LyingServer, data: bytes) -> None:
    """Write `data` a byte at a time until it is all sent, the client goes away or the server stops."""
    for i in range(len(data)):
        if server.stopping.wait(DRIP_S):
            return
        h.wfile.write(data[i : i + 1])
        h.wfile.flush()


def html(h: BaseHTTPRequestHandler, _server: LyingServer) -> None:
    body = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
    _head(h, 200, {"Content-Type": "text/html", "Content-Length": str(len(body))})
    h.wfile.write(body)


def truncated_json(h: BaseHTTPRequestHandler, _server: LyingServer) -> None:
    body = json.dumps({"predictions": [{"x": 1, "y": 2}] * 50, "outputs": []}).encode()
    _head(h, 200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    h.wfile.write(body[: len(body) // 2])
    h.close_connection = True


def gigabyte_dripping(h: BaseHTTPRequestHandler, server: LyingServer) -> None:
    _head(h, 200, {"Content-Type": "application/json", "Content-Length": str(2**30)})
    _drip(h, server, b"[" * 2**16)


def small_body_dripping(h: BaseHTTPRequestHandler, server: LyingServer) -> None:
    body = json.dumps({"predictions": [], "outputs": [], "results": []}).encode() + b" " * 2000
    _head(h, 200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    _drip(h, server, body)


def endless_chunks(h: BaseHTTPRequestHandler, server: LyingServer) -> None:
    h.protocol_version = "HTTP/1.1"
    _head(h, 200, {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    chunk = b" " * 65536
    while not server.stopping.is_set():
        h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))


@cache
def bomb() -> bytes:
    """1 GiB of spaces, gzip-compressed to about a megabyte."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * 2**24
    return b"".join(packer.compress(block) for _ in range(64)) + packer.flush()


def gzip_bomb(h: BaseHTTPRequestHandler, _server: LyingServer) -> None:
    body = bomb()
    headers = {
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        "Content-Length": str(len(body)),
    }
    _head(h, 200, headers)
    h.wfile.write(body)


def deep_json(h: BaseHTTPRequestHandler, _server: LyingServer) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    _head(h, 200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    h.wfile.write(body)


@cache
def million_predictions(protocol: Protocol) -> bytes:
    """A well-formed answer of the protocol with a million predictions, as compact as it can be written."""
    n = MILLION
    if protocol == Protocol.OIP:
        boxes = b",".join([b"1,2,3,4"] * n)
        return (
            b'{"model_name":"m","outputs":[{"name":"boxes","datatype":"FP32","shape":[%d,4],"data":[%s]},'
            b'{"name":"scores","datatype":"FP32","shape":[%d],"data":[%s]},'
            b'{"name":"labels","datatype":"BYTES","shape":[%d],"data":[%s]}]}'
            % (n, boxes, n, b",".join([b"1"] * n), n, b",".join([b'"a"'] * n))
        )
    item = {
        Protocol.ROBOFLOW: b'{"x":1,"y":1,"width":2,"height":2,"confidence":1}',
        Protocol.DATATURE: b'{"confidence":1,"tag":{},"bound":[0,0,1,1]}',
        Protocol.LABEL_STUDIO: b'{"type":"rectanglelabels","value":{"x":1,"y":1,"width":2,"height":2}}',
    }[protocol]
    items = b",".join([item] * n)
    if protocol == Protocol.LABEL_STUDIO:
        return b'{"results":[{"result":[%s]}]}' % items
    return b'{"predictions":[%s]}' % items


def million(h: BaseHTTPRequestHandler, server: LyingServer) -> None:
    body = million_predictions(server.protocol)
    _head(h, 200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    h.wfile.write(body)


def redirect(h: BaseHTTPRequestHandler, server: LyingServer) -> None:
    assert server.elsewhere is not None
    _head(h, 302, {"Location": server.elsewhere + h.path, "Content-Length": "0"})


def plain_answer(h: BaseHTTPRequestHandler, _server: LyingServer) -> None:
    """Nothing wrong with it: over TLS, what a client must never read once the certificate fails."""
    body = b'{"predictions": [], "outputs": [], "results": []}'
    _head(h, 200, {"Content-Type": "application/json", "Content-Length": str(len(body))})
    h.wfile.write(body)


FAULTS: dict[str, Fault] = {
    "HTML instead of JSON": html,
    "truncated JSON": truncated_json,
    "1 GB Content-Length dripping": gigabyte_dripping,
    "small body dripping slower than the timeout": small_body_dripping,
    "endless chunked stream": endless_chunks,
    "gzip bomb (1 GiB)": gzip_bomb,
    "JSON nested 100,000 deep": deep_json,
    "1,000,000 predictions": million,
    "redirect to another host": redirect,
    "TLS certificate that does not verify": plain_answer,
}


@cache
def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, and its key."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class LyingServer:
    """`fault` names what every answer does (see FAULTS); `protocol` shapes the million predictions."""

    def __init__(self, host: str = "127.0.0.1", tls_folder: Path | None = None) -> None:
        self.fault = "HTML instead of JSON"
        self.protocol = Protocol.OIP
        self.elsewhere: str | None = None  # where the redirect points
        self.hits = 0
        self.stopping = threading.Event()
        lying = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                lying.hits += 1
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                try:
                    FAULTS[lying.fault](self, lying)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                    pass  # the client gave up: what it should do

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls_folder is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self_signed(tls_folder))
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def can_bind(host: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((host, 0))
        return True
    except OSError:
        return False


def elapsed(start: float) -> float:
    return time.monotonic() - start
