"""Shared test setup: offscreen Qt, and every test gets its own settings, data and config dirs."""

from __future__ import annotations

import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "resources" / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))  # test servers shared by the layers

from fake_oip import FakeOip  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point preferences, window state and the demo project at a fresh folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("LABELASSIST_HOME", str(home))
    return home


@pytest.fixture
def fake_oip() -> Iterator[FakeOip]:
    """A small OIP server on 127.0.0.1 whose answers each test chooses (tests/support/fake_oip.py)."""
    server = FakeOip()
    yield server
    server.stop()


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """A folder with a few real sample photos."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("astronaut.jpg", "cat.png", "hand.jpg"):
        shutil.copy(SAMPLES / name, folder / name)
    return folder


@pytest.fixture(scope="session", autouse=True)
def gui_thread_gc(qapp):  # type: ignore[no-untyped-def]
    """As in the app: the cyclic collector runs on the GUI thread only (see app/gui_gc.py)."""
    from app import gui_gc

    gui_gc.install()
    yield


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A real PostgreSQL server for the whole session (tests/support/pg_cluster.py). Skipped where none is
    installed, unless LABELASSIST_REQUIRE_POSTGRES is set (`make test` sets it): then CI fails loudly instead
    of quietly skipping the team-project tests."""
    cluster = PgCluster()
    if cluster.skip_reason:
        if os.environ.get("LABELASSIST_REQUIRE_POSTGRES"):
            pytest.fail(f"LABELASSIST_REQUIRE_POSTGRES is set, but: {cluster.skip_reason}", pytrace=False)
        pytest.skip(cluster.skip_reason)
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database of its own for this test, dropped afterwards."""
    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:8]
    yield pg_cluster.create_database(name)
    # A test that crashed the server and failed before restarting it must not take the next tests down too.
    if not pg_cluster.running:
        pg_cluster.restart()
    pg_cluster.drop_database(name)


@pytest.fixture(scope="session")
def people_models() -> Path:
    """The people-pack model files (`make models` fetches them); the test is skipped without them."""
    from server.models_fetch import missing_models, models_dir

    if missing_models(models_dir()):
        pytest.skip(f"people-pack models are not in {models_dir()}; run `make models`")
    return models_dir()
