"""Interop tests against real third-party inference servers. Each server runs from its own virtual environment
(made by `make interop-envs` from tests/interop/requirements/NAME.txt, outside the project's venv, so their
dependency pins never meet ours) as a child process on 127.0.0.1; the test process talks to it over HTTP only.
A missing environment skips its tests with the reason, or fails them where LABELASSIST_REQUIRE_INTEROP names it
(a comma-separated list of environments, or 1 for all; CI names the ones it installs)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
SERVERS = HERE / "servers"


def interop_root() -> Path:
    default = Path.home() / ".cache" / "labelassist" / "interop"
    return Path(os.environ.get("LABELASSIST_INTEROP_ROOT", default))


def interop_python(name: str) -> Path:
    """The Python of the environment NAME (tests/interop/requirements/NAME.txt), or skip (fail in CI)."""
    python = interop_root() / name / "bin" / "python"
    if not (interop_root() / name / ".installed").exists() or not python.exists():
        reason = f"the {name} environment is not installed: run `make interop-envs`"
        required = os.environ.get("LABELASSIST_REQUIRE_INTEROP", "")
        if required == "1" or name in required.split(","):
            pytest.fail(reason)
        pytest.skip(reason)
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout_s: float, log: Path) -> None:
    """Polls URL until it answers 200; fails with the server's log when it dies or never gets there."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"the server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}"
            )
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server was not up within {timeout_s:.0f} s:\n{log.read_text(errors='replace')[-4000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stops the server and whatever it started (its own process group)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)


def start_server(
    argv: list[str], *, log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen:
    """Starts a server in its own process group with stdout and stderr in LOG."""
    with log.open("wb") as out:
        return subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )


@pytest.fixture
def server_log(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "server.log"
