"""The connection to a team project on PostgreSQL: the same interface as the project file's
(app/store/backend.py), so every store works on both (docs/adr/0004)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from app.store.backend import Connection, Cursor, Write
from app.store.errors import (
    DatabaseUnavailable,
    IntegrityFailure,
    NewerProjectError,
    NotAProjectError,
    ProjectError,
    StoreError,
)
from app.store.team.address import TeamAddress
from app.store.team.schema import REGISTRY, SCHEMA_VERSION, migrate

log = logging.getLogger(__name__)

# Fail fast when the server is gone: the UI thread writes, and an edit must be refused, not hang.
CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "application_name": "LabelAssist",
}
SESSION_SETTINGS = ("SET statement_timeout = '15s'", "SET lock_timeout = '5s'")
_PARAMETER = re.compile(r"\?")
UNREACHABLE = "The team database cannot be reached"


def to_postgres(query: str) -> str:
    """The stores write `?` parameters (the project file's style); psycopg wants `%s`."""
    assert "%" not in query, "the stores pass values as parameters, never as % in SQL"
    return _PARAMETER.sub("%s", query)


class PgConnection:
    """A psycopg connection inside a transaction, looking like the project file's to the stores."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection

    def execute(self, query: str, parameters: Sequence[Any] = ()) -> Cursor:
        return self._connection.execute(to_postgres(query), tuple(parameters))  # type: ignore[return-value]

    def executemany(self, query: str, rows: Any) -> Cursor:
        cursor = self._connection.cursor()
        cursor.executemany(to_postgres(query), list(rows))
        return cursor  # type: ignore[return-value]


def connect(address: TeamAddress, **settings: str) -> psycopg.Connection:
    """A new connection to the project's database with its schema first on the search path.

    The password comes from libpq's own sources (the address, `PG*` variables, `~/.pgpass`); when they give
    none the server accepts, the OS keyring's is tried.
    """
    try:
        connection = _connect(address, None)
    except psycopg.OperationalError as e:
        password = address.keyring_password() if _is_auth_failure(e) else None
        if password is None:
            raise DatabaseUnavailable(_describe(e, address)) from e
        try:
            connection = _connect(address, password)
        except psycopg.OperationalError as e2:
            raise DatabaseUnavailable(_describe(e2, address)) from e2
    connection.execute(sql.SQL("SET search_path TO {}, public").format(sql.Identifier(address.schema)))
    for statement in SESSION_SETTINGS:
        connection.execute(statement)
    for name, value in settings.items():
        connection.execute("SELECT set_config(%s, %s, false)", (f"labelassist.{name}", value))
    return connection


def _connect(address: TeamAddress, password: str | None) -> psycopg.Connection:
    options = dict(CONNECT_OPTIONS, **({"password": password} if password is not None else {}))
    return psycopg.connect(address.conninfo, autocommit=True, **options)


def _is_auth_failure(e: psycopg.OperationalError) -> bool:
    text = str(e)
    return "password" in text or "authentication" in text


def _describe(e: psycopg.Error, address: TeamAddress) -> str:
    """A one-line reason for the user, with the server's words but never the password."""
    detail = " ".join(str(e).split()) or type(e).__name__
    return f"{UNREACHABLE} ({address.redacted}): {detail}"


class TeamDatabase:
    """One team project in a PostgreSQL database, as one labeller's workstation sees it."""

    is_team = True

    def __init__(self, address: TeamAddress, connection: psycopg.Connection, who: str, session: str) -> None:
        self.address = address
        self.who = who
        self.session = session  # this workstation's id: its own notices and claims are told apart by it
        self.image_root = Path.home()  # where relative image paths start: set by the session
        self.online = True
        self._connection = connection

    @classmethod
    def open(cls, url: str, who: str) -> TeamDatabase:
        """Open an existing team project, upgrading its schema. Raises ProjectError with a message."""
        database = cls._connected(url, who, _check_and_migrate)
        database.join()
        return database

    @classmethod
    def create(cls, url: str, who: str) -> TeamDatabase:
        """A new, empty team project (its schema, tables and registry row), in one transaction."""

        def create(connection: psycopg.Connection, address: TeamAddress) -> None:
            with connection.transaction():
                if _registered_version(connection, address) is not None:
                    raise ProjectError(f"There is already a team project '{address.project}' there.")
                create_project(connection, address, who)

        return cls._connected(url, who, create)

    @classmethod
    def _connected(
        cls, url: str, who: str, prepare: Callable[[psycopg.Connection, TeamAddress], None]
    ) -> TeamDatabase:
        """A new workstation session on the project at `url`, once `prepare` accepted the connection."""
        address = TeamAddress.parse(url)
        session = uuid.uuid4().hex
        connection = connect(address, session=session, who=who)
        try:
            prepare(connection, address)
        except BaseException:
            connection.close()
            raise
        return cls(address, connection, who, session)

    @property
    def location(self) -> str:
        return self.address.redacted

    @property
    def name(self) -> str:
        return self.address.project

    @property
    def root(self) -> Path:
        return self.image_root

    def opener(self) -> Callable[[], TeamDatabase]:
        """Opens another connection to this project, as this workstation (for another thread)."""
        address, who, session, root = self.address, self.who, self.session, self.image_root

        def open_again() -> TeamDatabase:
            database = TeamDatabase(address, connect(address, session=session, who=who), who, session)
            database.image_root = root
            return database

        return open_again

    def connection_settings(self) -> dict[str, str]:
        return {"session": self.session, "who": self.who}

    def join(self) -> None:
        """List this labeller among the project's members (a labeller unless made a reviewer)."""
        with self.transaction() as c:
            c.execute("INSERT INTO members(name) VALUES (?) ON CONFLICT (name) DO NOTHING", (self.who,))

    def role(self) -> str:
        row = self.execute("SELECT role FROM members WHERE name = ?", (self.who,)).fetchone()
        return row[0] if row else "labeller"

    # ---- the Database interface ------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        if not self.online:
            raise DatabaseUnavailable(f"{UNREACHABLE}: nothing was saved. Waiting for it to come back…")
        with self._errors():
            with self._connection.transaction():
                yield PgConnection(self._connection)

    def run(self, write: Write) -> None:
        with self.transaction() as c:
            write(c)

    def execute(self, query: str, parameters: Sequence[Any] = ()) -> Cursor:
        if not self.online:
            raise DatabaseUnavailable(f"{UNREACHABLE}. Waiting for it to come back…")
        with self._errors():
            return PgConnection(self._connection).execute(query, parameters)

    def next_id(self, table: str) -> int:
        """An id no other workstation will take (the table's sequence hands it out)."""
        return int(self.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))").fetchone()[0])

    def next_ids(self, table: str, count: int) -> list[int]:
        """`count` ids from the table's sequence, in one round trip."""
        sql = f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)"
        return [int(row[0]) for row in self.execute(sql, (count,))]

    def integrity_ok(self) -> bool:
        return self.execute("SELECT 1").fetchone()[0] == 1

    def close(self) -> None:
        self._connection.close()

    # ---- losing the server and getting it back ---------------------------------------------------

    def reconnect(self) -> bool:
        """Try to connect again after the server went away; True when editing can go on."""
        try:
            connection = connect(self.address, **self.connection_settings())
        except ProjectError:
            return False
        self._connection.close()
        self._connection = connection
        self.online = True
        return True

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Driver errors as the store's: a lost server marks the project offline until `reconnect`."""
        try:
            yield
        except psycopg.IntegrityError as e:
            raise IntegrityFailure(str(e).splitlines()[0]) from e
        except psycopg.OperationalError as e:
            if self._connection.closed or self._connection.broken:
                self.online = False
                log.warning("team database lost: %s", e)
                raise DatabaseUnavailable(
                    f"{UNREACHABLE}: nothing was saved. Waiting for it to come back…"
                ) from e
            raise StoreError(f"The team database refused the edit: {str(e).splitlines()[0]}") from e
        except psycopg.Error as e:
            raise StoreError(f"The team database refused the edit: {str(e).splitlines()[0]}") from e


def _check_and_migrate(connection: psycopg.Connection, address: TeamAddress) -> None:
    """Refuse what is not a team project this version reads; upgrade an older one."""
    version = _registered_version(connection, address)
    if version is None:
        raise NotAProjectError(
            f"There is no team project '{address.project}' in {address.redacted.split('?')[0]}. "
            "Publish one with: labelassist publish PROJECT.labelassist URL"
        )
    if version > SCHEMA_VERSION:
        raise NewerProjectError(
            f"Team project '{address.project}' was written by a newer LabelAssist (format {version}; "
            f"this version reads up to {SCHEMA_VERSION}). Update LabelAssist to open it."
        )
    if version < SCHEMA_VERSION:
        with connection.transaction():
            migrate(connection, address.schema, address.project, version)


def _registered_version(connection: psycopg.Connection, address: TeamAddress) -> int | None:
    registry = connection.execute("SELECT to_regclass('public.labelassist_projects')").fetchone()
    if registry is None or registry[0] is None:
        return None
    row = connection.execute(
        "SELECT schema_version FROM public.labelassist_projects WHERE name = %s", (address.project,)
    ).fetchone()
    return None if row is None else int(row[0])


def create_project(connection: psycopg.Connection, address: TeamAddress, who: str) -> None:
    """Create a project's schema and tables and register it, inside the caller's transaction."""
    connection.execute(REGISTRY)
    connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(address.schema)))
    connection.execute(
        "INSERT INTO public.labelassist_projects(name, schema_version, created_by) VALUES (%s, 0, %s)",
        (address.project, who),
    )
    migrate(connection, address.schema, address.project, 0)
    connection.execute(
        "INSERT INTO members(name, role) VALUES (%s, 'owner') ON CONFLICT (name) DO NOTHING", (who,)
    )
    connection.execute("INSERT INTO meta(key, value) VALUES ('created_by', 'LabelAssist')")
