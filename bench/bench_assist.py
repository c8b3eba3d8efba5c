"""Model-assist benchmarks: cached suggestions drawn after M, the slider, S, and the client's own overhead
around one inference call for a 12 MP photo. Runs offscreen in this process, with a real window."""

from __future__ import annotations

import json
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.paths import resources_dir  # noqa: E402
from bench.bench_annotator import line, make_photo, millis  # noqa: E402

RUNS = 7


def _answer(n: int, width: int, height: int) -> bytes:
    """An Open Inference Protocol answer with n boxes spread over the image, scores falling evenly."""
    import random

    rng = random.Random(n)
    boxes, scores = [], []
    for i in range(n):
        x, y = rng.uniform(0, width - 60), rng.uniform(0, height - 60)
        boxes += [x, y, x + rng.uniform(10, 60), y + rng.uniform(10, 60)]
        scores.append(round(1 - i / max(n, 1), 4))
    return json.dumps(
        {
            "model_name": "bench",
            "model_version": "1",
            "outputs": [
                {"name": "boxes", "datatype": "FP32", "shape": [n, 4], "data": boxes},
                {"name": "scores", "datatype": "FP32", "shape": [n], "data": scores},
                {"name": "labels", "datatype": "BYTES", "shape": [n], "data": ["thing"] * n},
            ],
        }
    ).encode()


class CannedServer:
    """Answers every POST at once with a fixed body; reading the request is all it does (a lower bound
    on any server's own time, so what remains is the client's)."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.posts = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    chunk = conn.recv(1 << 20)
                    if not chunk:
                        return
                    buf += chunk
                head, buf = buf.split(b"\r\n\r\n", 1)
                length = next(
                    (
                        int(h.split(b":")[1])
                        for h in head.split(b"\r\n")
                        if h.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(buf) < length:
                    buf += conn.recv(1 << 20)
                buf = buf[length:]
                answer = self._answer(head.split(b" ", 2)[:2])
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                    + str(len(answer)).encode()
                    + b"\r\n\r\n"
                    + answer
                )

    def _answer(self, request: list[bytes]) -> bytes:
        method, path = request
        if method == b"POST":
            self.posts += 1
            return self.body
        if path == b"/v2":
            return json.dumps(
                {"name": "canned", "version": "1", "extensions": ["binary_tensor_data"]}
            ).encode()
        if path == b"/v2/models/bench":
            return json.dumps(
                {
                    "name": "bench",
                    "versions": ["1"],
                    "parameters": {"task": "detect", "labels": ["thing"], "version": "canned-1"},
                }
            ).encode()
        return b"{}"

    def stop(self) -> None:
        self.sock.close()


def _window(folder: Path):  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from app.widgets.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    w.open_project(folder)
    deadline = time.perf_counter() + 30
    while not w.canvas.image_ready and time.perf_counter() < deadline:
        app.processEvents()
    return app, w


def _online(app, w, url: str):  # type: ignore[no-untyped-def]
    """A deployment of the canned server, online and selected (the real health check)."""
    from app.models import Deployment

    d = w.deployments.save(Deployment(name="bench", url=url, model="bench", timeout_s=60))
    deadline = time.perf_counter() + 20
    while not w.deployments.online() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.01)
    w.assist.select_deployment(d.id)
    return d


def _wait(app, done, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not done() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.0005)


def bench_suggestions(root: Path) -> None:
    photo = root / "cached" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    make_photo(resources_dir() / "samples" / "dog.jpg", photo, seed=7)
    app, w = _window(photo.parent)
    img = w.doc.current_image
    server = CannedServer(b"")
    try:
        d = _online(app, w, server.url)
        for n, budget in ((100, "16 ms"), (1000, "50 ms")):
            server.body = _answer(n, img.width, img.height)
            w.assist.set_threshold(0.0)
            w.assist.refresh()  # asked once, into the cache
            _wait(app, lambda: w.assist.view is not None and not w.assist.busy)
            times = []
            for _ in range(RUNS):
                w.assist._clear_view()
                w.canvas.viewport().repaint()
                start = time.perf_counter()
                w.assist.assist()  # M: from the cache
                w.canvas.viewport().repaint()
                times.append(time.perf_counter() - start)
            assert len(w.assist.shown()) == n
            line(f"cached suggestions drawn after M ({n})", millis(statistics.median(times)), budget)
        slider = []
        for i in range(RUNS * 2):
            start = time.perf_counter()
            w.intelligent_dock.slider.setValue(30 + (i % 2) * 40)
            w.canvas.viewport().repaint()
            slider.append(time.perf_counter() - start)
        line("slider move, re-filter + repaint (1000)", millis(statistics.median(slider)), "16 ms")
        commits = []
        for _ in range(3):
            w.assist.set_threshold(0.0)
            start = time.perf_counter()
            committed = w.assist.commit_all()
            commits.append(time.perf_counter() - start)
            assert committed == 1000
            w.doc.undo_stack.undo()
        line("S: commit 1000 suggestions, durable", millis(statistics.median(commits)), "100 ms")
        print(f"   (inference requests: {server.posts}; M and the slider work on the cache)", flush=True)
        w.deployments.remove(d.id)
    finally:
        server.stop()
        w.close()


def bench_client_overhead(root: Path) -> None:
    """Encode, send, parse and draw around one call for a 12 MP photo; the server does nothing."""
    from app.assist.requests import AssistJob, Ticket, run
    from app.inference.adapters import Probe
    from app.inference.client import InferenceClient
    from app.models import Deployment, ModelInfo

    photo = root / "overhead" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    make_photo(resources_dir() / "samples" / "person_dog_horse.jpg", photo, seed=3)
    server = CannedServer(_answer(10, 4000, 3000))
    client = InferenceClient()
    d = Deployment(id=1, name="bench", url=server.url, model="bench")
    size = photo.stat().st_size
    for binary in (True, False):
        probe = Probe(ModelInfo(name="bench", version="1"), binary=binary)
        times = []
        for i in range(RUNS):
            job = AssistJob(Ticket(1, i, 0), photo, d, None, probe, 0.05, frozenset())
            start = time.perf_counter()
            answer = run(client, job)
            times.append(time.perf_counter() - start)
            assert not answer.error, answer.error
        kind = "binary tensor" if binary else "base64 JSON"
        line(
            f"client overhead, 12 MP call ({kind})",
            millis(statistics.median(times)),
            "25 ms",
            f"{size / 2**20:.1f} MiB file, read + hash + send + parse; drawing is the figure above",
        )
    server.stop()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="labelassist-bench-assist-") as tmp:
        root = Path(tmp)
        os.environ["LABELASSIST_HOME"] = str(root / "home")
        bench_suggestions(root)
        bench_client_overhead(root)


if __name__ == "__main__":
    main()
