"""The one connection to a project file (the embedded SQLite backend): the checks before it is opened, its
schema migration, and the transactions every store of the project writes in (docs/adr/0001, 0003, 0004)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.store import project_lock
from app.store.backend import Connection, Write
from app.store.errors import (
    IntegrityFailure,
    NewerProjectError,
    NotAProjectError,
    ProjectError,
    ProjectInUseError,
    ReadOnlyProjectError,
)
from app.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

PROJECT_SUFFIX = ".labelassist"

__all__ = ["PROJECT_SUFFIX", "ProjectDatabase", "Write"]


class ProjectDatabase:
    """Owns the SQLite connection of one open project; the stores of that project are built on it.

    A connection belongs to the thread that opened it: work on another thread opens its own with
    `open_read_only`.
    """

    is_team = False

    def __init__(
        self, path: Path, connection: sqlite3.Connection, who: str = "", lock: Path | None = None
    ) -> None:
        self.path = path
        self.root = path.parent
        self.who = who
        self._connection = connection
        self._lock = lock  # held while open for writing (project_lock.py)

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def name(self) -> str:
        return self.path.stem

    @classmethod
    def create(cls, path: str | os.PathLike[str], who: str = "") -> ProjectDatabase:
        """Create a new, empty project file; refuses to overwrite an existing file."""
        p = Path(path).absolute()
        if p.exists():
            raise NotAProjectError(f"Cannot create a project at '{p}': a file is already there.")
        if not p.parent.is_dir():
            raise ProjectError(f"Cannot create a project in '{p.parent}': the folder does not exist.")
        if not _writable(p.parent, folder=True):
            raise ReadOnlyProjectError(f"Cannot create a project in '{p.parent}': the folder is read-only.")
        database = cls._open_locked(p, who)
        with database.transaction() as c:
            c.execute("INSERT INTO meta(key, value) VALUES ('created_by', 'LabelAssist')")
        return database

    @classmethod
    def open(cls, path: str | os.PathLike[str], who: str = "") -> ProjectDatabase:
        """Open an existing project, upgrading its schema; never writes to a file that is not ours."""
        p = Path(path).absolute()
        if not p.is_file():
            raise NotAProjectError(f"No project file at '{p}'.")
        _check_identity(p)
        if not _writable(p) or not _writable(p.parent, folder=True):
            raise ReadOnlyProjectError(
                f"'{p.name}' is read-only (the file or its folder cannot be written). "
                "LabelAssist saves every edit as it is made, so it needs write access."
            )
        return cls._open_locked(p, who)

    @classmethod
    def _open_locked(cls, path: Path, who: str) -> ProjectDatabase:
        """Lock the file for this process (ProjectInUseError if another has it), connect and migrate."""
        lock = project_lock.acquire(path)
        try:
            connection = _connect(path)
            try:
                migrate(connection)
            except BaseException:
                connection.close()
                raise
        except sqlite3.OperationalError as e:
            project_lock.release(lock)
            if e.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            raise ProjectInUseError(
                f"'{path.name}' is locked by another program that is writing it: close that program, "
                "then open the project again."
            ) from None
        except BaseException:
            project_lock.release(lock)
            raise
        return cls(path, connection, who, lock)

    @classmethod
    def open_or_create(cls, path: str | os.PathLike[str], who: str = "") -> ProjectDatabase:
        p = Path(path)
        return cls.open(p, who) if p.exists() else cls.create(p, who)

    @classmethod
    def open_read_only(cls, path: str | os.PathLike[str]) -> ProjectDatabase:
        """A read-only connection for work on another thread while the app has the project open (a
        connection belongs to the thread that opened it). Checked like `open`; never migrated or written,
        and WAL lets it read while the app's connection writes."""
        p = Path(path).absolute()
        if not p.is_file():
            raise NotAProjectError(f"No project file at '{p}'.")
        _check_identity(p)
        return cls(p, sqlite3.connect(p.as_uri() + "?mode=ro", uri=True, isolation_level=None, timeout=1.0))

    def opener(self) -> Callable[[], ProjectDatabase]:
        path = self.path
        return lambda: ProjectDatabase.open_read_only(path)

    def close(self) -> None:
        self._connection.close()
        if self._lock is not None:
            project_lock.release(self._lock)
            self._lock = None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One durable transaction: committed when the block ends, rolled back if it raises."""
        try:
            with self._sqlite_transaction() as c:
                yield c
        except sqlite3.IntegrityError as e:
            raise IntegrityFailure(str(e)) from e

    @contextmanager
    def _sqlite_transaction(self) -> Iterator[sqlite3.Connection]:
        c = self._connection
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        try:
            c.execute("COMMIT")
        except BaseException:
            # A failed COMMIT (disk full, I/O error) may leave the transaction open; without this
            # ROLLBACK every later edit would fail with "cannot start a transaction within a transaction".
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise

    def run(self, write: Write) -> None:
        """Run `write` in a transaction of its own."""
        with self.transaction() as c:
            write(c)

    def next_id(self, table: str) -> int:
        """The id the next row of `table` gets (one writer: the largest id so far, plus one)."""
        return (self.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0) + 1

    def next_ids(self, table: str, count: int) -> range:
        """The ids the next `count` rows get; asked inside the write's transaction, nobody else takes them."""
        first = self.next_id(table)
        return range(first, first + count)

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        """One statement outside any transaction: a read, or a pragma."""
        return self._connection.execute(sql, parameters)

    @property
    def in_transaction(self) -> bool:
        return self._connection.in_transaction

    def integrity_ok(self) -> bool:
        return self.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _connect(path: Path) -> sqlite3.Connection:
    # A short wait: the UI thread writes, and another writer holding the file should fail fast and loudly.
    connection = sqlite3.connect(path, isolation_level=None, timeout=1.0)
    connection.execute("PRAGMA journal_mode = WAL")
    # FULL: a commit is on disk when the call returns, so a crash or power cut loses no reported edit.
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _check_identity(path: Path) -> None:
    """Raise unless `path` is a LabelAssist project this version can read. Reads only."""
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as e:
        raise NotAProjectError(f"Cannot read '{path}': {e.strerror}.") from e
    if not header.startswith(b"SQLite format 3\x00"):
        raise NotAProjectError(f"'{path.name}' is not a LabelAssist project (it is not a SQLite database).")
    # Ask SQLite rather than the raw header: after a crash the newest header may still be in the WAL file.
    # Read-only, so a file that is not ours is never written: a read-write connection would checkpoint a
    # foreign WAL into it or roll back its journal. Without a WAL, `immutable` also keeps SQLite from
    # creating -wal/-shm files beside it; with one, `mode=ro` reads the WAL through its existing -shm.
    wal = path.with_name(path.name + "-wal")
    has_wal = wal.is_file() and wal.stat().st_size > 0
    uri = path.as_uri() + ("?mode=ro" if has_wal else "?mode=ro&immutable=1")
    try:
        connection = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=5.0)
        try:
            app_id = connection.execute("PRAGMA application_id").fetchone()[0]
            user_version = connection.execute("PRAGMA user_version").fetchone()[0]
        finally:
            connection.close()
    except sqlite3.DatabaseError as e:
        raise NotAProjectError(f"'{path.name}' cannot be read as a project: {e}.") from e
    if app_id != APPLICATION_ID:
        raise NotAProjectError(f"'{path.name}' is a SQLite database but not a LabelAssist project.")
    if user_version > SCHEMA_VERSION:
        raise NewerProjectError(
            f"'{path.name}' was written by a newer LabelAssist (project format {user_version}; "
            f"this version reads up to {SCHEMA_VERSION}). Update LabelAssist to open it."
        )


def _writable(path: Path, folder: bool = False) -> bool:
    """Whether we may write `path`.

    `os.access` alone is not enough: for root it reports every file writable. A file (or, on POSIX, a
    folder) with no write permission bit at all was made read-only on purpose, so treat it as such for
    every user. Windows reports its folders' read-only attribute as missing write bits although it does
    not stop writing there, so folders are left to `os.access` on Windows.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    if (not folder or os.name != "nt") and not mode & 0o222:
        return False
    return os.access(path, os.W_OK)
