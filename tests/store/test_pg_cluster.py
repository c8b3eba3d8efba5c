"""The throwaway PostgreSQL server of the tests (tests/support/pg_cluster.py) is real: what it acknowledged
survives a crash, and each test's database is its own."""

from __future__ import annotations

import psycopg
import pytest
from pg_cluster import PgCluster


def test_committed_row_survives_an_immediate_stop(pg_cluster: PgCluster, pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE edits (id int PRIMARY KEY, label text NOT NULL)")
        conn.execute("INSERT INTO edits VALUES (1, 'cat')")
        conn.commit()
    with psycopg.connect(pg_url) as uncommitted:
        uncommitted.execute("INSERT INTO edits VALUES (2, 'dog')")

        pg_cluster.stop_immediate()
        with pytest.raises(psycopg.OperationalError):
            uncommitted.execute("SELECT 1")
        pg_cluster.restart()

    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT id, label FROM edits ORDER BY id").fetchall() == [(1, "cat")]


def test_databases_are_distinct(pg_cluster: PgCluster, pg_url: str) -> None:
    other_url = pg_cluster.create_database("t_other_" + pg_url.rsplit("_", 1)[1])
    try:
        assert other_url != pg_url
        with psycopg.connect(pg_url) as conn:
            conn.execute("CREATE TABLE only_here (x int)")
            conn.commit()
        with psycopg.connect(other_url) as conn:
            assert conn.execute("SELECT to_regclass('only_here')").fetchone() == (None,)
    finally:
        pg_cluster.drop_database(other_url.rsplit("/", 1)[1])


seen_urls: list[str] = []


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_a_new_empty_database(pg_url: str, run: int) -> None:
    assert pg_url not in seen_urls
    seen_urls.append(pg_url)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
        conn.execute("CREATE TABLE left_behind (x int)")
