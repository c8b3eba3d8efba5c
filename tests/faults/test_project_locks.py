"""A project another program holds, and a disk that fills up: a message, nothing half-written, no crash.

- Two LabelAssists on one project file: the second is refused with a message naming the first (before,
  both wrote to it, each showing a stale copy of what the other changed). `labelassist export` still reads
  it beside the app; `labelassist import` is refused.
- A project locked by another program writing it (an SQLite transaction held open): edits are refused
  with a message and nothing changes; once it lets go, editing goes on and nothing reported is missing.
- A full disk (a 3 MiB tmpfs, mounted when running as root): the same, and an export to it leaves nothing.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from app.document import Document
from app.io.export import ExportOptions, export_project
from app.models import Box, Tag
from app.store import ProjectError
from app.store.schema import APPLICATION_ID
from app.widgets.main_window import MainWindow

REPO = Path(__file__).resolve().parents[2]

HOLD_OPEN = r"""
import sys
from PySide6.QtWidgets import QApplication
from app.document import Document
qt = QApplication([])
doc = Document()
doc.open_project(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
doc.close()
"""

HOLD_WRITE_LOCK = r"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("ready", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


class Holder:
    """Another process that holds the project (a script above) until `release()`."""

    def __init__(self, script: str, project: Path) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, str(project)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert self.process.stdout.readline() == "ready\n"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("\n")
            self.process.stdin.close()
            self.process.wait(timeout=30)
        self.process.stdout.close()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.full((64, 64, 3), 90, np.uint8))
    doc = Document()
    doc.open_project(folder)
    doc.add_tag(Tag(name="car"))
    doc.add_annotation(Box(x1=1, y1=1, x2=9, y2=9))
    path = doc.project_path
    doc.close()
    assert path is not None
    return path


@pytest.fixture
def holder() -> Iterator[list[Holder]]:
    made: list[Holder] = []
    yield made
    for h in made:
        h.release()


def _error_box(window: MainWindow) -> str:
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "error_box" and b.isVisible()]
    return boxes[-1].text() if boxes else ""


def test_a_second_app_on_one_project_is_refused_with_a_message(qtbot, project: Path, holder) -> None:
    first = Holder(HOLD_OPEN, project)
    holder.append(first)
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert not window.open_project(project)
    message = _error_box(window)
    assert f"'{project.name}' is open in another LabelAssist (process {first.process.pid})" in message
    assert window.doc.project_location is None  # nothing half-open

    done = subprocess.run(
        [sys.executable, "-m", "app", "export", str(project), "--format", "coco", "--out", str(project.parent / "out")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr  # reading it beside the app is fine
    refused = subprocess.run(
        [sys.executable, "-m", "app", "import", str(project), "--format", "coco", "--src", str(project.parent / "out")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 1 and "open in another LabelAssist" in refused.stderr

    first.release()
    assert window.open_project(project)
    assert len(window.doc.annotations) == 1


def test_edits_while_another_program_writes_the_project_are_refused_then_go_on(qapp, project: Path, holder):
    doc = Document()
    messages: list[str] = []
    doc.message.connect(messages.append)
    doc.open_project(project)
    try:
        other = Holder(HOLD_WRITE_LOCK, project)
        holder.append(other)
        before = dict(doc.annotations)
        doc.add_annotation(Box(x1=2, y1=2, x2=8, y2=8))
        assert doc.annotations == before
        assert "database is locked" in messages[-1] and "Nothing was changed" in messages[-1]
        assert not doc.undo_stack.canUndo() or doc.undo_stack.command(doc.undo_stack.index() - 1).isObsolete()
        other.release()
        doc.add_annotation(Box(x1=3, y1=3, x2=7, y2=7))
        kept = set(doc.annotations)
    finally:
        doc.close()
    doc.open_project(project)
    assert set(doc.annotations) == kept and len(kept) == 2
    doc.close()


def test_an_old_project_locked_by_another_program_is_refused_with_a_message(tmp_path: Path, holder) -> None:
    old = tmp_path / "old.labelassist"
    conn = sqlite3.connect(old)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a project of format 0: opening upgrades it
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    holder.append(Holder(HOLD_WRITE_LOCK, old))
    with pytest.raises(ProjectError, match="locked by another program"):
        Document().open_project(old)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MiB file system of its own (tmpfs), so that filling it up harms nothing else."""
    if os.geteuid() != 0:
        pytest.skip("filling a disk needs a small file system of its own: mounting a tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(bytes(65536))
                f.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_refuses_edits_with_a_message_and_loses_nothing(qapp, small_disk: Path) -> None:
    folder = small_disk / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.png"), np.full((64, 64, 3), 90, np.uint8))
    doc = Document()
    messages: list[str] = []
    doc.message.connect(messages.append)
    doc.open_project(folder)
    doc.add_tag(Tag(name="car"))
    for i in range(5):
        doc.add_annotation(Box(x1=i, y1=i, x2=i + 9, y2=i + 9))
    filler = _fill(small_disk)
    before = dict(doc.annotations)
    for i in range(20):
        doc.add_annotation(Box(x1=i, y1=i, x2=i + 5, y2=i + 5))
    assert doc.annotations == before
    assert "disk is full" in messages[-1] and "Nothing was changed" in messages[-1]
    project = doc.project_path
    assert project is not None
    with pytest.raises(OSError):
        export_project(project, small_disk / "export", ExportOptions("coco"))
    assert not [p for p in small_disk.iterdir() if p.name.startswith((".export", "export"))]  # nothing left

    filler.unlink()
    doc.add_annotation(Box(x1=30, y1=30, x2=40, y2=40))
    kept = dict(doc.annotations)
    doc.close()
    conn = sqlite3.connect(project)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    doc.open_project(project)
    assert doc.annotations.keys() == kept.keys() and len(kept) == 6
    doc.close()
    shutil.rmtree(folder)
