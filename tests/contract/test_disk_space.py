"""Contract: Citus's disk space statistics (citus_local_disk_space_stats) and the free-space setting of its shard moves
(citus.desired_percent_disk_available_after_move), which playbooks/scale_in.yml reads before it drains a node."""

from __future__ import annotations

import os

import psycopg2
from contract_sql import Sql, sorted_nodes
from pgcluster import Node

SETTING = "citus.desired_percent_disk_available_after_move"


def test_the_function_signature(sql: Sql) -> None:
    assert sql("SELECT pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid), p.proisstrict, "
               "l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
               "WHERE p.oid = 'pg_catalog.citus_local_disk_space_stats'::regproc") == [
        ("OUT available_disk_size bigint, OUT total_disk_size bigint",
         "record", True, "c")]


def test_one_row_of_free_and_total_bytes(sql: Sql) -> None:
    [(available, total)] = sql("SELECT available_disk_size, total_disk_size FROM citus_local_disk_space_stats()")
    assert 0 < available <= total


def test_the_file_system_of_the_data_directory(sql: Sql) -> None:
    # Citus: statvfs of the data directory, free blocks (f_bfree, root's reserve included) and all blocks, in bytes
    if not sql.cluster.is_local:
        return
    data_directory = sql.one("SHOW data_directory")
    before = os.statvfs(data_directory)
    [(available, total)] = sql("SELECT available_disk_size, total_disk_size FROM citus_local_disk_space_stats()")
    after = os.statvfs(data_directory)
    assert total == before.f_blocks * before.f_frsize
    low, high = sorted([before.f_bfree * before.f_frsize, after.f_bfree * after.f_frsize])
    # other processes write meanwhile: within 64 MiB of the two readings around the call
    assert low - 2**26 <= available <= high + 2**26


def test_read_on_every_worker_through_run_command_on_workers(sql: Sql, workers: list[Node]) -> None:
    rows = sql("SELECT nodename, nodeport, success, result FROM run_command_on_workers("
               "$$SELECT available_disk_size || ',' || total_disk_size FROM citus_local_disk_space_stats()$$)")
    assert [(name, port, success) for name, port, success, _ in rows] == [
        (node.name, node.port, True) for node in sorted_nodes(workers)]
    for *_, result in rows:
        available, total = (int(value) for value in result.split(","))
        assert 0 < available <= total


def test_the_setting(sql: Sql) -> None:
    assert sql("SELECT vartype, boot_val, min_val, max_val, context FROM pg_settings WHERE name = %s", (SETTING,)) == [
        ("real", "10", "0", "100", "sighup")]


def test_the_setting_is_not_set_in_a_session(sql: Sql) -> None:
    error = sql.error(f"SET {SETTING} = 50")
    assert error.pgcode == "55P02"
    assert str(error).splitlines()[0] == f'parameter "{SETTING}" cannot be changed now'


def test_the_setting_range(sql: Sql) -> None:
    error = sql.error(f"ALTER SYSTEM SET {SETTING} = 101")
    assert isinstance(error, psycopg2.errors.InvalidParameterValue)
    assert str(error).splitlines()[0] == f'101 is outside the valid range for parameter "{SETTING}" (0 .. 100)'
