"""Shared test setup: offscreen Qt, and every test gets its own settings, data and config dirs."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "resources" / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent / "support"))  # test servers shared by the layers

from fake_oip import FakeOip  # noqa: E402


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
