"""Fixtures that build the real main window on a real project."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.widgets.main_window import MainWindow


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[[Path], MainWindow]]:  # type: ignore[no-untyped-def]
    """Open a MainWindow on a project (file or folder) and wait until its first image is on screen."""
    windows: list[MainWindow] = []

    def factory(path: Path) -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        with qtbot.waitSignal(window.canvas.imageShown, timeout=10_000):
            assert window.open_project(path)
        return window

    yield factory
    for w in windows:
        w.close()


@pytest.fixture(scope="session")
def people_models() -> Path:
    """The people-pack model files (`make models` fetches them); the test is skipped without them."""
    from server.models_fetch import missing_models, models_dir

    if missing_models(models_dir()):
        pytest.skip(f"people-pack models are not in {models_dir()}; run `make models`")
    return models_dir()


@pytest.fixture(scope="session")
def people_url(people_models: Path) -> Iterator[str]:
    """The reference server with the people pack, on 127.0.0.1 and an ephemeral port."""
    from server.app import create_app
    from server.background import BackgroundServer
    from server.people.pack import load_people_pack
    from server.registry import ModelRegistry
    from server.settings import ServerSettings

    server = BackgroundServer(create_app(ModelRegistry(load_people_pack(people_models)), ServerSettings()))
    yield server.url
    server.stop()


@pytest.fixture(autouse=True)
def file_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tokens go to a real keyring backend that keeps its file in the test's own folder."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path_factory.mktemp("keyring") / "keyring.cfg")  # type: ignore[misc]
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield
    keyring.set_keyring(before)
