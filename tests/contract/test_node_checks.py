"""Contract: Citus 13.2's node connection checks (run_command_on_workers, citus_check_connection_to_node,
citus_check_cluster_node_health), which go over Citus's own node connections (citus.node_conninfo, TLS, .pgpass)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from contract_sql import Sql, sorted_nodes
from pgcluster import Node

TLS_QUERY = "SELECT ssl::text || ' ' || coalesce(client_dn, '-') FROM pg_stat_ssl WHERE pid = pg_backend_pid()"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_worker(sql: Sql, workers: list[Node]) -> Iterator[tuple[Node, int]]:
    """The first worker's row pointed at a closed port (citus_update_node); put back afterwards."""
    node = workers[0]
    nodeid = sql.one("SELECT nodeid FROM pg_dist_node WHERE nodename = %s AND nodeport = %s", (node.name, node.port))
    port = closed_port()
    sql("SELECT citus_update_node(%s, %s, %s)", (nodeid, node.name, port))
    try:
        yield node, port
    finally:
        sql("SELECT citus_update_node(%s, %s, %s)", (nodeid, node.name, node.port))
        # Citus marks the metadata workers out of sync and re-syncs them in the background: wait for it, as
        # removing a node (the next test's reset) fails until then
        deadline = time.monotonic() + 60
        while not sql.one("SELECT coalesce(bool_and(metadatasynced), true) FROM pg_dist_node WHERE hasmetadata"):
            assert time.monotonic() < deadline, "the workers' metadata did not get synced again within 60 s"
            time.sleep(0.5)


def test_run_command_on_workers_without_workers(sql: Sql) -> None:
    assert sql("SELECT * FROM run_command_on_workers('SELECT 1')") == []


def test_run_command_on_workers_rows(sql: Sql, workers: list[Node]) -> None:
    # one row per active worker (not the coordinator), ordered by name and port
    assert sql("SELECT nodename, nodeport, success, result FROM run_command_on_workers('SELECT 1')") == [
        (node.name, node.port, True, "1") for node in sorted_nodes(workers)]


@pytest.mark.parametrize("parallel", [True, False])
@pytest.mark.parametrize(("command", "success", "result"), [
    ("SELECT 'x' || 1", True, "x1"),
    ("SELECT 1, 2", False, "expected a single column in query target"),
    ("SELECT generate_series(1, 2)", False, "expected a single row in query result"),
    ("SELECT 1 WHERE false", True, ""),
    ("SELECT NULL", True, ""),
    ("SELECT * FROM no_such_table", False, 'ERROR:  relation "no_such_table" does not exist'),
    ("SELECT 1/0", False, "ERROR:  division by zero"),
    ("SET work_mem TO 1000", True, "SET"),
    ("SELECT current_user || ' ' || current_database()", True, "postgres citus_test"),
])
def test_run_command_on_workers_results(sql: Sql, workers: list[Node], command: str, success: bool, result: str,
                                        parallel: bool) -> None:
    if "current_user" in command:
        result = sql.one("SELECT current_user || ' ' || current_database()")
    rows = sql("SELECT nodename, nodeport, success, result FROM run_command_on_workers(%s, %s)", (command, parallel))
    assert rows == [(node.name, node.port, success, result) for node in sorted_nodes(workers)]


def test_run_command_on_workers_over_tls(sql: Sql, workers: list[Node]) -> None:
    """The way the Molecule scenarios check a worker's connection (citus.node_conninfo = sslmode=require)."""
    node = workers[1]
    assert sql("SELECT success, result FROM run_command_on_workers(%s) WHERE nodename = %s AND nodeport = %s",
               (TLS_QUERY, node.name, node.port)) == [(True, "true -")]


def test_run_command_on_workers_names_itself(sql: Sql, workers: list[Node]) -> None:
    rows = sql("SELECT DISTINCT result FROM run_command_on_workers("
               "'SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()')")
    assert len(rows) == 1 and rows[0][0].startswith("citus_run_command gpid=")


def test_run_command_on_an_unreachable_worker(sql: Sql, workers: list[Node],
                                              unreachable_worker: tuple[Node, int]) -> None:
    node, port = unreachable_worker
    other = workers[1]
    rows = sql("SELECT nodename, nodeport, success, result FROM run_command_on_workers('SELECT 1')")
    expected = sorted([(node.name, port, False, f"failed to connect to {node.name}:{port}"),
                       (other.name, other.port, True, "1")], key=lambda row: (row[0].encode(), row[1]))
    assert rows == expected
    assert sql("SELECT nodename, nodeport, success, result FROM run_command_on_workers('SELECT 1', false)") == expected


def test_check_connection_to_node(sql: Sql, workers: list[Node]) -> None:
    node = workers[0]
    assert sql.one("SELECT citus_check_connection_to_node(%s, %s)", (node.name, node.port)) is True
    port = closed_port()
    user = sql.one("SELECT current_user")
    assert sql.one("SELECT citus_check_connection_to_node('127.0.0.1', %s)", (port,)) is False
    assert (f"WARNING:  connection to the remote node {user}@127.0.0.1:{port} failed with the following error: "
            "Connection refused") in sql.notices()


def test_check_cluster_node_health(sql: Sql, workers: list[Node]) -> None:
    nodes = sorted_nodes([sql.cluster.coordinator, *workers])
    assert sql("SELECT * FROM citus_check_cluster_node_health()") == [
        (source.name, source.port, target.name, target.port, True) for source in nodes for target in nodes]


def test_check_cluster_node_health_with_an_unreachable_worker(sql: Sql, workers: list[Node],
                                                              unreachable_worker: tuple[Node, int]) -> None:
    node, port = unreachable_worker
    coordinator = sql.cluster.coordinator
    nodes = sorted([(coordinator.name, coordinator.port), (node.name, port), (workers[1].name, workers[1].port)],
                   key=lambda item: (item[0].encode(), item[1]))
    expected = [(*source, *target, None if source == (node.name, port) else target != (node.name, port))
                for source in nodes for target in nodes]
    assert sql("SELECT * FROM citus_check_cluster_node_health()") == expected


@pytest.mark.parametrize(("signature", "arguments", "result"), [
    ("run_command_on_workers(text, boolean)",
     "command text, parallel boolean DEFAULT true, OUT nodename text, OUT nodeport integer, OUT success boolean, "
     "OUT result text", "SETOF record"),
    ("master_run_on_worker(text[], integer[], text[], boolean)",
     "worker_name text[], port integer[], command text[], parallel boolean, OUT node_name text, "
     "OUT node_port integer, OUT success boolean, OUT result text", "SETOF record"),
    ("citus_check_connection_to_node(text, integer)", "nodename text, nodeport integer DEFAULT 5432", "boolean"),
    ("citus_check_cluster_node_health()",
     "OUT from_nodename text, OUT from_nodeport integer, OUT to_nodename text, OUT to_nodeport integer, "
     "OUT result boolean", "SETOF record"),
])
def test_node_check_signatures(sql: Sql, signature: str, arguments: str, result: str) -> None:
    assert sql("SELECT pg_get_function_arguments(%s::regprocedure), pg_get_function_result(%s::regprocedure)",
               (f"pg_catalog.{signature}", f"pg_catalog.{signature}")) == [(arguments, result)]
