"""What the stores need from a project database, whichever holds it: the embedded SQLite file
(database.py) or a team project on PostgreSQL (team/database.py).

The stores write one SQL dialect that both understand (`?` parameters, `INSERT … ON CONFLICT`,
`RETURNING id`, times passed in as ISO text). What only one backend has is kept in its own module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection inside a transaction (sqlite3.Connection is one)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, rows: Any, /) -> Any: ...


# Rows written inside another write's transaction, so that one user action is one transaction.
Write = Callable[[Connection], None]


class Database(Protocol):
    """One open project database; the stores of that project are built on it."""

    who: str  # the labeller whose edits these are: written beside every edit

    @property
    def location(self) -> str:
        """What a user types to open it again: a file path, or a team URL without its password."""
        ...

    @property
    def name(self) -> str:
        """What the project is called in titles."""
        ...

    @property
    def root(self) -> Path:
        """The folder image paths are relative to."""
        ...

    @property
    def is_team(self) -> bool: ...

    def transaction(self) -> AbstractContextManager[Connection]:
        """One durable transaction: committed when the block ends, rolled back if it raises."""
        ...

    def run(self, write: Write) -> None: ...

    def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        """One statement outside any transaction: a read."""
        ...

    def opener(self) -> Callable[[], Database]:
        """Opens another connection to this project, for work on another thread (a connection belongs to
        the thread that opened it); a project file's is read-only."""
        ...

    def next_id(self, table: str) -> int:
        """An id for a new row of `table` that an edit can carry before it is written."""
        ...

    def next_ids(self, table: str, count: int) -> Sequence[int]:
        """`count` ids for new rows of `table`, for a bulk write in the transaction that is open."""
        ...

    def close(self) -> None: ...

    def integrity_ok(self) -> bool: ...


def now_iso() -> str:
    """The time written beside an edit: UTC, ISO 8601 with milliseconds (text sorts as time)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
