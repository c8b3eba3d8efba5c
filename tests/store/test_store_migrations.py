"""Schema versions: new files get the current schema, old ones are upgraded, current ones are left alone."""

from __future__ import annotations

import sqlite3

import pytest

import app.store.database as database_module
from app.models import Annotation, Box, ImageRecord, Tag
from app.store import ProjectDatabase, ProjectStore
from app.store import schema as schema_mod
from app.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

TABLES = {"meta", "images", "tags", "annotations", "deployments", "usage_events", "prediction_cache"}


def _schema(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


def _pragmas(conn: sqlite3.Connection | ProjectDatabase) -> tuple[int, int]:
    return conn.execute("PRAGMA user_version").fetchone()[0], conn.execute(
        "PRAGMA application_id"
    ).fetchone()[0]


def test_empty_database_is_migrated_to_current():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    assert _pragmas(conn) == (0, 0)
    migrate(conn)
    assert _pragmas(conn) == (SCHEMA_VERSION, APPLICATION_ID)
    assert TABLES <= {name for name, _ in _schema(conn)}


def test_migrating_twice_changes_nothing():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    first = _schema(conn)
    migrate(conn)
    assert _schema(conn) == first
    assert _pragmas(conn) == (SCHEMA_VERSION, APPLICATION_ID)


def test_version_0_project_is_upgraded_on_open(project_path, make_store):
    conn = sqlite3.connect(project_path)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.close()
    store = make_store(project_path)
    assert _pragmas(store.database) == (SCHEMA_VERSION, APPLICATION_ID)
    tag = store.add_tag(Tag(name="ok"))
    assert store.tags() == [tag]


def _fill(path):
    store = ProjectStore.create(path)
    (img,) = store.add_images([ImageRecord(path="a.jpg", width=3, height=4)])
    tag = store.add_tag(Tag(name="cat"))
    store.add_annotations([Annotation(image_id=img.id, tag_id=tag.id, geometry=Box(x1=0, y1=0, x2=5, y2=5))])
    store.close()
    return img, tag


def test_opening_a_current_project_does_not_rewrite_it(project_path, make_store, snapshot):
    img, tag = _fill(project_path)
    before = snapshot(project_path)
    mtime = project_path.stat().st_mtime_ns
    store = make_store(project_path)
    assert store.images() == [img]
    assert store.tags() == [tag]
    store.close()
    assert snapshot(project_path) == before
    assert project_path.stat().st_mtime_ns == mtime


def _add_step(monkeypatch, step: str) -> None:
    monkeypatch.setattr(schema_mod, "MIGRATIONS", (*schema_mod.MIGRATIONS, step))
    monkeypatch.setattr(schema_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr(database_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)


def test_next_version_upgrades_an_existing_project_and_keeps_its_data(
    project_path, make_store, monkeypatch, snapshot
):
    img, tag = _fill(project_path)
    _add_step(
        monkeypatch, "ALTER TABLE images ADD COLUMN note TEXT NOT NULL DEFAULT '';\nCREATE TABLE extra (x);"
    )
    store = make_store(project_path)
    assert _pragmas(store.database) == (SCHEMA_VERSION + 1, APPLICATION_ID)
    assert store.images() == [img] and store.tags() == [tag]
    assert store.database.execute("SELECT note FROM images").fetchall() == [("",)]
    store.close()

    before = snapshot(project_path)
    make_store(project_path).close()  # the upgraded project is not migrated again
    assert snapshot(project_path) == before


def test_a_failing_migration_step_leaves_the_project_at_its_old_version(project_path, monkeypatch, snapshot):
    img, _ = _fill(project_path)
    _add_step(monkeypatch, "CREATE TABLE extra (x);\nCREATE TABLE images (duplicate);")
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        ProjectStore.open(project_path)

    monkeypatch.undo()
    conn = sqlite3.connect(project_path)
    try:
        assert _pragmas(conn) == (SCHEMA_VERSION, APPLICATION_ID)
        assert "extra" not in {name for name, _ in _schema(conn)}
    finally:
        conn.close()
    store = ProjectStore.open(project_path)
    try:
        assert store.images() == [img]
    finally:
        store.close()
