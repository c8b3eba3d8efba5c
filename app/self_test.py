"""`labelassist --self-test`: check an installation end to end, offscreen, and print one line.

It opens the demo project in the real main window and renders its first image, starts a local deployment
(the reference server as a child process, the way the app starts one), sends one `face` request on a demo
photo and stops the server. Everything it writes goes to a throwaway LABELASSIST_HOME, so the user's
preferences and projects are never touched. Exit status 0 when every step worked, 1 otherwise.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import requests

FACE_SAMPLE = "astronaut.jpg"  # a demo photo with one clear face
RENDER_TIMEOUT_S = 30.0
READY_TIMEOUT_S = 90.0  # loading the people pack takes a few seconds on a slow machine
REQUEST_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0


class SelfTestError(Exception):
    """A step failed; the message says which and why."""


def main() -> int:
    previous_home = os.environ.get("LABELASSIST_HOME")
    home = Path(tempfile.mkdtemp(prefix="labelassist-self-test-"))
    os.environ["LABELASSIST_HOME"] = str(home)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    server: LocalServer | None = None
    try:
        server = LocalServer(home / "server.log")  # first, so loading the models overlaps the GUI check
        images, image_name, size = check_gui()
        server.wait_ready()
        from app.demo import demo_project_path

        photo = demo_project_path().parent / "images" / FACE_SAMPLE
        count, ms = infer_once(server.url, "face", photo)
        if count < 1:
            raise SelfTestError(f"face found nothing in {FACE_SAMPLE}")
        server.stop()
        print(f"self-test ok: demo project {images} images, rendered {image_name} {size[0]}x{size[1]}, "
              f"face: {count} prediction{'s' if count != 1 else ''} in {ms:.0f} ms, server stopped", flush=True)
        return 0
    except SelfTestError as exc:
        print(f"self-test FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if server is not None:
            server.stop()
        if previous_home is None:
            os.environ.pop("LABELASSIST_HOME", None)
        else:
            os.environ["LABELASSIST_HOME"] = previous_home
        shutil.rmtree(home, ignore_errors=True)


def check_gui() -> tuple[int, str, tuple[int, int]]:
    """Open the demo project in the main window; returns (images, name and size of the one shown)."""
    from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from app.demo import ensure_demo_project
    from app.widgets.main_window import MainWindow

    # Qt's own warnings (the offscreen platform has a few harmless ones) would break the one-line output;
    # they are kept and reported only if this step fails.
    qt_messages: list[str] = []
    previous_handler = qInstallMessageHandler(lambda _kind, _context, text: qt_messages.append(text))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    try:
        window.resize(1200, 800)
        window.show()
        loop = QEventLoop()
        shown: list[bool] = []

        def on_shown() -> None:
            shown.append(True)
            loop.quit()

        window.canvas.imageShown.connect(on_shown)
        QTimer.singleShot(int(RENDER_TIMEOUT_S * 1000), loop.quit)
        if not window.open_project(ensure_demo_project()):
            raise SelfTestError("the demo project did not open")
        if not shown:
            loop.exec()
        image = window.doc.current_image
        if not shown or image is None:
            raise SelfTestError(f"no image on screen after {RENDER_TIMEOUT_S:.0f} s")
        if window.canvas.message or not window.canvas.image_ready:
            raise SelfTestError(f"{image.path} did not render: {window.canvas.message or 'not ready'}")
        app.processEvents()
        colours = distinct_colours(window.canvas.viewport().grab().toImage())
        if colours < 16:
            raise SelfTestError(f"the canvas looks blank ({colours} colours) after showing {image.path}")
        return len(window.doc.images), Path(image.path).name, (image.width, image.height)
    except SelfTestError as exc:
        if qt_messages:
            raise SelfTestError(f"{exc} (Qt said: {qt_messages[-1]})") from exc
        raise
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        qInstallMessageHandler(previous_handler)


def distinct_colours(image: object, side: int = 32) -> int:
    """How many different colours a side×side thumbnail of a QImage has: 1 for a blank canvas."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    small = image.scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.FastTransformation)
    return len({small.pixel(x, y) for y in range(small.height()) for x in range(small.width())})


def server_command(port: int) -> list[str]:
    """The reference server from this installation: the bundle itself when frozen, else `-m server`."""
    args = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    if getattr(sys, "frozen", False):
        return [sys.executable, "--serve", *args]
    return [sys.executable, "-m", "server", *args]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalServer:
    """A local deployment: the server as a child process on a free loopback port, its output in a log."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log: IO[bytes] | None = log_path.open("wb")
        env = dict(os.environ)
        if not getattr(sys, "frozen", False):  # `-m server` from a checkout, installed or not
            root = str(Path(__file__).resolve().parent.parent)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.process = subprocess.Popen(server_command(self.port), stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, env=env)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SelfTestError(f"the server exited with status {self.process.returncode}: {self.last_log()}")
            try:
                if requests.get(f"{self.url}/v2/health/ready", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass  # not listening yet
            time.sleep(0.1)
        raise SelfTestError(f"the server was not ready after {READY_TIMEOUT_S:.0f} s: {self.last_log()}")

    def stop(self) -> None:
        """Terminate the server and make sure it is gone and its port closed. Idempotent."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        try:
            requests.get(f"{self.url}/v2/health/live", timeout=2)
        except requests.ConnectionError:
            return
        raise SelfTestError(f"port {self.port} still answers after the server stopped")

    def last_log(self) -> str:
        if self._log is not None:
            self._log.flush()
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return lines[-1] if lines else "(no output)"


def infer_once(base_url: str, model: str, photo: Path) -> tuple[int, float]:
    """One Open Inference Protocol request with the photo as base64 JSON; returns (boxes, milliseconds).

    To be replaced by the app's inference client (app/inference) when it exists.
    """
    body = {
        "id": "self-test",
        "parameters": {"confidence": 0.5},
        "inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "parameters": {"content_type": "base64"},
                    "data": [base64.b64encode(photo.read_bytes()).decode("ascii")]}],
    }
    start = time.perf_counter()
    try:
        response = requests.post(f"{base_url}/v2/models/{model}/infer", json=body, timeout=REQUEST_TIMEOUT_S)
    except requests.RequestException as exc:
        raise SelfTestError(f"{model} request failed: {exc}") from exc
    ms = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SelfTestError(f"{model} answered {response.status_code}: {response.text[:200]}")
    try:
        reply = response.json()
        boxes = next(o for o in reply["outputs"] if o["name"] == "boxes")
        count = int(boxes["shape"][0])
    except (ValueError, KeyError, TypeError, StopIteration, IndexError) as exc:
        raise SelfTestError(f"{model} sent an unexpected response: {response.text[:200]}") from exc
    if reply.get("id") != body["id"] or len(boxes["data"]) != 4 * count:
        raise SelfTestError(f"{model} sent an inconsistent response: {response.text[:200]}")
    return count, ms
