"""`labelassist --self-test`: check an installation end to end, offscreen, and print one line.

It opens the demo project in the real main window and renders its first image, starts a local deployment
(the reference server as a child process, the way the app starts one), sends one `face` request on a demo
photo and stops the server. Everything it writes goes to a throwaway LABELASSIST_HOME, so the user's
preferences and projects are never touched. Exit status 0 when every step worked, 1 otherwise.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.widgets.main_window import MainWindow

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
    try:
        print(f"self-test ok: {run_checks()}", flush=True)
        return 0
    except SelfTestError as exc:
        print(f"self-test FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if previous_home is None:
            os.environ.pop("LABELASSIST_HOME", None)
        else:
            os.environ["LABELASSIST_HOME"] = previous_home
        shutil.rmtree(home, ignore_errors=True)


def run_checks() -> str:
    """Every step in the real main window; returns the summary line, raises SelfTestError."""
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from app.widgets.main_window import MainWindow

    # Qt's own warnings (the offscreen platform has a few harmless ones) would break the one-line output;
    # they are kept and reported only if a step fails.
    qt_messages: list[str] = []
    previous_handler = qInstallMessageHandler(lambda _kind, _context, text: qt_messages.append(text))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    try:
        window.resize(1200, 800)
        window.show()
        shown: list[bool] = []
        window.canvas.imageShown.connect(lambda: shown.append(True))
        from app.demo import ensure_demo_project

        if not window.open_project(ensure_demo_project()):
            raise SelfTestError("the demo project did not open")
        deployment_id = start_deployment(window)  # before the render check, so the model loads meanwhile
        images, image_name, size = check_render(window, shown)
        count, ms = assist_once(window, deployment_id)
        stop_deployment(window, deployment_id)
        return (
            f"demo project {images} images, rendered {image_name} {size[0]}x{size[1]}, "
            f"face: {count} prediction{'s' if count != 1 else ''} in {ms:.0f} ms, server stopped"
        )
    except SelfTestError as exc:
        if qt_messages:
            raise SelfTestError(f"{exc} (Qt said: {qt_messages[-1]})") from exc
        raise
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        qInstallMessageHandler(previous_handler)


def wait_for(done: Callable[[], bool], timeout_s: float) -> bool:
    """Run the event loop until done() or the timeout; returns done()."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    return done()


def check_render(window: MainWindow, shown: list[bool]) -> tuple[int, str, tuple[int, int]]:
    """The demo project's first image on screen; returns (images, name and size of the image shown)."""
    wait_for(lambda: bool(shown), RENDER_TIMEOUT_S)
    image = window.doc.current_image  # its record carries the size once shown
    if not shown or image is None:
        raise SelfTestError(f"no image on screen after {RENDER_TIMEOUT_S:.0f} s")
    if window.canvas.message or not window.canvas.image_ready:
        raise SelfTestError(f"{image.path} did not render: {window.canvas.message or 'not ready'}")
    colours = distinct_colours(window.canvas.viewport().grab().toImage())
    if colours < 16:
        raise SelfTestError(f"the canvas looks blank ({colours} colours) after showing {image.path}")
    return len(window.doc.images), Path(image.path).name, (image.width, image.height)


def start_deployment(window: MainWindow) -> int:
    """A local `face` deployment, started the way the Deployments page starts one (a child process)."""
    from app.models import LocalSpec

    d = window.deployments.add_local(LocalSpec(people_model="face"), "self-test face")
    assert d.id is not None
    return d.id


def assist_once(window: MainWindow, deployment_id: int) -> tuple[int, float]:
    """Model assist (M) on the demo photo with a face; returns (suggestions, milliseconds)."""
    from app.models import State

    deployments = window.deployments
    if not wait_for(
        lambda: deployments.status(deployment_id).state in (State.ONLINE, State.ERROR), READY_TIMEOUT_S
    ):
        raise SelfTestError(f"the local server was not ready after {READY_TIMEOUT_S:.0f} s")
    status = deployments.status(deployment_id)
    if status.state != State.ONLINE:
        raise SelfTestError(f"the local server did not start: {status.message}")
    names = [Path(img.path).name for img in window.doc.images]
    if FACE_SAMPLE not in names:
        raise SelfTestError(f"the demo project lacks {FACE_SAMPLE}")
    window.doc.go_to_row(names.index(FACE_SAMPLE))
    window.assist.select_deployment(deployment_id)
    messages: list[str] = []
    window.assist.status.connect(messages.append)
    start = time.perf_counter()
    window.assist.assist()
    if not wait_for(lambda: not window.assist.busy, REQUEST_TIMEOUT_S) or window.assist.view is None:
        raise SelfTestError(f"model assist gave no answer: {messages[-1] if messages else 'timed out'}")
    ms = (time.perf_counter() - start) * 1000
    window.assist.set_threshold(0.5)
    count = len(window.assist.shown())
    if count < 1:
        raise SelfTestError(f"face found nothing in {FACE_SAMPLE}")
    return count, ms


def stop_deployment(window: MainWindow, deployment_id: int) -> None:
    from app.models import State

    local = window.deployments.local
    port = window.deployments.get(deployment_id).url.rsplit(":", 1)[-1]  # type: ignore[union-attr]
    window.deployments.stop(deployment_id)
    if not wait_for(lambda: window.deployments.status(deployment_id).state == State.STOPPED, STOP_TIMEOUT_S):
        raise SelfTestError("the local server did not stop")
    if local.is_running(deployment_id):
        raise SelfTestError("the local server is still running")
    with socket.socket() as sock:
        sock.settimeout(2)
        if sock.connect_ex(("127.0.0.1", int(port))) == 0:
            raise SelfTestError(f"port {port} still answers after the server stopped")


def distinct_colours(image: object, side: int = 32) -> int:
    """How many different colours a side×side thumbnail of a QImage has: 1 for a blank canvas."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    assert isinstance(image, QImage)
    small = image.scaled(
        side, side, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.FastTransformation
    )
    return len({small.pixel(x, y) for y in range(small.height()) for x in range(small.width())})
