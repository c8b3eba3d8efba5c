"""The Deployments page: a local deployment as a real child process, remote ones with tokens kept in the
keyring, never in the project file."""

from __future__ import annotations

import os
import sqlite3
import threading

import keyring
import pytest
from assist_driver import use_deployment, wait_for_suggestions
from box_models import box_server
from gui_driver import key, on_dialog
from PySide6.QtCore import Qt

from app.inference import server_counts, usage_view
from app.inference.client import InferenceClient
from app.inference.secrets import SERVICE
from app.models import Deployment, LocalSpec, State
from app.store import ProjectStore
from app.store.assist_store import AssistStore
from app.widgets import deployments_page
from app.widgets.deployment_dialogs import LocalSettingsDialog
from app.widgets.remote_dialog import RemoteDialog


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_local_deployment_starts_answers_and_stops_with_the_app(
    make_window, image_folder, people_models, qtbot
) -> None:
    w = make_window(image_folder)
    d = w.deployments.add_local(LocalSpec(people_model="face"), "local face")
    assert w.deployments.status(d.id).state == State.STARTING
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state == State.ONLINE, timeout=60_000)
    url = w.deployments.get(d.id).url
    assert url.startswith("http://127.0.0.1:")
    pid = w.deployments.local._children[d.id].process.processId()
    combo = w.intelligent_dock.combo
    combo.setCurrentIndex(combo.findData(d.id))
    combo.activated.emit(combo.currentIndex())
    key(qtbot, w, Qt.Key.Key_M)
    wait_for_suggestions(qtbot, w)
    assert [s.label for s in w.assist.shown()] == ["face"]
    w.deployments_page.refresh()
    assert w.deployments_page.row_text(d.id)["Protocol"] == "local"
    w.close()  # quitting stops local servers: no orphan process
    assert not _alive(pid)


def test_stop_and_start_a_local_deployment(make_window, image_folder, people_models, qtbot) -> None:
    w = make_window(image_folder)
    d = w.deployments.add_local(LocalSpec(people_model="hands"), "local hands")
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state == State.ONLINE, timeout=60_000)
    w.deployments_page.select(d.id)
    assert w.deployments_page.stop_button.isEnabled()
    w.deployments_page.stop_button.click()
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state == State.STOPPED, timeout=10_000)
    assert w.intelligent_dock.combo.findData(d.id) == -1
    w.deployments_page.select(d.id)
    w.deployments_page.start_button.click()
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state == State.ONLINE, timeout=60_000)


def test_a_local_deployment_is_renamed_and_gets_its_prefetch_limit(
    make_window, image_folder, people_models, qtbot
) -> None:
    w = make_window(image_folder)
    d = w.deployments.add_local(LocalSpec(people_model="face"), "local face", rate_limit=0.5)
    assert w.deployments.get(d.id).rate_limit == 0.5
    w.deployments_page.select(d.id)
    assert w.deployments_page.edit_button.isEnabled()

    def edit(dialog: LocalSettingsDialog) -> None:
        dialog.name.setText("faces here")
        dialog.rate.setValue(3.0)
        dialog.accept()

    errors = on_dialog(LocalSettingsDialog, edit)
    w.deployments_page.edit_button.click()
    assert errors == []
    edited = w.deployments.get(d.id)
    assert (edited.name, edited.rate_limit, edited.local) == (
        "faces here",
        3.0,
        LocalSpec(people_model="face"),
    )
    assert w.deployments.status(d.id).state in (State.STARTING, State.ONLINE)  # the server was left running
    path = w.doc.project_path
    w.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM deployments").fetchone()[0] == 1
        (raw,) = conn.execute("SELECT name FROM deployments").fetchone()
    assert raw == "faces here"


def test_remote_deployment_dialog_keeps_the_token_in_the_keyring(
    make_window, image_folder, people_url, qtbot
) -> None:
    w = make_window(image_folder)
    secret = "s3cr3t-token-value"

    def fill(dialog: RemoteDialog) -> None:
        dialog.name.setText("team faces")
        dialog.url.setText(people_url + "/")
        dialog.model.setText("face")
        dialog.token.setText(secret)
        dialog.test_button.click()
        qtbot.waitUntil(lambda: dialog.result.text().startswith("Online"), timeout=10_000)
        assert "model 'face' mediapipe-0.10.21, task detect" in dialog.result.text()
        dialog.accept()

    errors = on_dialog(RemoteDialog, fill)
    w.deployments_page.add_remote_button.click()
    assert errors == []
    d = next(x for x in w.deployments.all() if x.name == "team faces")
    assert d.url == people_url and d.has_token
    assert keyring.get_password(SERVICE, f"team faces @ {people_url}") == secret
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state == State.ONLINE, timeout=15_000)
    path = w.doc.project_path
    w.close()
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert secret.encode() not in raw, "the token never reaches the project file"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM deployments").fetchone()[0] == 1


def test_opening_another_project_stops_its_local_deployments(
    make_window, image_folder, people_models, tmp_path, qtbot
) -> None:
    w = make_window(image_folder)
    d = w.deployments.add_local(LocalSpec(people_model="face"), "local face")
    qtbot.waitUntil(lambda: w.deployments.status(d.id).state == State.ONLINE, timeout=60_000)
    pid = w.deployments.local._children[d.id].process.processId()
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.jpg").write_bytes((image_folder / "astronaut.jpg").read_bytes())
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        assert w.open_project(other)
    assert w.deployments.all() == [] and not _alive(pid)
    assert w.intelligent_dock.combo.findData(d.id) == -1


def test_test_connection_says_why_a_deployment_is_not_usable(
    make_window, image_folder, people_url, qtbot
) -> None:
    w = make_window(image_folder)
    dialog = RemoteDialog(w.deployments.client, w)
    dialog.name.setText("typo")
    dialog.url.setText(people_url)
    dialog.model.setText("facee")
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.result.text().startswith("Not usable"), timeout=10_000)
    assert "HTTP 404 (check the model name)" in dialog.result.text()
    dialog.reject()


def test_usage_figures_are_read_off_the_gui_thread_and_follow_the_work(
    make_window, image_folder, fake_oip, monkeypatch, qtbot
) -> None:
    on_gui_thread: list[bool] = []
    real_read = usage_view.read_usage

    def recording_read(project, deployment_ids):  # type: ignore[no-untyped-def]
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        return real_read(project, deployment_ids)

    monkeypatch.setattr(usage_view, "read_usage", recording_read)
    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "fake", fake_oip.url, "fake")
    assert w.deployments_page.row_text(d.id)["Calls"] in ("—", "0")
    key(qtbot, w, Qt.Key.Key_M)  # two boxes, one above the threshold
    wait_for_suggestions(qtbot, w)
    qtbot.waitUntil(lambda: w.deployments_page.row_text(d.id)["Calls"] == "1", timeout=10_000)
    key(qtbot, w, Qt.Key.Key_S)
    w.tabs.setCurrentWidget(w.deployments_page)  # a shown page reads the figures again
    qtbot.waitUntil(lambda: w.deployments_page.row_text(d.id)["Committed"] == "1", timeout=10_000)
    assert on_gui_thread and not any(on_gui_thread)


def test_usage_read_for_a_project_closed_since_is_dropped(tmp_path, monkeypatch, qtbot) -> None:
    projects = []
    for name, calls in (("a", 1), ("b", 2)):
        store = ProjectStore.create(tmp_path / f"{name}.labelassist")
        records = AssistStore(store.database)
        d = records.save_deployment(Deployment(name="d", url="http://h", model="m"))  # the same id in both
        for _ in range(calls):
            records.record_call(d.id, ok=True, latency_ms=5.0)
        store.close()
        projects.append(store.path)
    reading_a, release = threading.Event(), threading.Event()
    real_read = usage_view.read_usage

    def slow_for_a(project, deployment_ids):  # type: ignore[no-untyped-def]
        if project == projects[0]:
            reading_a.set()
            release.wait(10)
        return real_read(project, deployment_ids)

    monkeypatch.setattr(usage_view, "read_usage", slow_for_a)
    view = usage_view.UsageView()
    try:
        view.set_project(projects[0])
        view.refresh([d.id])
        assert reading_a.wait(10)
        view.set_project(projects[1])  # while a's figures are being read
        release.set()
        with qtbot.waitSignal(view.changed, timeout=10_000):
            view.refresh([d.id])
        assert view.get(d.id).calls == 2  # b's figures: a's read arrived first and was dropped
        view.set_project(None)
        assert view.get(d.id) is None
    finally:
        release.set()
        view.stop()


@pytest.fixture
def three_models(monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """A reference server with three models; the page's refresh tick never comes during the test, so a count
    on screen can only come from asking when the page opens or when a call ends."""
    monkeypatch.setattr(deployments_page, "REFRESH_MS", 3_600_000)
    monkeypatch.setattr(server_counts, "EVERY_MS", 300)  # the per-deployment limit, shorter to save time
    with box_server("face", "person-segmentation", "pose") as url:
        yield url


def _call(qtbot, w, d: Deployment, again: bool = False) -> None:  # type: ignore[no-untyped-def]
    """One model call made by the app (M, or Shift+M to ask again), waited for until it is logged."""
    calls = len(w.deployments.log.entries(d.id))
    w.assist.assist(refresh=again)
    qtbot.waitUntil(
        lambda: len(w.deployments.log.entries(d.id)) == calls + 1 and not w.assist.busy, timeout=10_000
    )
    assert w.deployments.log.entries(d.id)[0].status == 200


def _server_count(w, d: Deployment) -> str:  # type: ignore[no-untyped-def]
    return w.deployments_page.row_text(d.id)["Server count"]


def test_server_count_is_each_models_own_as_soon_as_the_page_opens(
    make_window, image_folder, three_models, qtbot
) -> None:
    w = make_window(image_folder)
    face = use_deployment(qtbot, w, "faces", three_models, "face")
    _call(qtbot, w, face)
    pose = use_deployment(qtbot, w, "poses", three_models, "pose")
    seg = use_deployment(qtbot, w, "people", three_models, "person-segmentation")
    for n in range(3):
        _call(qtbot, w, seg, again=n > 0)
    w.tabs.setCurrentWidget(w.deployments_page)
    qtbot.waitUntil(lambda: _server_count(w, seg).startswith("3 inferences"), timeout=10_000)
    qtbot.waitUntil(lambda: _server_count(w, face).startswith("1 inference,"), timeout=10_000)
    qtbot.waitUntil(lambda: _server_count(w, pose) == "0 inferences", timeout=10_000)
    assert "counted by its server" in _cell_tip(w, seg)


def test_server_count_moves_soon_after_a_call_while_the_page_is_shown(
    make_window, image_folder, three_models, qtbot
) -> None:
    w = make_window(image_folder)
    face = use_deployment(qtbot, w, "faces", three_models, "face")
    seg = use_deployment(qtbot, w, "people", three_models, "person-segmentation")
    w.tabs.setCurrentWidget(w.deployments_page)
    qtbot.waitUntil(lambda: _server_count(w, seg) == "0 inferences", timeout=10_000)
    for n in range(1, 3):
        _call(qtbot, w, seg, again=n > 1)
        qtbot.waitUntil(lambda n=n: _server_count(w, seg).startswith(f"{n} inference"), timeout=10_000)
    assert _server_count(w, face) == "0 inferences"


def test_server_counts_are_asked_at_most_once_per_interval(
    make_window, image_folder, three_models, monkeypatch, qtbot
) -> None:
    monkeypatch.setattr(server_counts, "EVERY_MS", 3_600_000)
    asked: list[str] = []
    real_stats = InferenceClient.stats

    def counting_stats(self, d, token, version=""):  # type: ignore[no-untyped-def]
        asked.append(d.model)
        return real_stats(self, d, token, version)

    monkeypatch.setattr(InferenceClient, "stats", counting_stats)
    w = make_window(image_folder)
    seg = use_deployment(qtbot, w, "people", three_models, "person-segmentation")
    w.tabs.setCurrentWidget(w.deployments_page)
    qtbot.waitUntil(lambda: _server_count(w, seg) == "0 inferences", timeout=10_000)
    counts = w.deployments_page.server_counts
    _call(qtbot, w, seg)
    for _ in range(5):
        counts.ask()
    assert not counts._asking, "nothing is sent before the interval is over"
    assert counts._later.isActive(), "the count is asked again once it is"
    assert asked == ["person-segmentation"]


def test_server_count_is_a_dash_for_a_server_without_statistics(
    make_window, image_folder, fake_oip, monkeypatch, qtbot
) -> None:
    monkeypatch.setattr(deployments_page, "REFRESH_MS", 3_600_000)
    w = make_window(image_folder)
    d = use_deployment(qtbot, w, "fake", fake_oip.url, "fake")
    w.tabs.setCurrentWidget(w.deployments_page)
    qtbot.waitUntil(lambda: "no statistics route" in _cell_tip(w, d), timeout=10_000)
    assert _server_count(w, d) == "—"


def _cell_tip(w, d: Deployment) -> str:  # type: ignore[no-untyped-def]
    page = w.deployments_page
    for row in range(page.table.rowCount()):
        item = page.table.item(row, deployments_page.COLUMNS.index("Server count"))
        if item.data(Qt.ItemDataRole.UserRole) == d.id:
            return item.toolTip()
    return ""
