"""One measured start of the real program on a virtual display: process start → main window mapped → first
image painted → idle, and its memory once idle. All times are seconds after the launch.

Idle is the start of the first IDLE_WINDOW_S in which the process tree used at most IDLE_CPU_S of CPU (sampled
every SAMPLE_S), after the window is mapped and the image painted: the peers' harness rule, so figures compare.
"""

from __future__ import annotations

import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.xwatch import XWatch

SAMPLE_S = 0.05
IDLE_WINDOW_S = 1.0
IDLE_CPU_S = 0.05
STOP_GRACE_S = 5.0


@dataclass
class Launch:
    status: str  # "ok", "timeout" or "exited rc=N"
    mapped: float | None = None
    painted: float | None = None  # None: the program wrote no trace line
    idle: float | None = None
    rss_mib: float | None = None  # the process tree's, at idle
    log_tail: str = ""


def tree_sample(pid: int) -> tuple[float, float, set[int]] | None:
    """(CPU seconds, RSS bytes, pids) summed over the process tree of `pid`; None once it is gone."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return None
    cpu = rss = 0.0
    pids = set()
    for p in procs:
        try:
            with p.oneshot():
                times = p.cpu_times()
                cpu += times.user + times.system
                rss += p.memory_info().rss
            pids.add(p.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return cpu, rss, pids


def painted_at(trace: Path) -> float | None:
    """The monotonic time of the first `painted` line of the trace file, if there is one yet."""
    try:
        text = trace.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        word, _, value = line.partition(" ")
        if word == "painted":
            return float(value)
    return None


def stop_tree(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the launched process and its descendants, by pid; kill what outlives the grace period."""
    try:
        root = psutil.Process(proc.pid)
        procs = [*root.children(recursive=True), root]
    except psutil.NoSuchProcess:
        procs = []
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=STOP_GRACE_S)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(alive, timeout=STOP_GRACE_S)
    proc.wait(timeout=STOP_GRACE_S)


def launch(
    cmd: list[str], env: dict[str, str], cwd: Path, watch: XWatch, trace: Path, log: Path, timeout_s: float
) -> Launch:
    """Start `cmd`, follow it until idle (or the timeout), stop it; the trace file is env's to point at."""
    trace.unlink(missing_ok=True)
    watch.reset()
    samples: list[tuple[float, float]] = []  # (seconds after launch, CPU seconds of the tree)
    result = Launch(status="timeout")
    with open(log, "wb") as log_file:
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            next_sample, deadline = t0, t0 + timeout_s
            while (now := time.monotonic()) < deadline:
                # Sleep on the X connection, so a map is stamped when it happens, not at the next sample.
                select.select([watch.fileno()], [], [], max(0.0, min(next_sample, deadline) - now))
                watch.pump()
                now = time.monotonic()
                if now < next_sample:
                    continue
                next_sample = now + SAMPLE_S
                sample = tree_sample(proc.pid)
                if sample is None or proc.poll() is not None:
                    result.status = f"exited rc={proc.poll()}"
                    break
                cpu, rss, pids = sample
                samples.append((now - t0, cpu))
                mapped = watch.main_window_mapped(pids | {proc.pid})
                if mapped is None:
                    continue
                result.mapped = mapped - t0
                painted = painted_at(trace)
                result.painted = None if painted is None else painted - t0
                idle = _idle_start(samples, max(result.mapped, result.painted or 0.0))
                if idle is not None:
                    result.idle, result.rss_mib, result.status = idle, rss / 2**20, "ok"
                    break
        finally:
            stop_tree(proc)
    if result.status != "ok":
        result.log_tail = " / ".join(log.read_text(errors="replace").strip().splitlines()[-3:])
    return result


def _idle_start(samples: list[tuple[float, float]], not_before: float) -> float | None:
    """The start of a quiet window ending at the last sample, if it began at `not_before` or later."""
    t_end, cpu_end = samples[-1]
    for t, cpu in reversed(samples):
        if t_end - t >= IDLE_WINDOW_S:
            if t >= not_before - SAMPLE_S and cpu_end - cpu <= IDLE_CPU_S:
                return max(t, not_before)
            return None
    return None
