"""The canvas never crashes: the real window, offscreen in a child process, through seeded rounds of edits.

A crash in Qt kills the process, so each run is a child (canvas_fuzz.py) and the parent checks it exited 0.
Before zoom-sized items announced their extent changes, 4 of 5 `delete` runs died with SIGSEGV.
The long version (`CANVAS_FUZZ_RUNS=100`) is the soak: `make soak`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent.parent / "resources" / "samples"
RUNS = int(os.environ.get("CANVAS_FUZZ_RUNS", "5"))


def run_child(
    tmp_path: Path, mode: str, seed: int, rounds: int, *extra: str
) -> subprocess.CompletedProcess[str]:
    folder = tmp_path / f"{mode}-{seed}"
    folder.mkdir()
    for name in ("astronaut.jpg", "cat.png", "hand.jpg"):
        shutil.copy(SAMPLES / name, folder / name)
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", LABELASSIST_HOME=str(tmp_path / f"home-{mode}-{seed}")
    )
    command = [sys.executable, str(HERE / "canvas_fuzz.py"), str(folder)]
    command += ["--mode", mode, "--seed", str(seed), "--rounds", str(rounds), *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=170)


def assert_every_round_ran(tmp_path: Path, mode: str, seed: int, rounds: int, *extra: str) -> None:
    """The child exited 0 after all its rounds (a crash in Qt shows as a signal exit code)."""
    result = run_child(tmp_path, mode, seed, rounds, *extra)
    done = sum(1 for line in result.stdout.splitlines() if line.startswith("round "))
    assert result.returncode == 0, f"rc {result.returncode} after {done} rounds:\n{result.stderr[-3000:]}"
    assert done == rounds


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, RUNS + 1))
def test_delete_after_zoom_does_not_crash(tmp_path: Path, seed: int) -> None:
    """The reported crash: boxes drawn, zoom in and out, one selected and deleted, painted; undo and paste."""
    assert_every_round_ran(tmp_path, "delete", seed, 30)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(101, 101 + RUNS))
def test_canvas_fuzz_does_not_crash(tmp_path: Path, seed: int) -> None:
    """Random tool, zoom, pan, draw, move, delete, undo, redo, image switch, tag change and paste."""
    assert_every_round_ran(tmp_path, "fuzz", seed, 30)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(201, 201 + max(RUNS // 5, 1)))
def test_canvas_fuzz_on_a_crowded_image_does_not_crash(tmp_path: Path, seed: int) -> None:
    """The same over 1,100 boxes, where one layer draws the unselected ones and the items only take clicks."""
    assert_every_round_ran(tmp_path, "fuzz", seed, 20, "--crowded", "1100")
