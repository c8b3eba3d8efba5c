"""What goes wrong in a long run, and what the labeller gets: a failed image fails the run and the next run
asks only for it; a busy server is waited for, never hurried; a worker killed mid-job loses no image."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from busy_server import BusyServer
from conftest import prelabel
from projects import SAMPLES, make_project, rows

from app.models import Deployment
from app.project_files import add_image_files
from app.store import ProjectStore
from app.store.assist_store import AssistStore


def fake(url: str) -> Deployment:
    return Deployment(name="fake", url=url, model="fake")


def test_a_failed_image_fails_the_run_and_the_next_run_asks_only_for_it(
    tmp_path: Path, fake_oip, capsys: pytest.CaptureFixture[str]
) -> None:
    cat, answer = (SAMPLES / "cat.png").read_bytes(), fake_oip.behaviour
    fake_oip.behaviour = lambda image: (
        (500, "application/json", b'{"error": "out of memory"}') if image == cat else answer(image)
    )
    project = make_project(tmp_path, deployment=fake(fake_oip.url))
    assert prelabel(project, "--deployment", "fake", "--workers", "2") == 1
    out = capsys.readouterr().out
    assert "Pre-labelled 4 of 5 image(s)" in out and "1 failed:" in out
    assert "cat.png: 'fake' answered HTTP 500" in out and "out of memory" in out
    stored = rows(project)
    assert len(stored["marks"]) == 4 and [ok for _d, _k, ok, *_ in stored["calls"]].count(0) == 1

    fake_oip.behaviour = answer
    asked = fake_oip.infer_calls
    assert prelabel(project, "--deployment", "fake") == 0
    assert fake_oip.infer_calls == asked + 1
    assert (
        "Pre-labelled 5 of 5 image(s) with fake (1 asked now, 4 had its answer already)"
        in capsys.readouterr().out
    )
    assert len(rows(project)["marks"]) == 5


def test_a_run_stopped_and_started_again_asks_only_for_what_is_not_cached(tmp_path: Path, fake_oip) -> None:
    project = make_project(tmp_path, ("astronaut.jpg", "cat.png"), deployment=fake(fake_oip.url))
    assert prelabel(project, "--deployment", "fake") == 0
    for name in ("hand.jpg", "dog.jpg"):  # images added since: a new run asks for those only
        shutil.copy(SAMPLES / name, tmp_path / name)
    store = ProjectStore.open(project)
    add_image_files(store, [tmp_path / "hand.jpg", tmp_path / "dog.jpg"])
    store.close()
    assert prelabel(project, "--deployment", "fake", "--only", "all") == 0
    assert fake_oip.infer_calls == 4 and len(rows(project)["marks"]) == 4


def test_a_busy_server_slows_the_run_down_instead_of_failing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = BusyServer(busy_answers=2, retry_after_s=1)
    try:
        project = make_project(tmp_path, deployment=fake(server.url))
        assert prelabel(project, "--deployment", "fake", "--workers", "3", "--max-rps", "20") == 0
    finally:
        server.stop()
    assert server.infer_calls == 5 + 2, "each busy answer was asked again, once"
    assert server.early == 0, "nothing came back before the Retry-After it was given"
    assert "the server was busy 2 time(s) and was waited for" in capsys.readouterr().out
    stored = rows(project)
    assert len(stored["marks"]) == 5 and all(ok for _d, _k, ok, *_ in stored["calls"])


def test_an_unknown_or_unreachable_deployment_is_said_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, ("cat.png",), deployment=fake("http://127.0.0.1:9"))
    assert prelabel(project, "--deployment", "nope") == 2
    assert "the project has no deployment named 'nope'; it has 'fake'" in capsys.readouterr().err
    assert prelabel(project, "--deployment", "fake") == 2
    assert "cannot use 'fake': cannot reach 'fake' at http://127.0.0.1:9" in capsys.readouterr().err
    assert rows(project)["marks"] == []


def generated_project(folder: Path, n: int, deployment: Deployment) -> Path:
    """A project of `n` small distinct photos (made here: their contents differ, so none is cached twice)."""
    folder.mkdir()
    rng = np.random.default_rng(7)
    names = []
    for i in range(n):
        names.append(f"gen{i:02d}.png")
        cv2.imwrite(str(folder / names[-1]), rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    store = ProjectStore.create(folder / "project.labelassist")
    add_image_files(store, [folder / name for name in names])
    AssistStore(store.database).save_deployment(deployment)
    store.close()
    return store.path


def ray_workers() -> list[int]:
    """The pids of this session's pre-label worker actors (descendants of this process)."""
    parents: dict[int, int] = {}
    titles: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            titles[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])

    def ours(pid: int) -> bool:
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = parents.get(pid, 1)
        return False

    return [pid for pid, title in titles.items() if "PrelabelWorker" in title and ours(pid)]


@pytest.mark.ray
def test_a_worker_killed_mid_job_loses_no_image(tmp_path: Path, fake_oip, ray_cluster: None) -> None:
    fake_oip.delay_s = 0.15  # long enough for the kill to land mid-batch
    project = generated_project(tmp_path / "photos", 16, fake(fake_oip.url))
    deadline = time.monotonic() + 60
    while ray_workers() and time.monotonic() < deadline:
        time.sleep(0.05)  # the workers of earlier jobs are ending: only this job's may be killed
    outcome: list[int] = []
    job = threading.Thread(
        target=lambda: outcome.append(
            prelabel(project, "--deployment", "fake", "--ray", "auto", "--workers", "2")
        )
    )
    job.start()
    deadline = time.monotonic() + 60
    while fake_oip.infer_calls < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = ray_workers()
    assert workers, "the job's workers are running"
    os.kill(workers[0], signal.SIGKILL)
    job.join(timeout=120)
    assert outcome == [0]
    assert len(rows(project)["marks"]) == 16, "every image was answered"
    # Whether the killed worker was mid-batch (its batch is then asked again) or between batches is up to
    # timing; either way no image is lost, which is what is checked above.
    assert fake_oip.infer_calls >= 16
