"""`labelassist prelabel` leaves in a project exactly what the app's own pre-label (Ctrl+Shift+M) leaves —
the same cached predictions under the same keys, the same pre-labelled marks, the same usage records, no
annotations — whether it asks the reference server from threads here or from a Ray Data job, or runs the
model in the Ray workers themselves; and the app shows those answers when the image is opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import prelabel, records_of
from projects import App, make_project, rows

from app.models import Deployment, LocalSpec


@pytest.fixture(scope="module")
def face_server(people_url: str) -> Deployment:
    return Deployment(name="face", url=people_url, model="face", rate_limit=50.0)


@pytest.fixture(scope="module")
def in_app(tmp_path_factory: pytest.TempPathFactory, face_server: Deployment, qapp) -> dict:  # type: ignore[no-untyped-def]
    """What the app's pre-label leaves in a project of five photos."""
    project = make_project(tmp_path_factory.mktemp("in-app"), deployment=face_server)
    app = App(project, "face")
    try:
        assert app.prelabel() == 5
    finally:
        app.close()
    return rows(project)


def test_threads_here_store_what_the_app_stores_and_the_app_shows_it(
    tmp_path: Path, face_server: Deployment, in_app: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(tmp_path, deployment=face_server)
    assert prelabel(project, "--deployment", "face", "--workers", "3") == 0
    stored = rows(project)
    assert stored == in_app
    assert len(stored["cache"]) == len(stored["marks"]) == len(stored["calls"]) == 5
    assert stored["annotations"] == 0
    out = capsys.readouterr()
    assert "Pre-labelled 5 of 5 image(s) with face (5 asked now, 0 had its answer already)" in out.out
    assert "5/5 images" in out.err and "0 failed" in out.err

    app = App(project, "face")  # opening a pre-labelled image shows its suggestions, asking nothing
    try:
        faces = app.open_row(2)  # grace_hopper.jpg (the first image was on screen before the choice)
        assert faces and all(key.startswith("face|") for key in faces)
    finally:
        app.close()
    assert rows(project)["calls"] == stored["calls"]


@pytest.mark.ray
def test_a_ray_data_job_stores_what_the_app_stores(
    tmp_path: Path, face_server: Deployment, in_app: dict, ray_cluster: None
) -> None:
    project = make_project(tmp_path, deployment=face_server)
    assert prelabel(project, "--deployment", "face", "--ray", "auto", "--workers", "2") == 0
    assert rows(project) == in_app


@pytest.mark.ray
def test_the_model_run_in_the_ray_workers_answers_as_the_server_does(
    tmp_path: Path, in_app: dict, ray_cluster: None
) -> None:
    project = make_project(tmp_path)  # no deployment yet: the run adds the local one of its model
    assert prelabel(project, "--model", "face", "--ray", "auto", "--workers", "2") == 0
    assert rows(project) == in_app  # its record took the first id, as the server's did in the app's project
    database, records = records_of(project)
    try:
        (d,) = records.deployments()
        assert (d.name, d.model, d.local) == ("face", "face", LocalSpec(people_model="face"))
    finally:
        database.close()
