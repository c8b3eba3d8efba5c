"""A small real HTTP server on 127.0.0.1 that speaks just enough Open Inference Protocol to misbehave on
purpose: slow, failing, lying. Each infer answer is chosen by the test through `behaviour`."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def label_for(image: bytes) -> str:
    """The label the fake model gives: derived from the image, so a test can tell answers apart."""
    return "img-" + hashlib.sha1(image).hexdigest()[:8]


def boxes_answer(boxes: list[list[float]], scores: list[float], labels: list[str]) -> dict[str, Any]:
    n = len(boxes)
    return {
        "model_name": "fake",
        "model_version": "1",
        "outputs": [
            {"name": "boxes", "datatype": "FP32", "shape": [n, 4], "data": [v for b in boxes for v in b]},
            {"name": "scores", "datatype": "FP32", "shape": [n], "data": scores},
            {"name": "labels", "datatype": "BYTES", "shape": [n], "data": labels},
        ],
    }


class FakeOip:
    """behaviour(image bytes) -> (status, content type, body bytes); default: two boxes per image."""

    def __init__(self) -> None:
        self.infer_calls = 0
        self.answered = 0
        self.delay_s = 0.0
        self.extensions: list[str] = []
        self.server_name = "fake"  # as the server names itself at /v2
        self.metadata: dict[str, Any] = {
            "name": "fake",
            "versions": ["1"],
            "platform": "test",
            "inputs": [],
            "outputs": [],
            "parameters": {"task": "detect", "labels": ["thing"], "version": "fake-1"},
        }
        self.last_request: dict[str, Any] = {}
        self.request_ids: list[str] = []  # every inference request's id, in the order they arrived
        self.behaviour = self.two_boxes
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:
                if self.path.endswith("/ready") or self.path.startswith("/v2/health"):
                    self._send(200, b"")
                elif self.path == "/v2":
                    answer = {"name": fake.server_name, "version": "1", "extensions": fake.extensions}
                    self._send(200, json.dumps(answer).encode())
                elif self.path == "/v2/models/fake":
                    self._send(200, json.dumps(fake.metadata).encode())
                else:
                    self._send(404, b'{"error": "not found"}')

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with fake._lock:
                    fake.infer_calls += 1
                image = fake.read_input(body, self.headers.get("Inference-Header-Content-Length"))
                time.sleep(fake.delay_s)
                status, content_type, answer = fake.behaviour(image)
                self._send(status, answer, content_type)
                with fake._lock:
                    fake.answered += 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def read_input(self, body: bytes, header_length: str | None) -> bytes:
        """The request's one input: the encoded file, or the raw pixel bytes."""
        if header_length is None:
            head, tail = json.loads(body), b""
        else:
            head, tail = json.loads(body[: int(header_length)]), body[int(header_length) :]
        self.last_request = head
        self.request_ids.append(str(head.get("id", "")))
        tensor = head["inputs"][0]
        if tail:
            return tail[4:] if tensor["datatype"] == "BYTES" else tail
        if tensor["datatype"] == "BYTES":
            return base64.b64decode(tensor["data"][0])
        return bytes(tensor["data"])

    @staticmethod
    def two_boxes(image: bytes) -> tuple[int, str, bytes]:
        answer = boxes_answer([[10, 10, 60, 60], [100, 100, 200, 180]], [0.9, 0.3], [label_for(image)] * 2)
        return 200, "application/json", json.dumps(answer).encode()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
