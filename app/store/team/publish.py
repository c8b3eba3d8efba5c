"""Publishing a project file as a new team project: every row copied with its id, in one transaction.

The copy is all or nothing: the team project's schema, tables and rows appear when the copy is complete
and checked, or not at all. Image paths are copied as they are; the folder of the project file is kept as
a hint, so labellers who see the images at the same place need not be told where they are.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from app.store.database import ProjectDatabase
from app.store.errors import ProjectError
from app.store.team.address import TeamAddress
from app.store.team.database import connect, create_project
from app.store.team.schema import REGISTRY

# Parents before children, so every row's references are there when it arrives.
TABLES = (
    "images",
    "tags",
    "annotations",
    "deployments",
    "usage_events",
    "prediction_cache",
    "suggestion_decisions",
    "prelabelled",
    "image_contents",
)
SEQUENCED = ("images", "tags", "annotations", "deployments", "usage_events")  # ids from an identity
IMAGE_ROOT_HINT = "image_root_hint"  # meta key: the absolute folder of the published project file
REPORT_EVERY = 10_000

Report = Callable[[int, int, str], None]  # rows done, rows in the table, what is being copied


@dataclass(frozen=True)
class PublishReport:
    location: str  # the team project's address, without a password
    counts: dict[str, int]  # rows copied per table
    seconds: float

    def summary(self) -> str:
        c = self.counts
        return (
            f"Published {c['images']} image(s), {c['tags']} tag(s) and {c['annotations']} annotation(s) "
            f"to {self.location} in {self.seconds:.1f} s"
        )


def publish(project_file: Path, url: str, who: str, progress: Report | None = None) -> PublishReport:
    """Copy the project file into a new team project at `url`, published by `who`. Raises ProjectError
    with a message for the user; then nothing was created."""
    started = time.perf_counter()
    address = TeamAddress.parse(url)
    source = ProjectDatabase.open_read_only(project_file)
    try:
        # One snapshot of the file, so the counts checked are those of the rows read, even while the app
        # keeps writing to it.
        source.execute("BEGIN")
        counts = _copy(source, address, who, progress or _silent)
    finally:
        source.close()
    return PublishReport(address.redacted, counts, time.perf_counter() - started)


def _silent(done: int, total: int, stage: str) -> None:
    pass


def _copy(source: ProjectDatabase, address: TeamAddress, who: str, report: Report) -> dict[str, int]:
    target = connect(address, session=uuid.uuid4().hex, who=who)
    try:
        with target.transaction():
            target.execute(REGISTRY)
            if _taken(target, address):
                raise _already_there(address)
            create_project(target, address, who)
            target.execute("SET LOCAL labelassist.quiet = 'on'")  # the triggers announce no bulk copy
            target.execute("SET LOCAL statement_timeout = 0")  # one COPY may outlast an edit's limit
            tables = _tables(source)
            counts = {t: _copy_table(source, target, t, report) if t in tables else 0 for t in TABLES}
            meta = _copy_meta(source, target)
            for table in SEQUENCED:
                # Past the largest id copied, so the next row added on any workstation gets a new one.
                target.execute(
                    sql.SQL(
                        "SELECT setval(pg_get_serial_sequence({}, 'id'), coalesce(max(id), 0) + 1, false) "
                        "FROM {}"
                    ).format(sql.Literal(table), sql.Identifier(table))
                )
            _check(target, counts, meta)
            # Fresh tables have no statistics until autovacuum comes by; the first queries need them.
            target.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(map(sql.Identifier, TABLES))))
    except psycopg.errors.DuplicateSchema as e:  # another publish of that name got there first
        raise _already_there(address) from e
    except psycopg.Error as e:
        raise ProjectError(f"Nothing was published: {_first_line(e)}") from e
    finally:
        target.close()
    return counts


def _taken(target: psycopg.Connection, address: TeamAddress) -> bool:
    """Whether the name is registered, or its schema is there (left by hand, or by another program)."""
    row = target.execute(
        "SELECT EXISTS (SELECT 1 FROM public.labelassist_projects WHERE name = %s) "
        "OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = %s)",
        (address.project, address.schema),
    ).fetchone()
    return bool(row and row[0])


def _already_there(address: TeamAddress) -> ProjectError:
    return ProjectError(
        f"There is already a team project '{address.project}' in {address.redacted.split('?')[0]}; "
        "nothing was published. Choose another name."
    )


def _tables(source: ProjectDatabase) -> set[str]:
    # A file from an older version may lack the later tables and columns: the team's defaults fill in.
    return {r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _column_names(cursor: Any) -> list[str]:
    return [d[0] for d in cursor.description]


def _copy_table(source: ProjectDatabase, target: psycopg.Connection, table: str, report: Report) -> int:
    """COPY one table's rows, ids included; returns how many rows the file has."""
    team_columns = _column_names(
        target.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(sql.Identifier(table)))
    )
    columns = [
        c for c in _column_names(source.execute(f"SELECT * FROM {table} LIMIT 0")) if c in team_columns
    ]
    total = int(source.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    stage = f"Publishing {table.replace('_', ' ')}"
    report(0, total, stage)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    done = 0
    with target.cursor().copy(statement) as copy:
        for row in source.execute(f"SELECT {', '.join(columns)} FROM {table}"):
            copy.write_row(row)
            done += 1
            if done % REPORT_EVERY == 0:
                report(done, total, stage)
    report(done, total, stage)
    return total


def _copy_meta(source: ProjectDatabase, target: psycopg.Connection) -> dict[str, str]:
    """Copy the file's meta and add the image root hint; returns what the team project's meta must hold."""
    meta = {str(k): str(v) for k, v in source.execute("SELECT key, value FROM meta")}
    meta[IMAGE_ROOT_HINT] = str(source.root)
    with target.cursor() as c:
        c.executemany(
            "INSERT INTO meta(key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            list(meta.items()),
        )
    return meta


def _check(target: psycopg.Connection, counts: dict[str, int], meta: dict[str, str]) -> None:
    """Raise (so the transaction rolls back) unless every row of the file arrived."""
    for table, expected in counts.items():
        row = target.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        found = row[0] if row else 0
        if found != expected:
            raise ProjectError(
                f"Nothing was published: the team project would have {found} row(s) in '{table}' "
                f"but the file has {expected}."
            )
    stored: dict[str, str] = dict(target.execute("SELECT key, value FROM meta").fetchall())
    if any(stored.get(k) != v for k, v in meta.items()):
        raise ProjectError("Nothing was published: the project's settings (meta) did not arrive whole.")


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]
