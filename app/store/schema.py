"""Project file schema and its forward migrations (PRAGMA user_version counts the applied steps)."""

from __future__ import annotations

import sqlite3

# "LAB1": marks a SQLite file as a LabelAssist project so we never write into someone else's database.
APPLICATION_ID = 0x4C414231

# Each entry upgrades the schema from version i to i + 1. Never edit a released step; append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'new',
        added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        color TEXT NOT NULL,
        kind TEXT NOT NULL,
        keypoint_names TEXT NOT NULL DEFAULT '[]',
        skeleton TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE annotations (
        id INTEGER PRIMARY KEY,
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id),
        geometry TEXT NOT NULL,
        provenance TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE INDEX annotations_by_image ON annotations(image_id);
    CREATE INDEX annotations_by_tag ON annotations(tag_id);
    -- Room for model assist: deployments, their usage and cached predictions.
    CREATE TABLE deployments (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        protocol TEXT NOT NULL,
        url TEXT NOT NULL,
        model TEXT NOT NULL DEFAULT '',
        config TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE usage_events (
        id INTEGER PRIMARY KEY,
        deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        ok INTEGER NOT NULL,
        latency_ms REAL,
        predictions INTEGER NOT NULL DEFAULT 0,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE prediction_cache (
        content_hash TEXT NOT NULL,
        deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
        model_version TEXT NOT NULL,
        predictions TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (content_hash, deployment_id, model_version)
    );
    """,
    # 2: model assist keeps what the labeller decided about each suggestion, and which image a call was for.
    """
    CREATE TABLE suggestion_decisions (
        content_hash TEXT NOT NULL,
        deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
        model_version TEXT NOT NULL,
        key TEXT NOT NULL,
        decision TEXT NOT NULL,
        time TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (content_hash, deployment_id, model_version, key)
    );
    ALTER TABLE usage_events ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
    CREATE INDEX usage_by_deployment ON usage_events(deployment_id, kind);
    """,
    # 3: images a pre-label batch has answers for: their suggestions show when they are opened, another day too.
    """
    CREATE TABLE prelabelled (
        image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
        model_version TEXT NOT NULL,
        PRIMARY KEY (image_id, deployment_id)
    );
    CREATE INDEX prelabelled_by_deployment ON prelabelled(deployment_id, model_version);
    """,
    # 4: a tag a commit created for a model label keeps that label: the label's later suggestions go to it.
    """
    ALTER TABLE tags ADD COLUMN model_label TEXT;
    CREATE UNIQUE INDEX tags_by_model_label ON tags(model_label, kind) WHERE model_label IS NOT NULL;
    """,
    # 5: who did what, row versions for concurrent edits, and review (the team backend has the same columns).
    """
    ALTER TABLE annotations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE annotations ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE annotations ADD COLUMN updated_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE images ADD COLUMN status_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE images ADD COLUMN status_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE images ADD COLUMN review TEXT NOT NULL DEFAULT '';
    ALTER TABLE images ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
    ALTER TABLE images ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE images ADD COLUMN reviewed_at TEXT NOT NULL DEFAULT '';
    ALTER TABLE suggestion_decisions ADD COLUMN who TEXT NOT NULL DEFAULT '';
    ALTER TABLE usage_events ADD COLUMN who TEXT NOT NULL DEFAULT '';
    """,
    # 6: what model quality is measured from (app/store/quality.py): which content each image has, so its
    # annotations meet the model's answer for it; and for each decision the image it was taken on, and for a
    # commit the tag and shape as committed, so an edit made afterwards shows.
    """
    CREATE TABLE image_contents (
        image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL
    );
    CREATE INDEX image_contents_by_hash ON image_contents(content_hash);
    ALTER TABLE suggestion_decisions ADD COLUMN image_id INTEGER;
    ALTER TABLE suggestion_decisions ADD COLUMN tag_id INTEGER;
    ALTER TABLE suggestion_decisions ADD COLUMN geometry TEXT;
    CREATE INDEX decisions_by_deployment ON suggestion_decisions(deployment_id, model_version);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema up to SCHEMA_VERSION, one transaction per step."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for version in range(current, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    # executescript() would commit our transaction; split on complete statements instead.
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s]
