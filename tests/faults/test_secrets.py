"""Deployment tokens stay in the keyring: after the real window has used them (a token the server takes, one
it refuses, one sent as Roboflow's ?api_key=), none is in the project file, the preferences, the window
settings, the log (every logger at DEBUG), the request log, a status line or anything printed."""

from __future__ import annotations

import base64
import io
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from kill_models import SAMPLES, ScatterModel

from app.models import Deployment, Protocol
from app.models.deployment import AuthStyle
from app.widgets.main_window import MainWindow
from server.app import create_app
from server.background import BackgroundServer
from server.registry import ModelRegistry
from server.settings import ServerSettings

GOOD = "tok-" + os.urandom(12).hex()
WRONG = "wrong-" + os.urandom(12).hex()
QUERY = "api-" + os.urandom(12).hex()


@pytest.fixture
def file_keyring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real keyring backend that keeps its file apart: the one place the tokens belong."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path_factory.mktemp("keyring") / "keyring.cfg")  # type: ignore[misc]
    before = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield Path(backend.file_path)
    keyring.set_keyring(before)


@pytest.fixture
def every_log() -> Iterator[io.StringIO]:
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield text
    root.removeHandler(handler)
    root.setLevel(level)


def _wait(qtbot, condition) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(condition, timeout=20_000)


def test_tokens_are_never_written_outside_the_keyring(
    qtbot, tmp_path: Path, isolated_home: Path, file_keyring: Path, every_log: io.StringIO, capfd
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(SAMPLES / "astronaut.jpg", folder / "astronaut.jpg")
    whole = (SAMPLES / "astronaut.jpg").read_bytes()
    (folder / "cut short.jpg").write_bytes(whole[: len(whole) // 3])  # sent, and refused by the server
    seen: list[str] = []
    with BackgroundServer(create_app(ModelRegistry([ScatterModel()]), ServerSettings(token=GOOD))) as server:
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        window.statusBar().messageChanged.connect(seen.append)
        window.assist.status.connect(seen.append)
        window.deployments.message.connect(seen.append)
        assert window.open_project(folder)
        deployments = window.deployments
        good = deployments.save(Deployment(name="good", url=server.url, model="scatter"), GOOD)
        wrong = deployments.save(Deployment(name="wrong", url=server.url, model="scatter"), WRONG)
        query = Deployment(
            name="query", url=server.url, model="p/1", protocol=Protocol.ROBOFLOW, auth=AuthStyle.QUERY
        )
        query = deployments.save(query, QUERY)
        _wait(qtbot, lambda: any(d.id == good.id for d in deployments.online()))
        _wait(qtbot, lambda: "checking" not in deployments.status(wrong.saved_id).message)
        window.assist.select_deployment(good.id)
        for row in range(len(window.doc.images)):  # an answer, and a failure (a cut-short image)
            window.doc.go_to_row(row)
            window.assist.assist()
            _wait(qtbot, lambda: not window.assist.busy)
        _wait(qtbot, lambda: "checking" not in deployments.status(query.saved_id).message)
        window.assist.select_deployment(query.id)
        window.assist.assist()
        _wait(qtbot, lambda: not window.assist.busy)
        statuses = [deployments.status(d.saved_id).message for d in deployments.all()]
        logged = [repr(e) for d in deployments.all() for e in deployments.log.entries(d.saved_id)]
        assert len(logged) >= 2, logged  # the request log has an answer and a failure
        project = window.doc.project_path
        window.close()  # writes the window settings
    out, err = capfd.readouterr()

    written = {p: p.read_bytes() for root in (folder, isolated_home) for p in root.rglob("*") if p.is_file()}
    assert project in written and any(p.name == "window.ini" for p in written)
    assert any(p.name == "preferences.json" for p in written)
    said = "\n".join([every_log.getvalue(), out, err, *seen, *statuses, *logged])
    for token in (GOOD, WRONG, QUERY):
        forms = (token.encode(), base64.b64encode(token.encode()))  # as it is, or lightly hidden
        assert forms[1] in file_keyring.read_bytes()  # where it belongs
        assert not [p for p, data in written.items() if any(f in data for f in forms)], token
        assert token not in said, said[max(0, said.find(token) - 200) : said.find(token) + 50]
