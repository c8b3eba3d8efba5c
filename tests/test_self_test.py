"""`labelassist --self-test` from the source tree: the same check `make package-test` runs on the bundle."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server.models_fetch import missing_models, models_dir

REPO = Path(__file__).resolve().parent.parent


def self_test(timeout: float, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m app --self-test` offscreen, with these extra environment variables."""
    command = [sys.executable, "-m", "app", "--self-test"]
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **env}
    return subprocess.run(command, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_self_test_passes_and_leaves_the_users_home_alone(isolated_home: Path) -> None:
    if missing_models(models_dir()):
        pytest.skip(f"people-pack models are not in {models_dir()}; run `make models`")
    done = self_test(240)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    assert re.fullmatch(
        r"self-test ok: demo project \d+ images, rendered \S+ \d+x\d+, "
        r"face: [1-9]\d* predictions? in \d+ ms, server stopped",
        lines[0],
    ), lines[0]
    assert not any(isolated_home.iterdir()), "the self-test wrote into LABELASSIST_HOME"


@pytest.mark.timeout(120)
def test_self_test_fails_with_one_clear_line_when_the_server_cannot_start(tmp_path: Path) -> None:
    done = self_test(90, LABELASSIST_MODELS_DIR=str(tmp_path))
    assert done.returncode == 1
    assert done.stdout == ""
    failure = [line for line in done.stderr.splitlines() if line.startswith("self-test FAILED:")]
    assert len(failure) == 1 and "people models missing" in failure[0], done.stderr
