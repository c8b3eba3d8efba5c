"""Kill the app, not just the store: SIGKILL a child running the real document and assist layers (offscreen,
against a real reference server) in the middle of a random stream of a labeller's edits, again and again.

After each kill: the project passes `PRAGMA integrity_check`, the app opens it, its undo history is gone
and nothing else: it holds exactly what the parent's replay of the same seeded stream held after the last
edit the child reported done — or after the edit in flight, which may have committed before the kill.
FAULT_KILLS kills (`make soak`: 200; `make test`: 10), each continuing from what the last one left.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_edits import App, run, snapshot
from fault_figures import count
from kill_models import ScatterModel, make_project

from server.app import create_app
from server.background import BackgroundServer
from server.registry import ModelRegistry

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

HERE = Path(__file__).resolve().parent
KILLS = int(os.environ.get("FAULT_KILLS", "10"))
MOST_EDITS = 25  # a child makes between 1 and this many edits before the kill lands in the next one


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(create_app(ModelRegistry([ScatterModel()]))) as running:
        yield running


def _child_env(home: Path) -> dict[str, str]:
    root = str(HERE.parents[1])
    pythonpath = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return dict(os.environ, PYTHONPATH=pythonpath, QT_QPA_PLATFORM="offscreen", LABELASSIST_HOME=str(home))


def _run_and_kill(project: Path, seed: int, rng: random.Random, home: Path) -> list[str]:
    """Start the child, let it report some edits done, kill it inside (or just after) the next one."""
    with open(home / "child.err", "w") as err:
        child = subprocess.Popen(
            [sys.executable, str(HERE / "kill_child.py"), str(project), str(seed)],
            stdout=subprocess.PIPE, stderr=err, text=True, env=_child_env(home),
        )  # fmt: skip
    lines: list[str] = []
    try:
        assert child.stdout.readline() == "ready\n", (home / "child.err").read_text()[-3000:]
        target, done = rng.randint(1, MOST_EDITS), 0
        while done < target or not lines[-1].startswith("doing "):
            line = child.stdout.readline()
            assert line, f"the child ended early:\n{(home / 'child.err').read_text()[-3000:]}"
            lines.append(line)
            done += line.startswith("done ")
        time.sleep(rng.uniform(0, 0.02))  # mostly inside the edit in flight, sometimes after it
        os.kill(child.pid, signal.SIGKILL)
        lines += child.stdout.read().splitlines(keepends=True)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return [line for line in lines if line.endswith("\n")]


def _reported(lines: list[str]) -> tuple[int, int | None]:
    """The last edit reported done (-1: none) and the one in flight when the kill came (None: none)."""
    last_done, in_flight = -1, None
    for line in lines:
        word, i, _ = line.split(" ", 2)
        if word == "done":
            last_done, in_flight = int(i), None
        else:
            in_flight = int(i)
    return last_done, in_flight


def _replay(copy: Path, seed: int, last_done: int, in_flight: int | None) -> dict[int, dict]:
    """What the project held after each of these two edits, by making the same stream on a copy."""
    app = App(copy)
    held = {-1: snapshot(copy)} if last_done == -1 else {}

    def report(word: str, i: int, _name: str) -> None:
        if word == "done" and i in (last_done, in_flight):
            held[i] = snapshot(copy)

    try:
        run(app, seed, (in_flight if in_flight is not None else last_done) + 1, report)
    finally:
        app.close()
    return held


def _difference(held: dict, expected: dict, edit: int) -> str:
    """What the project held that the replay after `edit` did not, and what it lacked, table by table."""
    lines = [f"against the replay after edit {edit}:"]
    for table in held:
        extra = [r for r in held[table] if r not in expected[table]]
        missing = [r for r in expected[table] if r not in held[table]]
        lines += [f"  {table} held, not replayed: {r}" for r in extra[:3]]
        lines += [f"  {table} replayed, not held: {r}" for r in missing[:3]]
    return "\n".join(lines) + "\n"


def _integrity_ok(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _backup(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


@pytest.mark.timeout(120 + 10 * KILLS)  # a kill and its replay take about two seconds
def test_a_killed_app_loses_no_reported_edit(qapp, server: BackgroundServer, tmp_path: Path) -> None:
    project = make_project(tmp_path / "photos", server.url)
    rng = random.Random(17)
    problems = []
    for kill in range(KILLS):
        seed = 1000 + kill
        before = project.with_name("replay.labelassist")
        _backup(project, before)
        lines = _run_and_kill(project, seed, rng, tmp_path)
        last_done, in_flight = _reported(lines)

        intact = _integrity_ok(project)
        app = App(project)  # the app opens it
        try:
            history_gone = app.doc.undo_stack.count() == 0
            held = snapshot(project)
        finally:
            app.close()
        expected = _replay(before, seed, last_done, in_flight)
        kept = held == expected[last_done] or (in_flight is not None and held == expected.get(in_flight))
        count(
            "app kills",
            **{
                "kills done": 1,
                "edits checked": last_done + 1,
                "lost": int(not kept),
                "integrity failures": int(not intact),
            },
        )
        if not (intact and history_gone and kept):
            edits = "".join(lines[-6:])
            problems.append(
                f"kill {kill} (seed {seed}): intact {intact}, history gone {history_gone}, kept {kept}\n{edits}"
                + "".join(_difference(held, expected[i], i) for i in sorted(expected))
            )
    assert not problems, "\n".join(problems)
