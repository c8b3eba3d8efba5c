"""Short-lived loopback URLs for image files, for model servers that fetch images by URL (Label Studio's
ML backends). Only 127.0.0.1 can reach them, each under an unguessable path that expires."""

from __future__ import annotations

import mimetypes
import secrets
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

TTL_S = 300.0


class ImageShare:
    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._files: dict[str, tuple[Path, float]] = {}  # token -> (file, expiry)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def share(self, path: Path) -> str:
        """A URL that serves `path` for the next ttl_s seconds."""
        token = secrets.token_urlsafe(18)
        now = time.monotonic()
        with self._lock:
            self._files = {t: v for t, v in self._files.items() if v[1] > now}
            self._files[token] = (Path(path), now + self.ttl_s)
        server = self._ensure_server()
        return f"http://127.0.0.1:{server.server_address[1]}/images/{token}/{quote(Path(path).name)}"

    def lookup(self, token: str) -> Path | None:
        with self._lock:
            entry = self._files.get(token)
        return entry[0] if entry and entry[1] > time.monotonic() else None

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _ensure_server(self) -> ThreadingHTTPServer:
        if self._server is None:
            # Imported on first use: most deployments never fetch images by URL.
            from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

            share = self

            class Handler(BaseHTTPRequestHandler):
                def log_message(self, *args: object) -> None:
                    pass  # URLs carry tokens: never logged

                def do_GET(self) -> None:
                    parts = self.path.split("/")
                    path = share.lookup(parts[2]) if len(parts) >= 4 and parts[1] == "images" else None
                    try:
                        data = path.read_bytes() if path is not None else None
                    except OSError:
                        data = None
                    if data is None or path is None:
                        self.send_error(404)
                        return
                    self.send_response(200)
                    self.send_header(
                        "Content-Type", mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    )
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            self._server.daemon_threads = True
            threading.Thread(target=self._server.serve_forever, name="image-share", daemon=True).start()
        return self._server
