"""The window is on screen before the heavy parts are loaded: `labelassist` shows the frame (title, menus,
status bar) first and builds the document, the models and the pages from the event loop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QMenu

from app.widgets.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]
# What the frame must not wait for: each costs tens of milliseconds to import, or more on a slow disk.
HEAVY = (
    "numpy",
    "cv2",
    "pydantic",
    "psycopg",
    "requests",
    "keyring",
    "pyqtgraph",
    "app.document",
    "app.assist",
)

SHOW_FRAME = """
import json, sys
from PySide6.QtWidgets import QApplication
from app.widgets.main_window import MainWindow
app = QApplication([])
window = MainWindow(build=False)
window.show()
app.processEvents()
menus = [a.text() for a in window.menuBar().actions()]
print(json.dumps({"loaded": [m for m in HEAVY if m in sys.modules], "menus": menus, "title": window.windowTitle()}))
"""


def test_the_frame_shows_before_the_heavy_modules_are_imported(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{SHOW_FRAME}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout.strip().splitlines()[-1])
    assert shown["loaded"] == []
    assert shown["title"] == "LabelAssist"
    assert shown["menus"][:3] == ["File", "Edit", "Images"]


def test_keys_before_the_build_do_nothing_and_work_after_it(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(build=False)
    qtbot.addWidget(window)
    window.show()
    window.actions_by_id["next_image"].trigger()  # the frame has no document yet: nothing happens
    window.actions_by_id["help"].trigger()
    assert not window.built and not hasattr(window, "doc")
    window.help.hide()

    window.build()
    assert window.built
    recent = [a.menu() for a in window.menuBar().actions()[0].menu().actions() if isinstance(a.menu(), QMenu)]
    assert recent, "File → Recent projects is there from the start"
    with qtbot.waitSignal(window.canvas.imageShown, timeout=10_000):
        assert window.open_project(_folder_of_two(tmp_path))
    window.actions_by_id["next_image"].trigger()
    assert window.doc.row == 1
    window.close()


def _folder_of_two(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    samples = sorted((REPO / "resources" / "samples").glob("*.jpg"))[:2]
    for sample in samples:
        (folder / sample.name).write_bytes(sample.read_bytes())
    return folder


def test_work_after_the_first_paint_waits_for_the_paint(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    from app.widgets.first_paint import after_first_paint

    label = QLabel("Opening…")
    qtbot.addWidget(label)
    ran: list[bool] = []
    after_first_paint(label, lambda: ran.append(label.isVisible()))
    qtbot.wait(50)
    assert ran == []  # never painted: nothing runs
    label.show()
    qtbot.waitUntil(lambda: ran == [True], timeout=5_000)
    label.repaint()
    qtbot.wait(50)
    assert ran == [True]  # once only


def test_a_window_never_painted_still_gets_its_work_done(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLabel

    from app.widgets.first_paint import after_first_paint

    label = QLabel()
    qtbot.addWidget(label)
    ran: list[int] = []
    after_first_paint(label, lambda: ran.append(1), fallback_ms=100)
    qtbot.waitUntil(lambda: ran == [1], timeout=5_000)


def test_work_that_opens_a_dialog_runs_once_and_leaves_no_error(qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QLabel

    from app.widgets.first_paint import after_first_paint

    label = QLabel("Opening…")
    qtbot.addWidget(label)
    ran: list[int] = []

    def ask_a_name() -> (
        None
    ):  # as the team-project dialogs do: a nested event loop, while the fallback is due
        ran.append(1)
        loop = QEventLoop()
        QTimer.singleShot(300, loop.quit)
        loop.exec()

    after_first_paint(label, ask_a_name, fallback_ms=100)
    label.show()
    qtbot.wait(600)  # pytest-qt fails the test on an exception raised in a slot
    assert ran == [1]
