"""Local deployments: the reference server as a child process (QProcess) on 127.0.0.1 and a free port.

Each runs with --exit-with-parent, so even a killed LabelAssist leaves no server behind; on a normal exit
stop_all() ends them.
"""

from __future__ import annotations

import sys
from collections import deque

from PySide6.QtCore import QObject, QProcess, Signal

from app.models import Deployment

READY_LINE = "labelassist-server listening on"  # printed by server.cli once its socket is bound
STOP_GRACE_MS = 3000


def server_command(d: Deployment) -> list[str]:
    """Program and arguments that run the reference server for this local deployment."""
    base = [sys.executable, "--serve"] if getattr(sys, "frozen", False) else [sys.executable, "-m", "server"]
    args = [
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--exit-with-parent",
        "--workers",
        "2",
        "--log-level",
        "warning",
    ]
    spec = d.local
    if spec is not None and spec.onnx_path:
        args += ["--no-people", "--model", spec.onnx_path]
    elif spec is not None and spec.people_model:
        args += ["--people", spec.people_model]
    return base + args


class _Child:
    def __init__(self, process: QProcess) -> None:
        self.process = process
        self.url = ""
        self.stdout = b""
        self.errors: deque[str] = deque(maxlen=8)
        self.stopping = False


class LocalServers(QObject):
    started = Signal(int, str)  # deployment id, base URL
    ended = Signal(int, str)  # deployment id, why ('' when we stopped it)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._children: dict[int, _Child] = {}

    def is_running(self, deployment_id: int) -> bool:
        return deployment_id in self._children

    def url(self, deployment_id: int) -> str:
        child = self._children.get(deployment_id)
        return child.url if child else ""

    def start(self, d: Deployment) -> None:
        assert d.id is not None
        if d.id in self._children:
            return
        program, *args = server_command(d)
        process = QProcess(self)
        child = self._children[d.id] = _Child(process)
        process.readyReadStandardOutput.connect(lambda: self._on_stdout(d.id, child))
        process.readyReadStandardError.connect(lambda: self._on_stderr(child))
        process.finished.connect(lambda code, _status: self._on_finished(d.id, child, code))
        process.errorOccurred.connect(lambda error: self._on_error(d.id, child, error))
        process.start(program, args)

    def stop(self, deployment_id: int) -> None:
        child = self._children.get(deployment_id)
        if child is None:
            return
        child.stopping = True
        child.process.terminate()
        if not child.process.waitForFinished(STOP_GRACE_MS):
            child.process.kill()
            child.process.waitForFinished(STOP_GRACE_MS)

    def stop_all(self) -> None:
        for deployment_id in list(self._children):
            self.stop(deployment_id)

    def _on_stdout(self, deployment_id: int, child: _Child) -> None:
        child.stdout += bytes(child.process.readAllStandardOutput().data())
        if child.url:
            return
        for line in child.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith(READY_LINE):
                child.url = line[len(READY_LINE) :].strip()
                self.started.emit(deployment_id, child.url)
                return

    def _on_stderr(self, child: _Child) -> None:
        text = bytes(child.process.readAllStandardError().data()).decode("utf-8", "replace")
        child.errors.extend(line.strip() for line in text.splitlines() if line.strip())

    def _on_finished(self, deployment_id: int, child: _Child, code: int) -> None:
        if self._children.get(deployment_id) is not child:
            return
        del self._children[deployment_id]
        if child.stopping:
            self.ended.emit(deployment_id, "")
            return
        last = child.errors[-1] if child.errors else ""
        self.ended.emit(
            deployment_id, f"the local server stopped (exit code {code}){': ' + last if last else ''}"
        )

    def _on_error(self, deployment_id: int, child: _Child, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._children.get(deployment_id) is child:
            del self._children[deployment_id]
            self.ended.emit(
                deployment_id, f"the local server could not be started: {child.process.errorString()}"
            )
