"""Malformed requests for the reference server, one per kind, and a raw-socket client for those that
`requests` would not send (a broken request line, huge headers, a body that drips)."""

from __future__ import annotations

import base64
import json
import socket
import struct
import time
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
JPEG = (SAMPLES / "astronaut.jpg").read_bytes()
HEADER_LENGTH = "Inference-Header-Content-Length"


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@cache
def black_png(width: int, height: int, rows: int | None = None) -> bytes:
    """A real, valid grey PNG of `width`×`height` black pixels (zeros compress to almost nothing); with
    `rows`, only that many rows of pixel data follow its header (a lying header)."""
    packer = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte 0, then the pixels
    data = b"".join(packer.compress(row) for _ in range(height if rows is None else rows)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", data) + png_chunk(b"IEND", b"")
    )


def request(image: bytes = JPEG, **parameters: object) -> dict:
    body: dict = {
        "id": "attack",
        "inputs": [
            {
                "name": "image",
                "shape": [1],
                "datatype": "BYTES",
                "parameters": {"content_type": "base64"},
                "data": [base64.b64encode(image).decode()],
            }
        ],
    }
    if parameters:
        body["parameters"] = parameters
    return body


def with_input(**changes: object) -> dict:
    body = request()
    body["inputs"][0].update(changes)
    return body


def binary(
    image: bytes = JPEG, lie: int = 0, size_lie: int = 0, element_lie: int = 0
) -> tuple[bytes, dict[str, str]]:
    """A binary-tensor request whose header length, binary_data_size or element length may lie."""
    raw = struct.pack("<I", len(image) + element_lie) + image
    head = {
        "inputs": [
            {
                "name": "image",
                "shape": [1],
                "datatype": "BYTES",
                "parameters": {"binary_data_size": len(raw) + size_lie},
            }
        ]
    }
    header = json.dumps(head).encode()
    return header + raw, {HEADER_LENGTH: str(len(header) + lie), "Content-Type": "application/octet-stream"}


@dataclass
class Attack:
    """One malformed request: sent with `requests` unless `raw` (bytes for a socket) is given."""

    body: bytes = b""
    path: str = "/v2/models/face/infer"
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    drip_s: float = 0.0  # with `raw`: seconds between the bytes after the head


def binary_attack(**lies: int) -> Attack:
    body, headers = binary(**lies)
    return Attack(body, headers=headers)


def js(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def attacks() -> dict[str, Attack]:
    """Every kind of malformed request, by what is wrong with it."""
    bin_ok, bin_headers = binary()
    host = "Host: 127.0.0.1\r\nConnection: close\r\n"
    return {
        "not JSON": Attack(b"{not json"),
        "empty body": Attack(b""),
        "JSON array instead of an object": Attack(b"[1, 2, 3]"),
        "JSON null": Attack(b"null"),
        "JSON cut short": Attack(js(request())[:200]),
        "invalid UTF-8": Attack(b'{"inputs": "\xff\xfe"}'),
        "JSON nested 100,000 deep": Attack(b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        "a number of 5,000 digits": Attack(b'{"inputs": [], "id": ' + b"7" * 5000 + b"}"),
        "no inputs field": Attack(js({"id": "x"})),
        "inputs not a list": Attack(js({"inputs": "image"})),
        "an input that is a string": Attack(js({"inputs": ["image"]})),
        "wrong input name": Attack(js(with_input(name="images"))),
        "two inputs": Attack(js({"inputs": request()["inputs"] * 2})),
        "wrong datatype": Attack(js(with_input(datatype="FP32"))),
        "shape not a list of numbers": Attack(js(with_input(shape=["one"]))),
        "shape [2]": Attack(js(with_input(shape=[2]))),
        "negative shape": Attack(js(with_input(shape=[-1, -1]))),
        "shape of a trillion": Attack(js(with_input(shape=[10**12]))),
        "data an object": Attack(js(with_input(data={"b64": "x"}))),
        "data element a number": Attack(js(with_input(data=[12]))),
        "bad base64": Attack(js(with_input(data=["@@not base64@@"]))),
        "base64 of text": Attack(js(request(b"hello, I am not an image"))),
        "base64 of nothing": Attack(js(request(b""))),
        "unknown content type": Attack(js(with_input(parameters={"content_type": "pickle"}))),
        "binary: header length not a number": Attack(bin_ok, headers=bin_headers | {HEADER_LENGTH: "abc"}),
        "binary: header length negative": Attack(bin_ok, headers=bin_headers | {HEADER_LENGTH: "-5"}),
        "binary: header length longer than the body": binary_attack(lie=10**6),
        "binary: header length shorter than the JSON": binary_attack(lie=-7),
        "binary: data size larger than sent": binary_attack(size_lie=1000),
        "binary: data size smaller than sent": binary_attack(size_lie=-1000),
        "binary: element length lies": binary_attack(element_lie=10**6),
        "unknown model": Attack(js(request()), path="/v2/models/nope/infer"),
        "path traversal in the model name": Attack(
            js(request()), path="/v2/models/..%2F..%2Fetc%2Fpasswd/infer"
        ),
        "dot-dot model name": Attack(js(request()), path="/v2/models/%2e%2e/infer"),
        "unknown version": Attack(js(request()), path="/v2/models/face/versions/99/infer"),
        "NaN confidence": Attack(js(request(confidence=float("nan")))),
        "infinite max_detections": Attack(js(request(max_detections=float("inf")))),
        "negative confidence": Attack(js(request(confidence=-0.5))),
        "confidence above 1": Attack(js(request(confidence=7))),
        "confidence a string": Attack(js(request(confidence="high"))),
        "negative max_detections": Attack(js(request(max_detections=-1))),
        "max_detections of a billion": Attack(js(request(max_detections=10**9))),
        "max_detections 10**400": Attack(js(request(max_detections=10**400))),
        "unknown output": Attack(js(request() | {"outputs": [{"name": "masks"}]})),
        "outputs not a list": Attack(js(request() | {"outputs": "boxes"})),
        "GET on the infer route": Attack(method="GET"),
        "unknown route": Attack(path="/v2/nowhere"),
        "body larger than the limit": Attack(js(request(JPEG * 150))),
        "12k x 12k image": Attack(js(request(black_png(12_000, 12_000)))),
        "40,000 x 40,000 PNG header": Attack(js(request(black_png(40_000, 40_000, rows=4)))),
        "broken request line": Attack(raw=b"GARBAGE\r\n\r\n"),
        "headers of 1 MiB": Attack(
            raw=b"GET /v2 HTTP/1.1\r\n" + host.encode() + b"X-Big: " + b"a" * 2**20 + b"\r\n\r\n"
        ),
        "Content-Length not a number": Attack(
            raw=b"POST /v2/models/face/infer HTTP/1.1\r\n" + host.encode() + b"Content-Length: many\r\n\r\n"
        ),
        "body dripping slower than the timeout": Attack(
            raw=b"POST /v2/models/face/infer HTTP/1.1\r\n"
            + host.encode()
            + b"Content-Length: 4000\r\n\r\n"
            + js(request())[:4000],
            drip_s=0.1,
        ),
    }


def send_raw(url: str, attack: Attack, timeout: float = 20.0) -> tuple[int, dict[str, str], bytes]:
    """Send `attack.raw` on a socket, a piece at a time (after the head a byte at a time when it drips),
    stopping as soon as the server answers; return the answer's status, headers (lower-case names) and body."""
    parts = urlsplit(url)
    assert attack.raw is not None
    head, _, rest = attack.raw.partition(b"\r\n\r\n")
    step = 1 if attack.drip_s else 8192
    pieces = [head + b"\r\n\r\n"] if attack.drip_s else []
    data = rest if attack.drip_s else attack.raw
    pieces += [data[i : i + step] for i in range(0, len(data), step)]
    answer = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as s:
        for piece in pieces:
            answer += _available(s)
            if answer:
                break  # the server has answered: what it reads no more must not be sent
            try:
                s.sendall(piece)
            except OSError:
                break
            time.sleep(attack.drip_s)
        s.settimeout(timeout)
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # it closed on what we sent meanwhile: the answer came first
    status_line, _, after = answer.partition(b"\r\n")
    header_block, _, body = after.partition(b"\r\n\r\n")
    headers = {}
    for line in header_block.split(b"\r\n"):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def _available(s: socket.socket) -> bytes:
    """What the server has sent so far, without waiting."""
    s.setblocking(False)
    try:
        return s.recv(65536)
    except (BlockingIOError, ConnectionResetError):
        return b""
    finally:
        s.setblocking(True)
