"""Team projects in the real window: two labellers, each with a MainWindow of their own, on one team project
on the session's PostgreSQL. What one does shows on the other's screen; the server going away shows."""

from __future__ import annotations

import keyring
from gui_driver import drag, export_coco, key, on_dialog
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog

from app import __version__
from app.document.team_access import remember_team_password, shown_team_location, with_password
from app.models import Deployment, Review
from app.session import ProjectError
from app.store.assist_store import AssistStore
from app.store.team.address import KEYRING_SERVICE, TeamAddress
from app.store.team.database import TeamDatabase
from app.widgets import team_dialogs
from app.widgets.images_dock import TO_DO
from app.widgets.team_banner import OFFLINE_TEXT
from app.widgets.team_dialogs import PasswordDialog, TeamProjectDialog


def row_text(window, row: int) -> str:  # type: ignore[no-untyped-def]
    model = window.annotator.images_dock.model
    return model.data(model.index(row))


def drawn_text(window, row: int, width: int) -> str:  # type: ignore[no-untyped-def]
    """A row's text as the Images list draws it `width` pixels wide."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QStyleOptionViewItem

    view = window.annotator.images_dock.list
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = QRect(0, 0, width, 20)
    view.itemDelegate().initStyleOption(option, view.model().index(row, 0))
    return option.text


def wrapped_lines(label, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    """A word-wrapped label's text, line by line, as it is laid out `width` pixels wide."""
    from PySide6.QtGui import QTextLayout, QTextOption

    layout = QTextLayout(label.text(), label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    lines = []
    layout.beginLayout()
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        lines.append(label.text()[line.textStart() : line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def use(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """Bring a window to the front: its shortcuts answer only while it is the active one."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)


def test_two_labellers_see_each_others_hold_work_and_the_server_going_away(
    make_team_window, pg_cluster, qtbot
) -> None:
    alice = make_team_window("alice")
    bob = make_team_window("bob")
    assert alice.windowTitle() == f"demo — team, as alice — LabelAssist {__version__}"
    assert alice.doc.current_image == bob.doc.current_image  # both start on the first image: alice holds it
    assert "held by alice" in row_text(bob, 0) and "held by" not in row_text(alice, 0)
    narrow = drawn_text(bob, 0, 170)  # a narrow dock shortens the name, never who holds the image
    assert narrow.endswith("new  ·  held by alice") and "…" in narrow, narrow
    banner = bob.annotator.team_banner
    assert banner.isVisible() and banner.text() == "alice is working on this image — read\u2011only"
    assert "read\u2011only" in wrapped_lines(banner, 120)[-1]  # a narrow canvas wraps before it, not inside
    assert not alice.annotator.team_banner.isVisible()

    use(qtbot, alice)
    key(qtbot, alice, Qt.Key.Key_R)
    drag(qtbot, alice, (40, 40), (160, 120))
    (box,) = alice.doc.annotations.values()
    qtbot.waitUntil(lambda: list(bob.canvas.annotation_scene.items_by_id) == [box.id], timeout=5000)
    assert "by alice" in bob.annotator.annotations_dock.list.item(0).text()

    use(qtbot, bob)
    key(qtbot, bob, Qt.Key.Key_N)  # the next image to do that no one holds: bob's to edit
    assert bob.doc.row == 1 and not banner.isVisible()
    qtbot.waitUntil(lambda: "held by bob" in row_text(alice, 1), timeout=5000)

    pg_cluster.stop_immediate()
    qtbot.waitUntil(lambda: alice.annotator.team_banner.offline, timeout=10_000)
    assert alice.annotator.team_banner.text() == OFFLINE_TEXT
    pg_cluster.restart()
    qtbot.waitUntil(lambda: not alice.annotator.team_banner.isVisible(), timeout=20_000)
    assert alice.doc.team_online and list(alice.doc.annotations) == [box.id]


def test_open_team_project_dialog_asks_no_password_in_the_address_and_remembers_the_rest(
    make_window, team_url, image_folder, qtbot
) -> None:
    w = make_window(image_folder)  # a project file to start from
    shown = shown_team_location(team_url)

    def fill(dialog: TeamProjectDialog) -> None:
        open_button = dialog.buttons.button(QDialogButtonBox.StandardButton.Open)
        dialog.url.setText(with_password(team_url, "s3cret"))
        dialog.labeller.setText("carol")
        dialog.folder.setText(str(image_folder))
        open_button.click()
        assert dialog.isVisible() and "password" in dialog.problem.text()
        dialog.url.setText(team_url)
        open_button.click()

    errors = on_dialog(TeamProjectDialog, fill)
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        w.actions_by_id["open_team_project"].trigger()
    assert errors == []
    assert w.doc.is_team and w.doc.project_location == shown
    assert w.windowTitle().startswith("demo — team, as carol")
    assert w.prefs.labeller == "carol" and w.prefs.recent_projects[0] == shown
    assert w.prefs.team_image_roots == {shown: str(image_folder)}
    assert not w.actions_by_id["accept_image"].isEnabled()  # carol labels; reviewing is for reviewers


def test_a_password_the_server_asks_for_is_typed_in_a_dialog_and_kept_only_in_the_keyring(
    make_window, team_url, image_folder, monkeypatch, qtbot
) -> None:
    w = make_window(image_folder)
    w.prefs.labeller = "erin"
    shown = shown_team_location(team_url)
    w.prefs.team_image_roots[shown] = str(image_folder)
    real_open, tried = w.doc.open_project, []

    def open_project(location, image_root=None, **options):  # type: ignore[no-untyped-def]
        tried.append(location)
        if len(tried) == 1:  # the test server trusts everyone: this is what libpq says when it does not
            raise ProjectError(
                f"The team database cannot be reached ({shown}): fe_sendauth: no password supplied"
            )
        real_open(location, image_root, **options)

    monkeypatch.setattr(w.doc, "open_project", open_project)

    def answer(dialog: PasswordDialog) -> None:
        dialog.password.setText("s3cret-pw")
        dialog.remember.setChecked(True)
        dialog.accept()

    errors = on_dialog(PasswordDialog, answer)
    with qtbot.waitSignal(w.canvas.imageShown, timeout=10_000):
        assert w.open_project(team_url)
    assert errors == [] and tried == [team_url, with_password(team_url, "s3cret-pw")]
    assert w.doc.project_location == shown and w.prefs.recent_projects[0] == shown
    assert "s3cret" not in w.prefs.model_dump_json()
    assert keyring.get_password(KEYRING_SERVICE, TeamAddress.parse(team_url).keyring_account) == "s3cret-pw"


def test_first_team_project_asks_the_name_and_the_image_folder_once(
    make_window, team_url, image_folder, monkeypatch, qtbot
) -> None:
    asked: list[object] = []

    def folder(parent, project, start):  # type: ignore[no-untyped-def]
        asked.append((project, start))
        shown_meanwhile.append((parent.doc.current_image, parent.canvas.message))  # no image read yet
        return image_folder

    shown_meanwhile: list[object] = []

    monkeypatch.setattr(team_dialogs, "ask_image_folder", folder)
    errors = on_dialog(QInputDialog, lambda d: (d.setTextValue("dave"), d.accept()))
    w = make_window(team_url)
    assert errors == [] and asked == [("demo", None)]  # no published folder to suggest
    assert shown_meanwhile == [(None, "")]
    assert w.doc.labeller == "dave" and w.doc.current_path() == image_folder / w.doc.current_image.path
    assert w.prefs.team_image_roots == {shown_team_location(team_url): str(image_folder)}


def test_a_reviewer_rejects_with_a_note_and_the_image_counts_as_to_do(
    make_window, image_folder, qtbot
) -> None:
    w = make_window(image_folder)  # on a project file anyone may review
    dock = w.annotator.images_dock
    w.doc.toggle_done()
    errors = on_dialog(QInputDialog, lambda d: (d.setTextValue("the cat's tail"), d.accept()))
    w.actions_by_id["reject_image"].trigger()
    assert errors == []
    image = w.doc.current_image
    assert image.review == Review.REJECTED and image.review_note == "the cat's tail"
    assert "✗ rejected" in row_text(w, w.doc.row)
    assert "the cat's tail" in dock.model.data(dock.model.index(w.doc.row), Qt.ItemDataRole.ToolTipRole)
    key(qtbot, w, Qt.Key.Key_D)
    dock.status_box.setCurrentIndex(dock.status_box.findData(TO_DO))
    listed = {dock.proxy.mapToSource(dock.proxy.index(r, 0)).row() for r in range(dock.proxy.rowCount())}
    assert w.doc.row_of(image.id) in listed
    dock.review_box.setCurrentIndex(dock.review_box.findData(Review.ACCEPTED))
    assert dock.proxy.rowCount() == 1  # only the image on screen, which always stays listed


def test_a_remembered_password_goes_to_the_keyring_and_never_into_the_address() -> None:
    url = "postgresql://ann@db.example:5432/labels?project=demo"
    assert remember_team_password(url, "pw")
    assert keyring.get_password(KEYRING_SERVICE, TeamAddress.parse(url).keyring_account) == "pw"
    typed = with_password(url, "p@ss:word")
    assert TeamAddress.parse(typed).redacted == shown_team_location(url) and "p%40ss" in typed


def test_the_deployments_page_counts_each_labellers_calls_in_a_team_project(
    make_team_window, team_url, qtbot
) -> None:
    w = make_team_window("alice")
    d = w.deployments.save(Deployment(name="remote", url="http://127.0.0.1:9", model="m"))
    w.doc.session.assist_records.record_call(d.id, ok=True, latency_ms=5.0)
    bob = TeamDatabase.open(team_url, "bob")
    try:
        for _ in range(2):
            AssistStore(bob).record_call(d.id, ok=False, latency_ms=None)
    finally:
        bob.close()
    w.tabs.setCurrentWidget(w.deployments_page)  # a shown page reads the figures again, off the GUI thread
    page = w.deployments_page
    qtbot.waitUntil(lambda: page.by_labeller.text() == "remote — by labeller: bob 2 · alice 1", timeout=5000)
    assert page.row_text(d.id)["Calls"] == "3"


def test_a_team_project_exports_through_a_connection_of_the_workers_own(
    make_team_window, tmp_path, qtbot
) -> None:
    w = make_team_window("alice")
    use(qtbot, w)
    key(qtbot, w, Qt.Key.Key_R)
    drag(qtbot, w, (40, 40), (160, 120))
    report, coco = export_coco(qtbot, w, tmp_path / "out")
    assert "Exported 3 image(s) and 1 annotation(s)" in report
    assert [c["name"] for c in coco["categories"]] == ["car"] and len(coco["annotations"]) == 1
