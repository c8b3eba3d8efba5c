"""Run the server in a background thread of the current process (tests, benchmarks, embedding)."""

from __future__ import annotations

import socket
import threading
from typing import Any

import uvicorn

from server.http_protocol import JsonErrorH11Protocol


class BackgroundServer:
    """uvicorn on a socket bound before the thread starts, so clients may connect at once."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, access_log: bool = False) -> None:
        # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only then, and without it
        # keep-alive requests stall for 40 ms (Nagle against delayed ACKs).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self._socket.listen(128)  # connections wait in the backlog until uvicorn accepts them
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            log_config=None,
            lifespan="on",
            access_log=access_log,
            http=JsonErrorH11Protocol,  # as the command line runs it
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="labelassist-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Ask uvicorn to finish and wait for its thread."""
        self._server.should_exit = True
        self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
