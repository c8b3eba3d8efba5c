"""A tiny real OIP server on 127.0.0.1 that is busy for its first few infer requests: it answers them 503
with a Retry-After, and notes any request that comes back before the time it named."""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fake_oip import boxes_answer, label_for

METADATA = {
    "name": "fake",
    "versions": ["1"],
    "platform": "test",
    "parameters": {"task": "detect", "labels": ["thing"], "version": "fake-1"},
}
SLACK_S = 0.05  # the client's clock and ours may round differently


class BusyServer:
    def __init__(self, busy_answers: int, retry_after_s: int = 1) -> None:
        self.busy_left = busy_answers
        self.retry_after_s = retry_after_s
        self.infer_calls = 0
        self.early = 0  # requests that came while a Retry-After the server gave still ran
        self._not_before = 0.0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/v2":
                    self._send(200, json.dumps({"name": "busy", "extensions": []}).encode())  # JSON only
                elif self.path == "/v2/models/fake":
                    self._send(200, json.dumps(METADATA).encode())
                else:
                    self._send(200, b"{}")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                image = base64.b64decode(json.loads(body)["inputs"][0]["data"][0])  # no binary extension here
                with server._lock:
                    server.infer_calls += 1
                    now = time.monotonic()
                    server.early += now < server._not_before - SLACK_S
                    busy = server.busy_left > 0
                    if busy:
                        server.busy_left -= 1
                        server._not_before = now + server.retry_after_s
                if busy:
                    error = json.dumps({"error": "busy"}).encode()
                    self._send(503, error, {"Retry-After": str(server.retry_after_s)})
                    return
                answer = boxes_answer([[10, 10, 60, 60]], [0.9], [label_for(image)])
                self._send(200, json.dumps(answer).encode())

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
