"""Fixtures that build the real main window on a real project."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.widgets.main_window import MainWindow


@pytest.fixture
def make_window(qtbot) -> Iterator[Callable[..., MainWindow]]:  # type: ignore[no-untyped-def]
    """Open a MainWindow on a project (file, folder or team URL) and wait until its first image is on screen;
    `before_open(window)` may set its preferences first."""
    windows: list[MainWindow] = []

    def factory(location: Path | str, before_open: Callable[[MainWindow], None] | None = None) -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        if before_open is not None:
            before_open(window)
        with qtbot.waitSignal(window.canvas.imageShown, timeout=10_000):
            assert window.open_project(location)
        return window

    yield factory
    for w in windows:
        w.close()


@pytest.fixture
def team_url(pg_url: str, image_folder: Path) -> str:
    """A team project 'demo' of the photos in `image_folder` (their paths relative to it) with a box tag,
    published by 'owner' (tests/team has one without image files, for the document alone)."""
    from app.models import ImageRecord, Tag
    from app.store import ProjectStore
    from app.store.team.database import TeamDatabase

    url = pg_url + "?project=demo"
    store = ProjectStore(TeamDatabase.create(url, "owner"))
    store.add_images([ImageRecord(path=p.name) for p in sorted(image_folder.iterdir())])
    store.add_tag(Tag(name="car", color="#e6194b"))
    store.database.close()
    return url


@pytest.fixture
def make_team_window(
    make_window: Callable[..., MainWindow], team_url: str, image_folder: Path, qtbot
) -> Callable[[str], MainWindow]:  # type: ignore[no-untyped-def]
    """`make_team_window(name)`: a window with the team project open as that labeller, its images found in
    `image_folder`, listening for the other labellers' changes."""
    from app.document.team_access import shown_team_location

    def open_as(name: str) -> MainWindow:
        def as_labeller(window: MainWindow) -> None:
            window.prefs.labeller = name
            window.prefs.team_image_roots[shown_team_location(team_url)] = str(image_folder)

        window = make_window(team_url, before_open=as_labeller)
        qtbot.waitUntil(lambda: window.doc.team_listening, timeout=5000)
        return window

    return open_as


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
