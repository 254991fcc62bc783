"""Contract: Citus 13.2's clone nodes and snapshot-based scale-out (catalog rows, notices, exact error texts).

A clone is a streaming replica of a loaded worker: ``citus_add_clone_node`` registers it (inactive), and
``citus_promote_clone_and_rebalance`` promotes it with ``pg_promote()`` and hands it about half of its primary's
shard groups by changing metadata only (the clone has their rows already). The replicas here are made by
pgcluster's ``start_replica`` (``pg_basebackup -R`` of a worker on loopback), so the tests that need one run in
local mode only.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import psycopg2
import pytest
from contract_sql import Sql
from pgcluster import Node

NODE_COLUMNS = ("nodeid, groupid, nodename, nodeport, noderack, hasmetadata, isactive, noderole::text, "
                "nodecluster::text, metadatasynced, shouldhaveshards, nodeisclone, nodeprimarynodeid")

# (name, arguments, result, strict, comment) as citus--13.1-1--13.2-1.sql creates them
FUNCTIONS = [
    ("citus_add_clone_node",
     "replica_hostname text, replica_port integer, primary_hostname text, primary_port integer", "integer", True,
     "Adds a new node as a clone of an existing primary node. The clone is initially inactive. "
     "Returns the nodeid of the new clone node."),
    ("citus_add_clone_node_with_nodeid", "replica_hostname text, replica_port integer, primary_nodeid integer",
     "integer", True,
     "Adds a new node as a clone of an existing primary node using the primary node's ID. The clone is initially "
     "inactive. Returns the nodeid of the new clone node."),
    ("citus_remove_clone_node", "nodename text, nodeport integer", "void", True,
     "Removes an inactive streaming clone node from Citus metadata. Errors if the node is not found, not registered "
     "as a clone, or is currently marked active."),
    ("citus_remove_clone_node_with_nodeid", "nodeid integer", "void", True,
     "Removes an inactive streaming clone node from Citus metadata using its node ID. Errors if the node is not "
     "found, not registered as a clone, or is currently marked active."),
    ("citus_promote_clone_and_rebalance",
     "clone_nodeid integer, rebalance_strategy name DEFAULT NULL::name, catchup_timeout_seconds integer DEFAULT 300",
     "void", False,
     "Promotes a registered clone node to a primary, performs necessary metadata updates, and rebalances a portion "
     "of shards from its original primary to the newly promoted node. The catchUpTimeoutSeconds parameter controls "
     "how long to wait for the clone to catch up with the primary (default: 300 seconds)."),
    ("get_snapshot_based_node_split_plan",
     "primary_node_name text, primary_node_port integer, replica_node_name text, replica_node_port integer, "
     "rebalance_strategy name DEFAULT NULL::name",
     "TABLE(table_name regclass, shardid bigint, shard_size bigint, placement_node text)", False,
     "shows the shard placements to balance shards between primary and replica worker nodes"),
]


def node_row(sql: Sql, node: Node, on: Node | None = None) -> dict | None:
    rows = sql(f"SELECT {NODE_COLUMNS} FROM pg_dist_node WHERE nodename = %s AND nodeport = %s",
               (node.name, node.port), node=on)
    names = [name.strip().split("::")[0] for name in NODE_COLUMNS.split(",")]
    return dict(zip(names, rows[0], strict=True)) if rows else None


def node_id(sql: Sql, node: Node) -> int:
    return sql.one("SELECT nodeid FROM pg_dist_node WHERE nodename = %s AND nodeport = %s", (node.name, node.port))


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clear_notices(sql: Sql, node: Node | None = None) -> None:
    del sql.conn(node).notices[:]


def assert_error(error: psycopg2.Error, message: str, sqlstate: str, detail: str | None = None,
                 hint: str | None = None) -> None:
    assert error.diag.message_primary == message
    assert error.pgcode == sqlstate
    assert error.diag.message_detail == detail
    assert error.diag.message_hint == hint


@pytest.fixture
def replica_of(sql: Sql) -> Iterator:
    """start(worker) -> a streaming replica of that worker (local mode only), stopped after the test."""
    cluster = sql.cluster
    if not cluster.is_local:
        pytest.skip("needs local instances to make streaming replicas (pg_basebackup)")
    started: list[Node] = []

    def start(primary: Node) -> Node:
        replica = cluster.start_replica(primary)
        started.append(replica)
        return replica

    yield start
    sql.close()
    # the cluster forgets a promoted clone before it goes (a DROP TABLE would otherwise reach for it)
    cluster.reset()
    for replica in started:
        cluster.stop_replica(replica)


@pytest.fixture
def loaded(sql: Sql, workers: list[Node]) -> list[Node]:
    """Two workers holding a distributed table (8 shards, with a colocated one) and a reference table, 100 rows."""
    sql("CREATE TABLE events (id bigint PRIMARY KEY, payload text)")
    sql("SELECT create_distributed_table('events', 'id', shard_count => 8)")
    sql("CREATE TABLE event_tags (id bigint PRIMARY KEY, tag text)")
    sql("SELECT create_distributed_table('event_tags', 'id', colocate_with => 'events')")
    sql("CREATE TABLE kinds (id int PRIMARY KEY, name text)")
    sql("SELECT create_reference_table('kinds')")
    sql("INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, 100) g")
    sql("INSERT INTO event_tags SELECT g, 't' || g FROM generate_series(1, 100) g")
    sql("INSERT INTO kinds VALUES (1, 'a'), (2, 'b')")
    return workers


def shards_on(sql: Sql, node: Node, table: str = "events") -> list[int]:
    return [shard for (shard,) in sql(
        "SELECT s.shardid FROM pg_dist_shard s JOIN pg_dist_placement p ON p.shardid = s.shardid "
        "JOIN pg_dist_node n ON n.groupid = p.groupid WHERE s.logicalrelid = %s::regclass "
        "AND n.nodename = %s AND n.nodeport = %s ORDER BY 1", (table, node.name, node.port))]


def checksums(sql: Sql) -> list[tuple]:
    return sql("SELECT (SELECT count(*) FROM events), (SELECT md5(string_agg(payload, ',' ORDER BY id)) FROM events), "
               "(SELECT count(*) FROM event_tags), (SELECT count(*) FROM kinds)")


# -- the functions and catalogs ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "arguments", "result", "strict", "comment"), FUNCTIONS,
                         ids=[f[0] for f in FUNCTIONS])
def test_function_signature_comment_and_grants(sql: Sql, name: str, arguments: str, result: str, strict: bool,
                                               comment: str) -> None:
    rows = sql("SELECT pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), p.proisstrict, "
               "p.provolatile, obj_description(p.oid, 'pg_proc'), "
               "EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0) "
               "FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = %s", (name,))
    # REVOKE ALL ... FROM PUBLIC: no grant to PUBLIC (grantee 0)
    assert rows == [(arguments, result, strict, "v", comment, False)]


def test_pg_dist_node_clone_columns(sql: Sql) -> None:
    rows = sql("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
               "col_description(a.attrelid, a.attnum) FROM pg_attribute a "
               "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
               "WHERE a.attrelid = 'pg_catalog.pg_dist_node'::regclass AND a.attname IN ('nodeisclone', "
               "'nodeprimarynodeid') ORDER BY a.attnum")
    assert rows == [
        ("nodeisclone", "boolean", True, "false", "Indicates if this node is a replica of another node."),
        ("nodeprimarynodeid", "integer", True, "0",
         "If nodeisclone is true, this stores the nodeid of its primary node."),
    ]


def test_pg_dist_cleanup_columns(sql: Sql) -> None:
    rows = sql("SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute "
               "WHERE attrelid = 'pg_catalog.pg_dist_cleanup'::regclass AND attnum > 0 AND NOT attisdropped "
               "ORDER BY attnum")
    assert rows == [("record_id", "bigint", True), ("operation_id", "bigint", True), ("object_type", "integer", True),
                    ("object_name", "text", True), ("node_group_id", "integer", True), ("policy_type", "integer", True)]


def test_noderole_has_unavailable(sql: Sql) -> None:
    assert sql.one("SELECT enum_range(NULL::noderole)::text") == "{primary,secondary,unavailable}"


# -- refusals that need no replica -------------------------------------------------------------------------------

def test_add_clone_of_unknown_primary(sql: Sql, workers: list[Node]) -> None:
    port = closed_port()
    error = sql.error("SELECT citus_add_clone_node('127.0.0.1', %s, '127.0.0.1', %s)", (port, port))
    assert_error(error, f"primary node 127.0.0.1:{port} not found in pg_dist_node", "55000")


def test_add_clone_with_unknown_primary_id(sql: Sql, workers: list[Node]) -> None:
    error = sql.error("SELECT citus_add_clone_node_with_nodeid('127.0.0.1', %s, 99)", (closed_port(),))
    assert_error(error, "node with node id 99 could not be found", "XX000")


def test_add_clone_of_the_coordinator(sql: Sql, workers: list[Node]) -> None:
    coordinator = sql.cluster.coordinator
    error = sql.error("SELECT citus_add_clone_node('127.0.0.1', %s, %s, %s)",
                      (closed_port(), coordinator.name, coordinator.port))
    assert_error(error, f"primary node {coordinator.address} does not have shards, node without shards cannot have "
                        "clones", "55000")


def test_add_clone_of_a_primary_without_shards(sql: Sql, workers: list[Node]) -> None:
    primary = workers[0]
    sql("SELECT citus_set_node_property(%s, %s, 'shouldhaveshards', false)", (primary.name, primary.port))
    error = sql.error("SELECT citus_add_clone_node_with_nodeid('127.0.0.1', %s, %s)",
                      (closed_port(), node_id(sql, primary)))
    assert_error(error, f"primary node {primary.address} does not have shards, node without shards cannot have "
                        "clones", "55000")


def test_add_clone_that_is_already_a_node(sql: Sql, workers: list[Node]) -> None:
    primary, other = workers
    error = sql.error("SELECT citus_add_clone_node(%s, %s, %s, %s)", (other.name, other.port, primary.name,
                                                                      primary.port))
    assert_error(error, f"a different node {other.address} (nodeid {node_id(sql, other)}) already exists or is a "
                        "clone for a different primary", "55000")
    assert node_row(sql, other)["nodeisclone"] is False


def test_add_clone_that_is_not_in_recovery(sql: Sql, workers: list[Node], third_worker: Node) -> None:
    primary = workers[0]
    error = sql.error("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                      (third_worker.name, third_worker.port, primary.name, primary.port))
    assert_error(error, f"node {third_worker.address} is not in recovery mode", "55000")
    assert node_row(sql, third_worker) is None


def test_add_clone_that_cannot_be_reached(sql: Sql, workers: list[Node]) -> None:
    primary, port = workers[0], closed_port()
    error = sql.error("SELECT citus_add_clone_node('127.0.0.1', %s, %s, %s)", (port, primary.name, primary.port))
    assert error.diag.message_primary.startswith(
        f"connection to the remote node postgres@127.0.0.1:{port} failed with the following error: ")
    assert sql.one("SELECT count(*) FROM pg_dist_node WHERE nodeisclone") == 0


def test_remove_clone_node_refusals(sql: Sql, workers: list[Node]) -> None:
    primary, port = workers[0], closed_port()
    assert_error(sql.error("SELECT citus_remove_clone_node('127.0.0.1', %s)", (port,)),
                 f'node "127.0.0.1:{port}" does not exist', "55000")
    assert_error(sql.error("SELECT citus_remove_clone_node_with_nodeid(99)"), "Clone node with ID 99 does not exist",
                 "55000")
    not_a_clone = (f"Node {primary.address} (ID {node_id(sql, primary)}) is not a clone node. "
                   "Use citus_remove_node() to remove primary or already promoted nodes.")
    assert_error(sql.error("SELECT citus_remove_clone_node(%s, %s)", (primary.name, primary.port)), not_a_clone,
                 "55000")
    assert_error(sql.error("SELECT citus_remove_clone_node_with_nodeid(%s)", (node_id(sql, primary),)), not_a_clone,
                 "55000")
    assert node_row(sql, primary)["isactive"] is True


@pytest.mark.parametrize("clone_id", ["99", "NULL"])
def test_promote_unknown_clone(sql: Sql, workers: list[Node], clone_id: str) -> None:
    error = sql.error(f"SELECT citus_promote_clone_and_rebalance({clone_id})")
    assert_error(error, f"Clone node with ID {99 if clone_id == '99' else 0} not found.", "55000")


def test_promote_a_primary(sql: Sql, workers: list[Node]) -> None:
    primary = workers[0]
    nodeid = node_id(sql, primary)
    error = sql.error("SELECT citus_promote_clone_and_rebalance(%s)", (nodeid,))
    assert_error(error, f"Node {primary.address} (ID {nodeid}) is not a valid clone or its primary node ID is not "
                        "set.", "55000")


def test_split_plan_for_unknown_nodes(sql: Sql, workers: list[Node]) -> None:
    primary, port = workers[0], closed_port()
    error = sql.error("SELECT * FROM get_snapshot_based_node_split_plan('127.0.0.1', %s, %s, %s)",
                      (port, primary.name, primary.port))
    assert_error(error, f"node 127.0.0.1:{port} not found", "P0002")
    error = sql.error("SELECT * FROM get_snapshot_based_node_split_plan(%s, %s, '127.0.0.1', %s)",
                      (primary.name, primary.port, port))
    assert_error(error, f"node 127.0.0.1:{port} not found", "P0002")


def test_split_plan_with_a_primary_as_clone(sql: Sql, workers: list[Node]) -> None:
    primary, other = workers
    error = sql.error("SELECT * FROM get_snapshot_based_node_split_plan(%s, %s, %s, %s)",
                      (primary.name, primary.port, other.name, other.port))
    assert_error(error, f"Node {other.address} (ID {node_id(sql, other)}) is not a valid clone or its primary node ID "
                        "is not set.", "55000")


@pytest.mark.parametrize("call", [
    "SELECT citus_add_clone_node('127.0.0.1', 1, '127.0.0.1', 2)",
    "SELECT citus_add_clone_node_with_nodeid('127.0.0.1', 1, 1)",
    "SELECT citus_remove_clone_node('127.0.0.1', 1)",
    "SELECT citus_remove_clone_node_with_nodeid(1)",
    "SELECT citus_promote_clone_and_rebalance(1)",
])
def test_refused_on_a_worker(sql: Sql, workers: list[Node], call: str) -> None:
    error = sql.error(call, node=workers[0])
    assert_error(error, "operation is not allowed on this node", "XX000",
                 hint="Connect to the coordinator and run it again.")


# -- a clone: register, list, remove -----------------------------------------------------------------------------

def test_add_clone_registers_an_inactive_unavailable_node(sql: Sql, workers: list[Node], replica_of) -> None:
    primary, other = workers
    clone = replica_of(primary)
    clear_notices(sql)
    clone_id = sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)", (clone.name, clone.port, primary.name,
                                                                       primary.port))
    assert sql.notices() == [
        f"NOTICE:  checking replication relationship between primary {primary.address} and clone {clone.address}",
        f"NOTICE:  checking replication status of clone node {clone.address}",
        f"NOTICE:  clone {clone.address} is properly connected to primary {primary.address} and is not synchronous",
    ]
    groups = sql.one("SELECT max(groupid) FROM pg_dist_node WHERE NOT nodeisclone")
    assert node_row(sql, clone) == {
        "nodeid": clone_id, "groupid": groups + 1, "nodename": clone.name, "nodeport": clone.port,
        "noderack": "default", "hasmetadata": False, "isactive": False, "noderole": "unavailable",
        "nodecluster": "default", "metadatasynced": False, "shouldhaveshards": False, "nodeisclone": True,
        "nodeprimarynodeid": node_id(sql, primary)}
    # the workers with metadata get the row too
    assert node_row(sql, clone, on=other) == node_row(sql, clone)
    # not a worker: no shards, not listed
    assert (clone.name, clone.port) not in sql("SELECT node_name, node_port FROM citus_get_active_worker_nodes()")
    sql("CREATE TABLE t (id int PRIMARY KEY)")
    sql("SELECT create_distributed_table('t', 'id', shard_count => 4)")
    assert shards_on(sql, clone, "t") == []


def test_add_clone_again_returns_the_same_node(sql: Sql, workers: list[Node], replica_of) -> None:
    primary = workers[0]
    clone = replica_of(primary)
    clone_id = sql.one("SELECT citus_add_clone_node_with_nodeid(%s, %s, %s)",
                       (clone.name, clone.port, node_id(sql, primary)))
    clear_notices(sql)
    assert sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                   (clone.name, clone.port, primary.name, primary.port)) == clone_id
    assert sql.notices() == [f"NOTICE:  node {clone.address} is already registered as a clone for primary "
                             f"{primary.address} (nodeid {node_id(sql, primary)})"]
    assert sql.one("SELECT count(*) FROM pg_dist_node WHERE nodeisclone") == 1


def test_add_clone_for_the_wrong_primary(sql: Sql, workers: list[Node], replica_of) -> None:
    primary, other = workers
    clone = replica_of(primary)
    error = sql.error("SELECT citus_add_clone_node(%s, %s, %s, %s)", (clone.name, clone.port, other.name, other.port))
    assert_error(error, f"clone {clone.address} is not connected to primary {other.address}", "55000",
                 "The clone must be actively replicating from the specified primary node",
                 "Verify the clone is running and properly configured for replication")
    assert node_row(sql, clone) is None


def test_add_clone_that_is_a_synchronous_standby(sql: Sql, workers: list[Node], replica_of) -> None:
    primary = workers[0]
    clone = replica_of(primary)
    sql("ALTER SYSTEM SET synchronous_standby_names = '*'", node=primary)
    try:
        sql("SELECT pg_reload_conf()", node=primary)
        deadline = time.monotonic() + 30
        while sql("SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync'", node=primary) == []:
            assert time.monotonic() < deadline, "the replica did not become a synchronous standby within 30 s"
            time.sleep(0.2)
        error = sql.error("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                          (clone.name, clone.port, primary.name, primary.port))
    finally:
        sql("ALTER SYSTEM RESET synchronous_standby_names", node=primary)
        sql("SELECT pg_reload_conf()", node=primary)
    assert_error(error, f"cannot add clone {clone.address} as it is configured as a synchronous replica", "55000",
                 "Promoting a synchronous clone can cause data consistency issues",
                 "Configure clone as an asynchronous replica")
    assert node_row(sql, clone) is None


def test_add_clone_of_a_clone(sql: Sql, workers: list[Node], replica_of) -> None:
    primary = workers[0]
    clone = replica_of(primary)
    sql("SELECT citus_add_clone_node(%s, %s, %s, %s)", (clone.name, clone.port, primary.name, primary.port))
    error = sql.error("SELECT citus_add_clone_node('127.0.0.1', %s, %s, %s)", (closed_port(), clone.name, clone.port))
    assert_error(error, f"primary node {clone.address} is itself a clone and cannot have clones", "55000")


@pytest.mark.parametrize("by_id", [False, True], ids=["by_name", "by_id"])
def test_remove_clone(sql: Sql, workers: list[Node], replica_of, by_id: bool) -> None:
    primary, other = workers
    clone = replica_of(primary)
    clone_id = sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                       (clone.name, clone.port, primary.name, primary.port))
    clear_notices(sql)
    if by_id:
        sql("SELECT citus_remove_clone_node_with_nodeid(%s)", (clone_id,))
    else:
        sql("SELECT citus_remove_clone_node(%s, %s)", (clone.name, clone.port))
    assert sql.notices() == [f"NOTICE:  Removing inactive clone node {clone.address} (ID {clone_id})"]
    assert node_row(sql, clone) is None
    assert node_row(sql, clone, on=other) is None
    # the replica is untouched: still streaming from its primary
    assert sql.one("SELECT pg_is_in_recovery()", node=clone) is True


# -- the split plan ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", [None, "by_shard_count"])
def test_split_plan_halves_the_primary_s_shard_groups(sql: Sql, workers: list[Node], replica_of,
                                                      strategy: str | None) -> None:
    primary = workers[0]
    # empty tables: every shard group has the same size, so by_disk_size and by_shard_count agree
    sql("CREATE TABLE events (id bigint PRIMARY KEY)")
    sql("SELECT create_distributed_table('events', 'id', shard_count => 8)")
    sql("CREATE TABLE event_tags (id bigint PRIMARY KEY)")
    sql("SELECT create_distributed_table('event_tags', 'id', colocate_with => 'events')")
    sql("CREATE TABLE kinds (id int PRIMARY KEY)")
    sql("SELECT create_reference_table('kinds')")
    clone = replica_of(primary)
    sql("SELECT citus_add_clone_node(%s, %s, %s, %s)", (clone.name, clone.port, primary.name, primary.port))
    before = sql("SELECT * FROM pg_dist_placement ORDER BY placementid")
    plan = sql("SELECT table_name::text, shardid, shard_size, placement_node FROM get_snapshot_based_node_split_plan("
               "%s, %s, %s, %s, %s)", (primary.name, primary.port, clone.name, clone.port, strategy))
    anchors = shards_on(sql, primary)
    assert len(anchors) == 4
    # the lower half of the shard ids goes to the clone (equal costs: lower shard id first), with their groups
    expected = [(table, shard, 0, "Clone Node") for table, shard in plan_rows(sql, anchors[:2])] + [
        (table, shard, 0, "Primary Node") for table, shard in plan_rows(sql, anchors[2:])]
    assert sorted(plan) == sorted(expected)
    # the shards that stay come first
    assert [row[3] for row in plan] == ["Primary Node"] * 4 + ["Clone Node"] * 4
    assert sql("SELECT * FROM pg_dist_placement ORDER BY placementid") == before


def test_split_plan_over_two_colocation_groups(sql: Sql, workers: list[Node], replica_of) -> None:
    """Shard groups of every colocation group compete: with equal costs the lowest shard ids go to the clone."""
    primary = workers[0]
    sql("CREATE TABLE a (id bigint PRIMARY KEY)")
    sql("SELECT create_distributed_table('a', 'id', shard_count => 4)")
    sql("CREATE TABLE b (id bigint PRIMARY KEY)")
    sql("SELECT create_distributed_table('b', 'id', shard_count => 4, colocate_with => 'none')")
    clone = replica_of(primary)
    sql("SELECT citus_add_clone_node(%s, %s, %s, %s)", (clone.name, clone.port, primary.name, primary.port))
    on_primary = sorted(shards_on(sql, primary, "a") + shards_on(sql, primary, "b"))
    assert len(on_primary) == 4
    plan = sql("SELECT table_name::text, shardid, placement_node FROM get_snapshot_based_node_split_plan(%s, %s, %s, "
               "%s, 'by_shard_count')", (primary.name, primary.port, clone.name, clone.port))
    assert sorted(plan, key=lambda row: row[1]) == [
        ("a" if shard in shards_on(sql, primary, "a") else "b", shard,
         "Clone Node" if shard in on_primary[:2] else "Primary Node") for shard in on_primary]


def test_split_plan_refusals(sql: Sql, workers: list[Node], replica_of) -> None:
    primary, other = workers
    clone = replica_of(primary)
    clone_id = sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                       (clone.name, clone.port, primary.name, primary.port))
    error = sql.error("SELECT * FROM get_snapshot_based_node_split_plan(%s, %s, %s, %s)",
                      (other.name, other.port, clone.name, clone.port))
    assert_error(error, f"Clone node {clone.address} (ID {clone_id}) is not a clone of the primary node "
                        f"{other.address} (ID {node_id(sql, other)}).", "55000")
    error = sql.error("SELECT * FROM get_snapshot_based_node_split_plan(%s, %s, %s, %s)",
                      (clone.name, clone.port, clone.name, clone.port))
    assert_error(error, f"Primary node {clone.address} (ID {clone_id}) is itself a replica.", "55000")
    error = sql.error("SELECT * FROM get_snapshot_based_node_split_plan(%s, %s, %s, %s, 'nope')",
                      (primary.name, primary.port, clone.name, clone.port))
    assert_error(error, "could not find rebalance strategy with name nope", "XX000")


# -- promotion ---------------------------------------------------------------------------------------------------

def test_promote_clone_splits_the_shards_and_keeps_every_row(sql: Sql, loaded: list[Node], replica_of) -> None:
    primary, other = loaded
    rows_before = checksums(sql)
    on_primary = shards_on(sql, primary)
    on_other = shards_on(sql, other)
    clone = replica_of(primary)
    clone_id = sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                       (clone.name, clone.port, primary.name, primary.port))
    # rows written after the clone was added reach it by streaming replication
    sql("INSERT INTO events SELECT g, md5(g::text) FROM generate_series(101, 150) g")
    rows_before = checksums(sql)
    clone_group = node_row(sql, clone)["groupid"]
    primary_id, primary_group = node_id(sql, primary), node_row(sql, primary)["groupid"]
    plan = sql("SELECT table_name::text, shardid, placement_node FROM get_snapshot_based_node_split_plan(%s, %s, %s, "
               "%s, 'by_shard_count')", (primary.name, primary.port, clone.name, clone.port))
    to_clone = sorted(shard for table, shard, where in plan if table == "events" and where == "Clone Node")
    stays = sorted(shard for table, shard, where in plan if table == "events" and where == "Primary Node")
    assert len(to_clone) == len(stays) == 2
    assert sorted(to_clone + stays) == on_primary

    conn = sql.conn()
    conn.autocommit = False
    try:
        clear_notices(sql)
        sql("SELECT citus_promote_clone_and_rebalance(%s, 'by_shard_count')", (clone_id,))
        notices = sql.notices()
        # the deferred drops, in the promoting transaction: each node's copy of the other's shard groups
        cleanup = sql("SELECT object_type, object_name, node_group_id, policy_type FROM pg_dist_cleanup "
                      "ORDER BY record_id")
        conn.commit()
    finally:
        conn.autocommit = True
    assert notices == [
        f"NOTICE:  Starting promotion process for clone node {clone.address} (ID {clone_id}), original primary "
        f"{primary.address} (ID {primary_id})",
        f"NOTICE:  checking replication relationship between primary {primary.address} and clone {clone.address}",
        f"NOTICE:  checking replication status of clone node {clone.address}",
        f"NOTICE:  clone {clone.address} is properly connected to primary {primary.address} and is not synchronous",
        f"NOTICE:  Blocking writes on shards of original primary node {primary.address} (group {primary_group})",
        f"NOTICE:  Blocking all writes to worker node {primary.address} (ID {primary_id})",
        f"NOTICE:  Waiting for clone {clone.address} to catch up with primary {primary.address} (timeout: 300 seconds)",
        f"NOTICE:  Clone {clone.address} is now caught up with primary {primary.address}.",
        f"NOTICE:  Attempting to promote clone {clone.address} via pg_promote().",
        f"NOTICE:  Clone node {clone.address} (ID {clone_id}) has been successfully promoted.",
        f"NOTICE:  Updating metadata for promoted clone {clone.address} (ID {clone_id})",
        f"NOTICE:  adjusting shard placements for primary {primary.address} and clone {clone.address}",
        f"NOTICE:  processing {len(stays)} shards for primary node GroupID {primary_group}",
        f"NOTICE:  processing {len(to_clone)} shards for clone node GroupID {clone_group}",
        f"NOTICE:  shard placement adjustment complete for primary {primary.address} and clone {clone.address}",
        f"NOTICE:  Clone node {clone.address} (ID {clone_id}) metadata updated. It is now a primary",
        f"NOTICE:  Clone node {clone.address} (ID {clone_id}) successfully registered as a worker node",
    ]
    assert sorted(cleanup) == sorted(
        [(1, f"public.{table}_{shard}", clone_group, 2) for table, shard in plan_rows(sql, stays)]
        + [(1, f"public.{table}_{shard}", primary_group, 2) for table, shard in plan_rows(sql, to_clone)])

    # a primary in its own group, with metadata
    assert node_row(sql, clone) == {
        "nodeid": clone_id, "groupid": clone_group, "nodename": clone.name, "nodeport": clone.port,
        "noderack": "default", "hasmetadata": True, "isactive": True, "noderole": "primary", "nodecluster": "default",
        "metadatasynced": True, "shouldhaveshards": True, "nodeisclone": False, "nodeprimarynodeid": 0}
    assert sql.one("SELECT pg_is_in_recovery()", node=clone) is False
    assert sql.one("SELECT groupid FROM pg_dist_local_group", node=clone) == clone_group
    assert node_row(sql, clone, on=other) == node_row(sql, clone)
    # the shard groups split, the other worker's untouched, the reference table on the clone too
    assert shards_on(sql, clone) == to_clone
    assert shards_on(sql, primary) == stays
    assert shards_on(sql, clone, "event_tags") == [shard for table, shard in plan_rows(sql, to_clone)
                                                   if table == "event_tags"]
    assert shards_on(sql, other) == on_other
    assert len(shards_on(sql, clone, "kinds")) == 1
    assert checksums(sql) == rows_before

    # the deferred drops run; rows still all there
    sql("CALL citus_cleanup_orphaned_resources()")
    assert sql("SELECT * FROM pg_dist_cleanup") == []
    assert checksums(sql) == rows_before
    # promoted: no longer a clone
    error = sql.error("SELECT citus_promote_clone_and_rebalance(%s)", (clone_id,))
    assert_error(error, f"Node {clone.address} (ID {clone_id}) is not a valid clone or its primary node ID is not "
                        "set.", "55000")
    error = sql.error("SELECT citus_remove_clone_node(%s, %s)", (clone.name, clone.port))
    assert_error(error, f"Node {clone.address} (ID {clone_id}) is not a clone node. Use citus_remove_node() to "
                        "remove primary or already promoted nodes.", "55000")


def plan_rows(sql: Sql, anchors: list[int]) -> list[tuple[str, int]]:
    """(table, shard) of every shard in the shard groups of ``anchors`` (events and its colocated event_tags)."""
    return [(table, shard) for table, shard in sql(
        "SELECT s.logicalrelid::text, s.shardid FROM pg_dist_shard s JOIN pg_dist_shard a "
        "ON a.shardminvalue = s.shardminvalue AND a.logicalrelid = 'events'::regclass "
        "WHERE a.shardid = ANY(%s) AND s.logicalrelid IN ('events'::regclass, 'event_tags'::regclass) "
        "ORDER BY s.shardid", (anchors,))]


def test_promote_clone_that_does_not_catch_up_in_time(sql: Sql, loaded: list[Node], replica_of) -> None:
    primary = loaded[0]
    clone = replica_of(primary)
    clone_id = sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                       (clone.name, clone.port, primary.name, primary.port))
    before = sql("SELECT * FROM pg_dist_placement ORDER BY placementid")
    clear_notices(sql)
    error = sql.error("SELECT citus_promote_clone_and_rebalance(%s, catchup_timeout_seconds => 0)", (clone_id,))
    assert_error(error, f"Clone {clone.address} failed to catch up with primary {primary.address} within 0 seconds.",
                 "55000")
    assert sql.notices()[-1] == (f"NOTICE:  Waiting for clone {clone.address} to catch up with primary "
                                 f"{primary.address} (timeout: 0 seconds)")
    # nothing changed: still an inactive clone, still a replica, the same placements
    assert node_row(sql, clone)["nodeisclone"] is True
    assert sql.one("SELECT pg_is_in_recovery()", node=clone) is True
    assert sql("SELECT * FROM pg_dist_placement ORDER BY placementid") == before


def test_promote_refused_while_a_rebalance_runs(sql: Sql, loaded: list[Node], third_worker: Node, replica_of) -> None:
    primary = loaded[0]
    clone = replica_of(primary)
    clone_id = sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                       (clone.name, clone.port, primary.name, primary.port))
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    job = sql.one("SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')")
    assert job is not None
    error = sql.error("SELECT citus_promote_clone_and_rebalance(%s)", (clone_id,))
    assert_error(error, f"A rebalance operation is already running as job {job}", "XX000",
                 "A rebalance was already scheduled as background job",
                 "To monitor progress, run: SELECT * FROM citus_rebalance_status();")
    assert node_row(sql, clone)["nodeisclone"] is True


def test_promote_clone_that_stopped_streaming(sql: Sql, loaded: list[Node], replica_of) -> None:
    primary = loaded[0]
    clone = replica_of(primary)
    clone_id = sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                       (clone.name, clone.port, primary.name, primary.port))
    sql.cluster.stop_replica(clone)
    error = sql.error("SELECT citus_promote_clone_and_rebalance(%s)", (clone_id,))
    assert_error(error, f"clone {clone.address} is not connected to primary {primary.address}", "55000",
                 "The clone must be actively replicating from the specified primary node",
                 "Verify the clone is running and properly configured for replication")
    assert node_row(sql, clone)["nodeisclone"] is True


def test_promote_with_an_unknown_strategy_promotes_before_it_fails(sql: Sql, loaded: list[Node],
                                                                   replica_of) -> None:
    """Citus looks the strategy up only when it splits the shards, after pg_promote(): the clone is then a primary
    of its own while pg_dist_node still shows an inactive clone, and a retry finds it no longer replicating.
    (So check the strategy first, e.g. with get_snapshot_based_node_split_plan.)"""
    primary = loaded[0]
    clone = replica_of(primary)
    clone_id = sql.one("SELECT citus_add_clone_node(%s, %s, %s, %s)",
                       (clone.name, clone.port, primary.name, primary.port))
    before = sql("SELECT * FROM pg_dist_placement ORDER BY placementid")
    error = sql.error("SELECT citus_promote_clone_and_rebalance(%s, 'nope')", (clone_id,))
    assert_error(error, "could not find rebalance strategy with name nope", "XX000")
    assert sql.one("SELECT pg_is_in_recovery()", node=clone) is False
    assert node_row(sql, clone)["nodeisclone"] is True
    assert node_row(sql, clone)["isactive"] is False
    assert sql("SELECT * FROM pg_dist_placement ORDER BY placementid") == before
    error = sql.error("SELECT citus_promote_clone_and_rebalance(%s)", (clone_id,))
    assert error.diag.message_primary == f"clone {clone.address} is not connected to primary {primary.address}"


def test_remove_node_removes_an_unpromoted_clone(sql: Sql, workers: list[Node], replica_of) -> None:
    primary, other = workers
    clone = replica_of(primary)
    sql("SELECT citus_add_clone_node(%s, %s, %s, %s)", (clone.name, clone.port, primary.name, primary.port))
    sql("SELECT citus_remove_node(%s, %s)", (clone.name, clone.port))
    assert node_row(sql, clone) is None
    assert node_row(sql, clone, on=other) is None
