"""A corpus of bad images (made here: bad_images.py) through the loader, the window, model assist and every
exporter, in a child process (bad_image_child.py) so that a crash or a hang is seen and counted: a broken
file gives a message naming it, an odd but valid one shows, and the rest of the project keeps working.

The unreadable file: as root, chmod does not stop reads, so the child gives up root's right to read any
file (CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH) before it starts; where it cannot, that file is not judged.
FAULT_FUZZED_IMAGES adds that many valid files with bytes flipped, cut or repeated (`make soak`: 100).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from bad_images import BAD, EITHER, GOOD, UNREADABLE, build
from fault_figures import count
from kill_models import ScatterModel

from server.app import create_app
from server.background import BackgroundServer
from server.registry import ModelRegistry

HERE = Path(__file__).resolve().parent
FUZZED = int(os.environ.get("FAULT_FUZZED_IMAGES", "4"))
HANG_S = 60  # silence from the child this long, with an image in hand, is a hang
STAGES = ("loader", "window", "assist")


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app(ModelRegistry([ScatterModel()]))) as running:
        yield running


class Walk:
    """The child's results, and the crashes and hangs seen, over as many children as it takes."""

    def __init__(self) -> None:
        self.results: dict[tuple[str, str], dict] = {}
        self.crashed: list[str] = []
        self.hung: list[str] = []
        self.caps = ""
        self.total_rows = 0


def _walk(folder: Path, url: str, home: Path) -> Walk:
    walk = Walk()
    env = dict(
        os.environ, PYTHONPATH=str(HERE.parents[1]), QT_QPA_PLATFORM="offscreen", LABELASSIST_HOME=str(home)
    )
    first = 0
    while True:
        child = subprocess.Popen(
            [sys.executable, str(HERE / "bad_image_child.py"), str(folder), url, str(first)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )  # fmt: skip
        current: tuple[int, str] | None = None
        finished = False
        while True:
            ready, _, _ = select.select([child.stdout], [], [], HANG_S)
            if not ready:
                walk.hung.append(current[1] if current else "(starting)")
                child.kill()
                break
            line = child.stdout.readline()
            if not line:
                break
            said = json.loads(line)
            if "caps" in said:
                walk.caps = said["caps"]
            elif "begin" in said:
                current = (said["begin"], said["file"])
            elif said.get("stage") == "rest of the project":
                walk.results[(said["file"], said["stage"])] = said
                finished = True
            else:
                walk.results[(said["file"], said["stage"])] = said
        child.wait()
        child.stdout.close()
        if finished:
            return walk
        if child.returncode != 0 and current is not None and not walk.hung[-1:] == [current[1]]:
            walk.crashed.append(f"{current[1]} (exit {child.returncode})")
        if current is None:
            pytest.fail(f"the child stopped before the first image (exit {child.returncode})")
        first = current[0] + 1  # go on after the image that took it down


def test_bad_images_give_a_message_naming_the_file_and_the_rest_works(server, tmp_path: Path) -> None:
    kinds = build(tmp_path / "photos", FUZZED)
    walk = _walk(tmp_path / "photos", server.url, tmp_path / "home")
    if walk.caps and os.geteuid() == 0:
        warnings.warn(
            f"the unreadable file is not judged: this root process keeps its read rights ({walk.caps})",
            stacklevel=1,
        )
        kinds[UNREADABLE] = EITHER
    count(
        "bad images",
        **{"bad images tried": len(kinds), "crashes": len(walk.crashed), "hangs": len(walk.hung)},
    )
    problems = [f"crashed on {c}" for c in walk.crashed] + [f"hung on {h}" for h in walk.hung]
    for name, kind in kinds.items():
        got = {stage: walk.results.get((name, stage)) for stage in STAGES}
        if any(r is None for r in got.values()):
            problems.append(f"{name}: no result for {[s for s, r in got.items() if r is None]}")
            continue
        loaded, shown, asked = got["loader"], got["window"], got["assist"]
        if kind == GOOD and not (loaded["ok"] and shown["ok"] and "prediction(s)" in asked["message"]):
            problems.append(
                f"{name} is valid but: {loaded['message']} / {shown['message']} / {asked['message']}"
            )
        if kind == BAD and (loaded["ok"] or shown["ok"]):
            problems.append(f"{name} is broken but was shown")
        if not loaded["ok"] and not (
            name in loaded["message"] and name in shown["message"] and not shown["ok"]
        ):
            problems.append(
                f"{name}: the message does not name it: {loaded['message']!r} / {shown['message']!r}"
            )
        if not asked["ok"] or (name not in asked["message"] and "prediction(s)" not in asked["message"]):
            problems.append(f"{name}: model assist said {asked['message']!r}")
    for fmt in ("coco", "yolo", "voc", "labelme"):
        exported = walk.results.get((fmt, "export"))
        if exported is None or not exported["ok"]:
            problems.append(f"export {fmt}: {exported}")
        elif kinds and "whose file is missing or unreadable" not in exported["message"]:
            problems.append(f"export {fmt} does not say what it left out: {exported['message']}")
    rest = walk.results.get(("good photo.jpg", "rest of the project"))
    if rest is None or not rest["ok"]:
        problems.append(f"the rest of the project: {rest}")
    assert not problems, "\n".join(problems)
    assert BAD in kinds.values() and GOOD in kinds.values()
