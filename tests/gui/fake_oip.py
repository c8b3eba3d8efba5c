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
    return {"model_name": "fake", "model_version": "1", "outputs": [
        {"name": "boxes", "datatype": "FP32", "shape": [n, 4], "data": [v for b in boxes for v in b]},
        {"name": "scores", "datatype": "FP32", "shape": [n], "data": scores},
        {"name": "labels", "datatype": "BYTES", "shape": [n], "data": labels},
    ]}  # fmt: skip


class FakeOip:
    """behaviour(image bytes) -> (status, content type, body bytes); default: two boxes per image."""

    def __init__(self) -> None:
        self.infer_calls = 0
        self.delay_s = 0.0
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
                    self._send(200, json.dumps({"name": "fake", "version": "1", "extensions": []}).encode())
                elif self.path == "/v2/models/fake":
                    meta = {"name": "fake", "versions": ["1"], "platform": "test", "inputs": [], "outputs": [],
                            "parameters": {"task": "detect", "labels": ["thing"], "version": "fake-1"}}
                    self._send(200, json.dumps(meta).encode())
                else:
                    self._send(404, b'{"error": "not found"}')

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with fake._lock:
                    fake.infer_calls += 1
                image = base64.b64decode(json.loads(body)["inputs"][0]["data"][0])
                time.sleep(fake.delay_s)
                status, content_type, answer = fake.behaviour(image)
                self._send(status, answer, content_type)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @staticmethod
    def two_boxes(image: bytes) -> tuple[int, str, bytes]:
        answer = boxes_answer([[10, 10, 60, 60], [100, 100, 200, 180]], [0.9, 0.3], [label_for(image)] * 2)
        return 200, "application/json", json.dumps(answer).encode()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
