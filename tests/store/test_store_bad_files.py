"""Files that are not (usable) projects: a clear error, and the file is left exactly as it was."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from app.models import Annotation, Box, ImageRecord, Tag
from app.store import NewerProjectError, NotAProjectError, ProjectStore, ReadOnlyProjectError
from app.store.schema import SCHEMA_VERSION


def _png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    ihdr = (1).to_bytes(4, "big") + (1).to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


NOT_SQLITE = {
    "text": b"name,x,y\ncat,1,2\n",
    "empty": b"",
    "random": random.Random(7).randbytes(8192),
    "png": _png_bytes(),
    "almost-sqlite": b"SQLite format 2\x00" + bytes(84),
}


def _make_project(path: Path) -> None:
    store = ProjectStore.create(path)
    (img,) = store.add_images([ImageRecord(path="a.jpg")])
    tag = store.add_tag(Tag(name="cat"))
    store.add_annotations([Annotation(image_id=img.id, tag_id=tag.id, geometry=Box(x1=0, y1=0, x2=5, y2=5))])
    store.close()


@pytest.mark.parametrize("kind", sorted(NOT_SQLITE))
def test_file_that_is_not_a_database(kind, project_path, snapshot):
    project_path.write_bytes(NOT_SQLITE[kind])
    before = snapshot(project_path)
    with pytest.raises(NotAProjectError, match="is not a LabelAssist project"):
        ProjectStore.open(project_path)
    with pytest.raises(NotAProjectError):
        ProjectStore.open_or_create(project_path)
    assert snapshot(project_path) == before


def test_another_apps_database(tmp_path, snapshot):
    path = tmp_path / "contacts.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE contacts(name TEXT, phone TEXT); INSERT INTO contacts VALUES ('Ann', '123');"
    )
    conn.close()
    before = snapshot(path)
    with pytest.raises(NotAProjectError, match="SQLite database but not a LabelAssist project"):
        ProjectStore.open(path)
    assert snapshot(path) == before


def test_another_apps_database_with_an_uncheckpointed_wal(tmp_path, snapshot):
    """The other app was killed with its edits still in its WAL: we must not checkpoint them for it."""
    path = tmp_path / "other.db"
    child = subprocess.Popen(
        [sys.executable, "-c", _FOREIGN_WAL_WRITER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        child.stdin.close()
    wal = tmp_path / "other.db-wal"
    assert wal.stat().st_size > 0
    before = snapshot(path), hashlib.sha256(wal.read_bytes()).hexdigest()

    with pytest.raises(NotAProjectError, match="not a LabelAssist project"):
        ProjectStore.open(path)
    assert (snapshot(path), hashlib.sha256(wal.read_bytes()).hexdigest()) == before


_FOREIGN_WAL_WRITER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("CREATE TABLE notes(body TEXT)")
for i in range(50):
    conn.execute("INSERT INTO notes VALUES (?)", (f"note {i}",))
print("ready", flush=True)
sys.stdin.readline()
"""


def test_project_from_a_newer_version(project_path, snapshot):
    _make_project(project_path)
    conn = sqlite3.connect(project_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = snapshot(project_path)
    with pytest.raises(
        NewerProjectError, match=rf"newer LabelAssist \(project format 99; .* up to {SCHEMA_VERSION}\)"
    ):
        ProjectStore.open(project_path)
    assert snapshot(project_path) == before


def test_read_only_project_file(project_path, snapshot):
    # Root may write any file, so os.access() alone says "writable": the store must honour the mode bits.
    _make_project(project_path)
    os.chmod(project_path, 0o444)
    try:
        before = snapshot(project_path)
        with pytest.raises(ReadOnlyProjectError, match="read-only"):
            ProjectStore.open(project_path)
        with pytest.raises(ReadOnlyProjectError):
            ProjectStore.open_or_create(project_path)
        assert snapshot(project_path) == before
    finally:
        os.chmod(project_path, 0o644)


def test_project_file_this_user_cannot_write(project_path, snapshot, monkeypatch):
    """A non-root user without write permission (here: os.access says no for the file)."""
    _make_project(project_path)
    before = snapshot(project_path)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: Path(p) != project_path and real_access(p, mode, **kw)
    )
    with pytest.raises(ReadOnlyProjectError, match="read-only"):
        ProjectStore.open(project_path)
    assert snapshot(project_path) == before


@pytest.mark.skipif(os.name == "nt", reason="folder permission bits mean nothing on Windows")
def test_project_in_a_read_only_folder(tmp_path, snapshot):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "p.labelassist"
    _make_project(path)
    os.chmod(folder, 0o555)
    try:
        before = snapshot(path)
        with pytest.raises(ReadOnlyProjectError, match="read-only"):
            ProjectStore.open(path)
        with pytest.raises(ReadOnlyProjectError, match="folder is read-only"):
            ProjectStore.create(folder / "new.labelassist")
        with pytest.raises(ReadOnlyProjectError):
            ProjectStore.open_or_create(folder / "new.labelassist")
        assert snapshot(path) == before  # also: no -wal, -shm or new project appeared in the folder
    finally:
        os.chmod(folder, 0o755)


def test_a_writable_project_is_not_reported_read_only(project_path, make_store):
    _make_project(project_path)
    os.chmod(project_path, 0o600)
    assert make_store(project_path).image_count() == 1
