"""Contract: an older citus extension version installs and updates to 13.2-1 (the path of a Citus upgrade)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2.extensions
import pytest
from contract_sql import Sql

SCRATCH_DB = "citus_test_versions"


@pytest.fixture
def scratch_db(sql: Sql) -> Iterator[psycopg2.extensions.connection]:
    """An autocommit connection to a new database on the coordinator (dropped afterwards)."""
    sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    sql(f"CREATE DATABASE {SCRATCH_DB}")
    conn = sql.cluster.connect(sql.cluster.coordinator, dbname=SCRATCH_DB)
    try:
        yield conn
    finally:
        conn.close()
        sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")


def rows(conn: psycopg2.extensions.connection, query: str) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(query)
        return cur.fetchall() if cur.description else []


def test_older_version_then_update(sql: Sql, scratch_db: psycopg2.extensions.connection) -> None:
    available = {version for (version,) in rows(scratch_db, "SELECT version FROM pg_available_extension_versions "
                                                           "WHERE name = 'citus'")}
    assert {"13.1-1", "13.2-1"} <= available
    rows(scratch_db, "CREATE EXTENSION citus VERSION '13.1-1'")
    assert rows(scratch_db, "SELECT extversion FROM pg_extension WHERE extname = 'citus'") == [("13.1-1",)]
    # the library is 13.2 whatever the extension's version
    assert rows(scratch_db, "SELECT citus_version()")[0][0].startswith("Citus 13.2.2 ")
    assert rows(scratch_db, "SELECT count(*) FROM citus_get_active_worker_nodes()") == [(0,)]
    rows(scratch_db, "ALTER EXTENSION citus UPDATE")
    assert rows(scratch_db, "SELECT extversion FROM pg_extension WHERE extname = 'citus'") == [("13.2-1",)]
    assert rows(scratch_db, "SELECT citus_version()")[0][0].startswith("Citus 13.2.2 ")
    assert not [notice for notice in scratch_db.notices if notice.startswith(("WARNING", "ERROR"))]
    rows(scratch_db, "ALTER EXTENSION citus UPDATE")
    assert scratch_db.notices[-1].strip() == 'NOTICE:  version "13.2-1" of extension "citus" is already installed'
    # the updated extension answers as a fresh 13.2-1 install does
    assert rows(scratch_db, "SELECT count(*) FROM pg_dist_node") == [(0,)]
    assert rows(scratch_db, "SELECT pg_get_function_arguments('pg_catalog.citus_drain_node(text, integer, "
                            "citus.shard_transfer_mode, name)'::regprocedure)") == [
        ("nodename text, nodeport integer, shard_transfer_mode citus.shard_transfer_mode DEFAULT "
         "'auto'::citus.shard_transfer_mode, rebalance_strategy name DEFAULT NULL::name",)]
