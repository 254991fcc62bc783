"""Contract: an older citus extension version installs and updates to 13.2-1 (the path of a Citus upgrade), the
version checks between the loaded library and the extension, and citus_finish_citus_upgrade."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2
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


def error(conn: psycopg2.extensions.connection, query: str) -> psycopg2.Error:
    """The error ``query`` raises on an autocommit connection (the test fails when it raises none)."""
    with pytest.raises(psycopg2.Error) as info, conn.cursor() as cur:
        cur.execute(query)
    return info.value


def test_version_incompatible_with_the_library_is_refused(scratch_db: psycopg2.extensions.connection) -> None:
    # 13.2 accepts the previous minor's extension (13.1-1), not one two minors older
    err = error(scratch_db, "CREATE EXTENSION citus VERSION '13.0-1'")
    assert err.pgcode == "XX000"
    assert err.diag.message_primary == "specified version incompatible with loaded Citus library"
    assert err.diag.message_detail == "Loaded library requires 13.2, but 13.0-1 was specified."
    assert err.diag.message_hint == "If a newer library is present, restart the database and try the command again."
    assert rows(scratch_db, "SELECT count(*) FROM pg_extension WHERE extname = 'citus'") == [(0,)]


def test_mismatch_until_update_then_finish_upgrade(scratch_db: psycopg2.extensions.connection) -> None:
    rows(scratch_db, "CREATE TABLE items (id bigint PRIMARY KEY)")
    # Citus's own tests create an old version so: with the version checks off for that statement
    rows(scratch_db, "SET citus.enable_version_checks = false")
    rows(scratch_db, "CREATE EXTENSION citus VERSION '13.0-1'")
    rows(scratch_db, "RESET citus.enable_version_checks")
    assert rows(scratch_db, "SELECT extversion FROM pg_extension WHERE extname = 'citus'") == [("13.0-1",)]
    assert rows(scratch_db, "SELECT citus_version()")[0][0].startswith("Citus 13.2.2 ")
    # node, table and rebalancer functions refuse to work until the extension is updated
    for query in ("SELECT * FROM citus_get_active_worker_nodes()",
                  "SELECT citus_add_node('localhost', 1)",
                  "SELECT create_distributed_table('items', 'id')",
                  "SELECT create_reference_table('items')",
                  "SELECT citus_rebalance_start()",
                  "SELECT * FROM get_rebalance_table_shards_plan()"):
        err = error(scratch_db, query)
        assert err.pgcode == "XX000", query
        assert err.diag.message_primary == "loaded Citus library version differs from installed extension version"
        assert err.diag.message_detail == "Loaded library requires 13.2, but the installed extension version is 13.0-1."
        assert err.diag.message_hint == "Run ALTER EXTENSION citus UPDATE and try again."
        assert err.diag.context is None, query
    rows(scratch_db, "ALTER EXTENSION citus UPDATE")
    assert rows(scratch_db, "SELECT extversion FROM pg_extension WHERE extname = 'citus'") == [("13.2-1",)]
    assert rows(scratch_db, "SELECT * FROM citus_get_active_worker_nodes()") == []
    # a new install records the latest available version as the last upgrade: nothing left to finish
    assert rows(scratch_db, "SELECT metadata ->> 'last_upgrade_version' FROM pg_dist_node_metadata") == [("13.2-1",)]
    del scratch_db.notices[:]
    rows(scratch_db, "CALL citus_finish_citus_upgrade()")
    assert [notice.strip() for notice in scratch_db.notices] == [
        "NOTICE:  already at the latest distributed schema version (13.2-1)"]
    assert rows(scratch_db, "SELECT metadata ->> 'last_upgrade_version' FROM pg_dist_node_metadata") == [("13.2-1",)]
    assert rows(scratch_db, "SELECT obj_description('pg_catalog.citus_finish_citus_upgrade()'::regprocedure)") == [
        ("after upgrading Citus on all nodes call this function to upgrade the distributed schema",)]
