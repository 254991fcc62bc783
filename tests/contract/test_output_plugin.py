"""Contract: create_distributed_table_concurrently and the server's output_plugin_libraries (PostgreSQL 15.20+).

Citus splits the table's single shard through a logical replication slot with its own ``citus`` decoder. From
PostgreSQL 15.20 (and the matching minors of other branches) a replication connection may only load the output
plugins listed in ``output_plugin_libraries`` (default ``pgoutput, test_decoding``). The replication connection
is a new session on the coordinator, so what counts is the server's configured value, not a session's SET.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator

import psycopg2
import pytest
from contract_sql import Sql
from pgcluster import Node

FIRST_SHARD_ID = 102008
MESSAGE = 'library "citus" may not be used as an output plugin'
HINT = ('If it is safe for all REPLICATION users to use this library as an output plugin, add it to '
        '"output_plugin_libraries" and reload the server configuration.')


def _shown(libraries: list[str]) -> str:
    """The value SHOW prints for a list setting (elements that need it in double quotes)."""
    return ", ".join(f'"{item}"' if not item.replace("_", "").isalnum() else item for item in libraries)


@pytest.fixture
def set_output_plugins(sql: Sql, coordinator: Node) -> Iterator[Callable[[list[str]], None]]:
    """Sets the coordinator's output_plugin_libraries (ALTER SYSTEM, reload); the old value is back afterwards."""
    if sql.one("SELECT current_setting('output_plugin_libraries', true)") is None:
        pytest.skip("this PostgreSQL minor has no output_plugin_libraries")
    before = sql("SELECT setting FROM pg_file_settings WHERE name = 'output_plugin_libraries' "
                 "AND sourcefile LIKE '%postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1")

    def apply(libraries: list[str] | None) -> None:
        if libraries is None:
            sql("ALTER SYSTEM RESET output_plugin_libraries")
        else:
            # a list setting: one literal per library (a single 'a, b' literal would be one library named "a, b")
            sql("ALTER SYSTEM SET output_plugin_libraries = " + ", ".join(["%s"] * len(libraries)), libraries)
        sql("SELECT pg_reload_conf()")
        # the reload is asynchronous: wait until new sessions (as Citus's replication connection) see it
        expected = None if libraries is None else _shown(libraries)
        deadline = time.monotonic() + 10
        while True:
            conn = sql.cluster.connect(coordinator)
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT setting, coalesce(sourcefile, '') LIKE '%postgresql.auto.conf' "
                                "FROM pg_settings WHERE name = 'output_plugin_libraries'")
                    shown, from_auto_conf = cur.fetchone()
            finally:
                conn.close()
            if (from_auto_conf and shown == expected) if expected is not None else not from_auto_conf:
                return
            assert time.monotonic() < deadline, f"output_plugin_libraries is still {shown!r}, expected {expected!r}"
            time.sleep(0.1)

    try:
        yield apply
    finally:
        apply(next(csv.reader([before[0][0]], skipinitialspace=True)) if before else None)


def partition_row(sql: Sql, table: str) -> list[tuple]:
    return sql("SELECT partmethod, colocationid <> 0, repmodel, autoconverted FROM pg_dist_partition "
               "WHERE logicalrelid = %s::regclass", (table,))


def shard_groups(sql: Sql, table: str) -> list[tuple[int, int]]:
    return sql("SELECT s.shardid, p.groupid FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) "
               "WHERE s.logicalrelid = %s::regclass ORDER BY s.shardid, p.groupid", (table,))


def test_concurrently_needs_citus_in_output_plugin_libraries(
        sql: Sql, workers: list[Node], set_output_plugins: Callable[[list[str]], None]) -> None:
    coordinator = sql.cluster.coordinator
    set_output_plugins(["pgoutput", "test_decoding"])
    sql("CREATE TABLE events (id bigint PRIMARY KEY)")
    # a session setting does not count: the replication connection is a session of its own
    sql("SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'citus'")
    error = sql.error("SELECT create_distributed_table_concurrently('events', 'id', shard_count => 4)")
    sql("RESET output_plugin_libraries")
    # Citus re-raises libpq's whole message of the failed CREATE_REPLICATION_SLOT, after a WARNING with its fields
    assert error.diag.sqlstate == "XX000"
    assert error.diag.message_primary == f"ERROR:  {MESSAGE}\nHINT:  {HINT}"
    assert error.diag.message_hint is None
    assert error.diag.context == f"while executing command on {coordinator.name}:{coordinator.port}"
    assert f"WARNING:  {MESSAGE}" in sql.notices()
    # the table was made a Citus local table (committed on its own) before the split failed
    assert partition_row(sql, "events") == [("n", False, "s", False)]
    assert shard_groups(sql, "events") == [(FIRST_SHARD_ID, 0)]

    # with citus in the list the same call works, on the Citus local table left behind
    set_output_plugins(["pgoutput", "test_decoding", "citus"])
    sql("SELECT create_distributed_table_concurrently('events', 'id', shard_count => 4)")
    assert partition_row(sql, "events") == [("h", True, "s", False)]
    rows = shard_groups(sql, "events")
    # the failed split used up the ids of its 4 new shards
    assert [shardid for shardid, _ in rows] == list(range(FIRST_SHARD_ID + 5, FIRST_SHARD_ID + 9))
    worker_groups = {group for (group,) in sql("SELECT groupid FROM pg_dist_node WHERE groupid <> 0")}
    assert sorted(group for _, group in rows) == sorted(list(worker_groups) * 2)


def test_concurrently_with_citus_in_output_plugin_libraries(
        sql: Sql, workers: list[Node], set_output_plugins: Callable[[list[str]], None]) -> None:
    set_output_plugins(["pgoutput", "test_decoding", "citus"])
    sql("CREATE TABLE events (id bigint PRIMARY KEY)")
    sql("SELECT create_distributed_table_concurrently('events', 'id', shard_count => 4)")
    assert partition_row(sql, "events") == [("h", True, "s", False)]
    # the table's shard as a Citus local table (id 102008) was split into the new ones
    assert [shardid for shardid, _ in shard_groups(sql, "events")] == list(range(FIRST_SHARD_ID + 1,
                                                                                 FIRST_SHARD_ID + 5))
    assert sql.one("SELECT count(*) FROM citus_shards WHERE table_name = 'events'::regclass") == 4


def test_a_misquoted_list_is_one_library(sql: Sql, workers: list[Node],
                                         set_output_plugins: Callable[[list[str]], None]) -> None:
    """ALTER SYSTEM SET output_plugin_libraries = 'pgoutput, test_decoding, citus' names a single library."""
    set_output_plugins(["pgoutput, test_decoding, citus"])
    assert sql.one("SHOW output_plugin_libraries") == '"pgoutput, test_decoding, citus"'
    sql("CREATE TABLE events (id bigint PRIMARY KEY)")
    with pytest.raises(psycopg2.Error) as info:
        sql("SELECT create_distributed_table_concurrently('events', 'id', shard_count => 4)")
    assert info.value.diag.message_primary.startswith(f"ERROR:  {MESSAGE}\n")
