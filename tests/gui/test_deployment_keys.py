"""Choosing a deployment from the keyboard: Ctrl+1 … Ctrl+9 pick the n-th online deployment (the dropdown's
order), Ctrl+D cycles through them; the dropdown, the controller and the status bar agree."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from fake_oip import FakeOip
from gui_driver import key
from PySide6.QtCore import Qt

from app.models import Deployment
from app.widgets.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def servers() -> Iterator[list[FakeOip]]:
    started = [FakeOip() for _ in range(3)]
    yield started
    for s in started:
        s.stop()


def _dead_url() -> str:
    """A 127.0.0.1 port nobody listens on: its deployment never comes online."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _add_online(qtbot, w: MainWindow, name: str, url: str) -> Deployment:  # type: ignore[no-untyped-def]
    d = w.deployments.save(Deployment(name=name, url=url, model="fake"))
    qtbot.waitUntil(lambda: any(o.id == d.id for o in w.deployments.online()), timeout=15_000)
    return d


def _chosen(w: MainWindow) -> str | None:
    """The deployment both the controller and the dropdown show (they must agree)."""
    combo = w.intelligent_dock.combo
    assert combo.currentData() == w.assist.deployment_id
    d = w.assist.deployment
    if d is None:
        return None
    assert combo.currentText().startswith(d.name)
    return d.name


def _status(w: MainWindow) -> str:
    return w.statusBar().currentMessage()


@pytest.fixture
def three_online(make_window, image_folder, servers, qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    """face, an offline one, pose, hands — in that order; three online."""
    w = make_window(image_folder)
    _add_online(qtbot, w, "face", servers[0].url)
    dead = w.deployments.save(Deployment(name="dead", url=_dead_url(), model="fake"))
    _add_online(qtbot, w, "pose", servers[1].url)
    _add_online(qtbot, w, "hands", servers[2].url)
    assert [d.name for d in w.deployments.online()] == ["face", "pose", "hands"]
    assert dead.id not in {d.id for d in w.deployments.online()}
    return w


def test_ctrl_digit_picks_the_nth_online_deployment_skipping_offline(three_online, qtbot) -> None:
    w = three_online
    assert _chosen(w) is None
    key(qtbot, w, Qt.Key.Key_2, CTRL)
    assert _chosen(w) == "pose"  # the offline "dead", second in the list, is not counted
    assert "Deployment: pose (2 of 3 online)" in _status(w)
    key(qtbot, w, Qt.Key.Key_1, CTRL)
    assert _chosen(w) == "face"
    assert "Deployment: face (1 of 3 online)" in _status(w)
    key(qtbot, w, Qt.Key.Key_3, CTRL)
    assert _chosen(w) == "hands"
    assert w.doc.current_tag is None or w.doc.current_tag.name != "hands"  # Ctrl+3 is not the tag key 3


def test_ctrl_d_cycles_through_online_deployments_and_wraps(three_online, qtbot) -> None:
    w = three_online
    row = w.doc.row
    seen = []
    for _ in range(4):
        key(qtbot, w, Qt.Key.Key_D, CTRL)
        seen.append(_chosen(w))
        assert f"Deployment: {seen[-1]} (" in _status(w)
    assert seen == ["face", "pose", "hands", "face"]
    assert "(1 of 3 online)" in _status(w)
    assert w.doc.row == row  # Ctrl+D is not D (next image)


def test_ctrl_9_with_fewer_deployments_says_so_and_changes_nothing(three_online, qtbot) -> None:
    w = three_online
    key(qtbot, w, Qt.Key.Key_2, CTRL)
    assert _chosen(w) == "pose"
    key(qtbot, w, Qt.Key.Key_9, CTRL)
    assert _chosen(w) == "pose"
    assert "No online deployment 9" in _status(w) and "3 online" in _status(w)


def test_keys_without_any_online_deployment_say_so(make_window, image_folder, qtbot) -> None:
    w = make_window(image_folder)
    key(qtbot, w, Qt.Key.Key_1, CTRL)
    assert _chosen(w) is None
    assert "No online deployment 1" in _status(w) and "none online" in _status(w)
    key(qtbot, w, Qt.Key.Key_D, CTRL)
    assert _chosen(w) is None
    assert "No deployment online" in _status(w)


def test_the_choice_is_the_same_as_picking_it_in_the_dropdown(three_online, qtbot) -> None:
    """A key after a mouse pick counts from the dropdown's current entry."""
    w = three_online
    combo = w.intelligent_dock.combo
    index = combo.findText("pose", Qt.MatchFlag.MatchStartsWith)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert _chosen(w) == "pose"
    key(qtbot, w, Qt.Key.Key_D, CTRL)
    assert _chosen(w) == "hands"
    assert "Deployment: hands (3 of 3 online)" in _status(w)
