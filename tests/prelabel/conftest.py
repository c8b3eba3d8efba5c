"""Pre-labelling whole projects: one local Ray for the session, the reference server with the people pack,
and small real projects of sample photos."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.prelabel.cli import main as prelabel_main
from app.store.assist_store import AssistStore
from app.store.database import ProjectDatabase


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """A local Ray on this machine's two CPUs, for every test that runs a job on Ray."""
    ray = pytest.importorskip("ray", reason="Ray is the cluster extra: pip install -e '.[cluster]'")
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield
    ray.shutdown()


@pytest.fixture(scope="session")
def people_url(people_models: Path) -> Iterator[str]:
    """The reference server with the face model, on 127.0.0.1 and an ephemeral port."""
    from server.app import create_app
    from server.background import BackgroundServer
    from server.people.pack import load_people_pack
    from server.registry import ModelRegistry

    face = [m for m in load_people_pack(people_models) if m.info.name == "face"]
    server = BackgroundServer(create_app(ModelRegistry(face)))
    yield server.url
    server.stop()


def prelabel(*args: str | Path) -> int:
    """`labelassist prelabel ARGS`, as typed."""
    return prelabel_main(["prelabel", *(str(a) for a in args)])


def records_of(project: Path) -> tuple[ProjectDatabase, AssistStore]:
    database = ProjectDatabase.open(project)
    return database, AssistStore(database)
