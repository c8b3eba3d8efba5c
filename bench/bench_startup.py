"""Start-up as a user sees it: the real program (its installed entry point) on a virtual X display with a
window manager, timed from process start to window mapped, first image painted and idle, and its memory
once idle, for an empty start, a folder of 2,000 images and one 4000×3000 image with 2,000 polygons.

The peers' harness measures labelme and LabelImg the same way (same display size, window manager and idle
rule); this benchmark cannot run them, so their figures appear as goals in words. The offscreen, in-process
start figure follows as a second line. Every run gets a scratch HOME: the user's settings are untouched.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import _startup_data as data
from bench._xlaunch import Launch, launch
from bench.xwatch import SCREEN, VirtualDisplay, XWatch, have_display_server

RUNS = 3
RUN_TIMEOUT_S = 120.0
TRACE_ENV = "LABELASSIST_TRACE_START"  # see app/start_trace.py
LABELIMG = "LabelImg (0.71 s in the issue's run)"
MEMORY_GOAL = "goal ≤ LabelImg (198 MiB)"


@dataclass
class Scenario:
    title: str
    args: Callable[[], list[str]]  # made when the scenario runs: fixtures come from the cache
    before_run: Callable[[], None]
    goals: dict[str, str]  # figure -> its goal, in words


def app_env(home: Path, display: str) -> dict[str, str]:
    """A clean environment: scratch HOME and XDG folders, the X platform, the start-up trace on."""
    runtime = home / "runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    return {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        TRACE_ENV: str(home / "start-trace.txt"),
    }


def spread(values: list[float], digits: int, unit: str) -> str:
    """median [min–max] unit"""
    lo, mid, hi = min(values), statistics.median(values), max(values)
    return f"{mid:.{digits}f} [{lo:.{digits}f}–{hi:.{digits}f}] {unit}"


def secs(values: list[float]) -> str:
    return spread(values, 2, "s")


def mib(values: list[float]) -> str:
    return spread(values, 0, "MiB")


def figure(label: str, value: str, goal: str = "") -> None:
    print(f"  {label} {'.' * max(3, 30 - len(label))} {value:<26} {goal}".rstrip(), flush=True)


def report(scenario: Scenario, runs: list[Launch]) -> None:
    ok = [r for r in runs if r.status == "ok"]
    print(f"{scenario.title}: median [min–max] of {len(ok)} run(s)", flush=True)
    for r in runs:
        if r.status != "ok":
            print(f"  a run failed: {r.status}: {r.log_tail}", flush=True)
    if not ok:
        return
    figure("window mapped", secs([r.mapped or 0.0 for r in ok]), scenario.goals.get("mapped", ""))
    painted = [r.painted for r in ok if r.painted is not None]
    if len(painted) == len(ok):
        figure("first image painted", secs(painted), scenario.goals.get("painted", ""))
    else:
        figure("first image painted", "n/a (trace not wired)")
    figure("idle", secs([r.idle or 0.0 for r in ok]), scenario.goals.get("idle", ""))
    figure("RSS at idle", mib([r.rss_mib or 0.0 for r in ok]), MEMORY_GOAL)


def scenarios(program: Path, env: dict[str, str]) -> list[Scenario]:
    def folder_args() -> list[str]:
        return [str(data.image_folder())]

    def clear_folder() -> None:
        data.clear_folder_project(data.image_folder())

    return [
        Scenario(
            "start (no argument: the demo project)",
            list,
            lambda: None,
            {
                "mapped": f"goal ≤ {LABELIMG} and ≤ 1/3 of labelme; budget ≤ 0.5 s",
                "idle": "goal ≤ LabelImg",
            },
        ),
        Scenario(
            f"a folder of {data.FOLDER_IMAGES:,} images, 1920×1080 (first open)",
            folder_args,
            clear_folder,
            {"idle": "goal ≤ LabelImg"},
        ),
        Scenario(
            f"one 4000×3000 JPEG with {data.POLYGONS:,} polygons",
            lambda: [str(data.polygon_project(program, env))],
            lambda: None,
            {"idle": "goal ≤ 1/5 of labelme (6.9 s in DESIGN.md); budget ≤ 0.5 s"},
        ),
    ]


def run_scenario(scenario: Scenario, program: Path, env: dict[str, str], home: Path, watch: XWatch) -> None:
    cmd = [str(program), *scenario.args()]
    trace, log = Path(env[TRACE_ENV]), home / "app.log"
    runs = []
    for i in range(RUNS + 1):  # the first is a warm-up: file cache, first-run files such as the demo project
        scenario.before_run()
        result = launch(cmd, env, home, watch, trace, log, RUN_TIMEOUT_S)
        if i > 0:
            runs.append(result)
    report(scenario, runs)


def offscreen_start() -> None:
    """The in-process figure of bench_annotator, for comparison: no X server, no window manager."""
    from bench.bench_annotator import child_env, cold_start_once

    with tempfile.TemporaryDirectory(prefix="labelassist-bench-offscreen-") as tmp:
        env = dict(child_env(Path(tmp)), QT_QPA_PLATFORM="offscreen")
        cold_start_once(env)  # warm-up: makes the demo project
        runs = [r for r in (cold_start_once(env) for _ in range(RUNS)) if r is not None]
    if runs:
        print("start, offscreen, in-process (second line; no X server, no window manager)", flush=True)
        figure("first image painted", secs([wall for wall, _ in runs]), "budget ≤ 0.5 s")


def main() -> None:
    """Run every scenario under a private virtual display and print the figures beside their goals."""
    if not have_display_server():
        print("skipped: no Xvfb on this machine (`make bench` installs it)", flush=True)
        return
    program = Path(sys.executable).parent / "labelassist"
    if not program.exists():
        print(f"skipped: the entry point {program.name} is not installed beside this Python", flush=True)
        return
    display = VirtualDisplay().start()
    try:
        wm = display.window_manager or "no window manager installed: windows open at their own size"
        print(f"virtual display {display.name} {SCREEN}, {wm}; one warm-up run, then {RUNS}", flush=True)
        watch = XWatch(display.name)
        try:
            with tempfile.TemporaryDirectory(prefix="labelassist-bench-startup-") as tmp:
                home = Path(tmp)
                env = app_env(home, display.name)
                for scenario in scenarios(program, env):
                    run_scenario(scenario, program, env, home, watch)
        finally:
            watch.close()
    finally:
        display.stop()
    offscreen_start()


if __name__ == "__main__":
    main()
