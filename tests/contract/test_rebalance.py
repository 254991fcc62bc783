"""Contract: Citus 13.2 rebalancer (plan after adding a worker, rebalance, drain, background jobs)."""

from __future__ import annotations

import pytest
from contract_sql import Sql
from pgcluster import Node

PLAN = "SELECT table_name::text, shardid, sourcename, sourceport, targetname, targetport " \
       "FROM get_rebalance_table_shards_plan()"


def shard_counts(sql: Sql, table: str) -> dict[tuple[str, int], int]:
    rows = sql("SELECT n.nodename, n.nodeport, count(*) FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) "
               "JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = %s::regclass "
               "GROUP BY n.nodename, n.nodeport", (table,))
    return {(name, port): count for name, port, count in rows}


@pytest.fixture
def two_colocated_tables(sql: Sql, workers: list[Node]) -> list[Node]:
    """users and orders (32 colocated shards, primary keys) on the first two workers."""
    sql("CREATE TABLE users (id bigint PRIMARY KEY)")
    sql("CREATE TABLE orders (user_id bigint, id bigint, PRIMARY KEY (user_id, id))")
    sql("SELECT create_distributed_table('users', 'id')")
    sql("SELECT create_distributed_table('orders', 'user_id', colocate_with => 'users')")
    return workers


def test_plan_is_empty_when_balanced(sql: Sql, two_colocated_tables: list[Node]) -> None:
    assert sql(PLAN) == []


def test_plan_after_adding_a_worker(sql: Sql, two_colocated_tables: list[Node], third_worker: Node) -> None:
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    plan = sql(PLAN)
    assert {(target, port) for *_, target, port in plan} == {(third_worker.name, third_worker.port)}
    moved_users = {shardid for table, shardid, *_ in plan if table == "users"}
    moved_orders = {shardid for table, shardid, *_ in plan if table == "orders"}
    # 32 shard groups over 3 nodes with the default threshold (by_disk_size, 10 %): 11/11/10
    assert len(moved_users) == len(moved_orders) == 10
    # colocated shards move together: the i-th shard of users with the i-th shard of orders
    first_orders = sql.one("SELECT min(shardid) FROM pg_dist_shard WHERE logicalrelid = 'orders'::regclass")
    assert {shardid - first_orders for shardid in moved_orders} == {shardid - 102008 for shardid in moved_users}
    # the sources are the two old workers, evenly
    sources = [(name, port) for table, _, name, port, *_ in plan if table == "users"]
    assert sorted(sources.count((node.name, node.port)) for node in two_colocated_tables) == [5, 5]
    # planning changes nothing
    assert sql(PLAN) == plan


def test_rebalance_table_shards_applies_the_plan(sql: Sql, two_colocated_tables: list[Node],
                                                 third_worker: Node) -> None:
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    sql("SELECT rebalance_table_shards()")
    assert sorted(shard_counts(sql, "users").values()) == [10, 11, 11]
    assert shard_counts(sql, "orders") == shard_counts(sql, "users")
    assert sql(PLAN) == []


def test_rebalance_start_and_wait(sql: Sql, two_colocated_tables: list[Node], third_worker: Node) -> None:
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    job = sql.one("SELECT citus_rebalance_start()")
    assert job is not None
    assert any(notice.startswith("NOTICE:  Scheduled ") and notice.endswith(f" moves as job {job}")
               for notice in sql.notices())
    sql("SELECT citus_rebalance_wait()")
    assert sql("SELECT job_id, state::text, job_type FROM citus_rebalance_status()") == [(job, "finished", "rebalance")]
    assert sorted(shard_counts(sql, "users").values()) == [10, 11, 11]


def test_rebalance_start_while_one_runs(sql: Sql, two_colocated_tables: list[Node], third_worker: Node) -> None:
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    job = sql.one("SELECT citus_rebalance_start()")
    error = sql.error("SELECT citus_rebalance_start()")
    assert error.diag.message_primary == f"A rebalance is already running as job {job}"
    assert error.diag.message_detail == "A rebalance was already scheduled as background job"
    assert error.diag.message_hint == "To monitor progress, run: SELECT * FROM citus_rebalance_status();"
    sql("SELECT citus_rebalance_wait()")
    assert sql.one("SELECT state::text FROM pg_dist_background_job WHERE job_id = %s", (job,)) == "finished"


def test_rebalance_wait_without_a_rebalance(sql: Sql, two_colocated_tables: list[Node]) -> None:
    sql("SELECT citus_rebalance_wait()")
    assert "WARNING:  no ongoing rebalance that can be waited on" in sql.notices()


def test_rebalance_start_without_moves(sql: Sql, two_colocated_tables: list[Node]) -> None:
    assert sql.one("SELECT citus_rebalance_start()") is None
    assert "NOTICE:  No moves available for rebalancing" in sql.notices()


def test_rebalance_stop_without_a_rebalance(sql: Sql, two_colocated_tables: list[Node]) -> None:
    error = sql.error("SELECT citus_rebalance_stop()")
    assert error.diag.message_primary == "no ongoing rebalance that can be stopped"


def test_auto_transfer_mode_needs_a_replica_identity(sql: Sql, workers: list[Node], third_worker: Node) -> None:
    sql("CREATE TABLE logs (id bigint)")
    sql("SELECT create_distributed_table('logs', 'id')")
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    error = sql.error("SELECT rebalance_table_shards()")
    assert error.diag.message_primary == ("cannot use logical replication to transfer shards of the relation logs "
                                          "since it doesn't have a REPLICA IDENTITY or PRIMARY KEY")
    assert error.diag.message_hint == ("If you wish to continue without a replica identity set the shard_transfer_mode "
                                       "to 'force_logical' or 'block_writes'.")
    sql("SELECT rebalance_table_shards(shard_transfer_mode => 'block_writes')")
    assert sorted(shard_counts(sql, "logs").values()) == [10, 11, 11]


def test_drain_node(sql: Sql, two_colocated_tables: list[Node]) -> None:
    leaving = two_colocated_tables[1]
    sql("SELECT citus_drain_node(%s, %s)", (leaving.name, leaving.port))
    assert sql.one("SELECT shouldhaveshards FROM pg_dist_node WHERE nodename = %s AND nodeport = %s",
                   (leaving.name, leaving.port)) is False
    assert (leaving.name, leaving.port) not in shard_counts(sql, "users")
    assert sum(shard_counts(sql, "users").values()) == 32
    sql("SELECT citus_remove_node(%s, %s)", (leaving.name, leaving.port))


def test_drain_commits_on_its_own(sql: Sql, two_colocated_tables: list[Node]) -> None:
    """Citus sets should_have_shards and moves each shard group through loopback connections that commit at once."""
    leaving = two_colocated_tables[1]
    conn = sql.conn()
    conn.autocommit = False
    try:
        sql("SELECT citus_drain_node(%s, %s)", (leaving.name, leaving.port))
    finally:
        conn.rollback()
        conn.autocommit = True
    assert sql.one("SELECT shouldhaveshards FROM pg_dist_node WHERE nodename = %s AND nodeport = %s",
                   (leaving.name, leaving.port)) is False
    assert (leaving.name, leaving.port) not in shard_counts(sql, "users")


def test_drain_connects_to_the_node_itself_first(sql: Sql, two_colocated_tables: list[Node]) -> None:
    """The loopback connection goes to citus.local_hostname with citus.node_conninfo; when it fails, nothing moves."""
    leaving = two_colocated_tables[1]
    before = shard_counts(sql, "users")
    user, port = sql.one("SELECT current_user || ' ' || current_setting('port')").split()
    sql("SET citus.local_hostname TO '/nonexistent-socket-directory'")
    try:
        error = sql.error("SELECT citus_drain_node(%s, %s)", (leaving.name, leaving.port))
    finally:
        sql("RESET citus.local_hostname")
    assert error.diag.message_primary.startswith(
        f"connection to the remote node {user}@/nonexistent-socket-directory:{port} failed with the following error: ")
    assert sql.one("SELECT shouldhaveshards FROM pg_dist_node WHERE nodename = %s AND nodeport = %s",
                   (leaving.name, leaving.port)) is True
    assert shard_counts(sql, "users") == before


def test_drain_an_unknown_node(sql: Sql, two_colocated_tables: list[Node]) -> None:
    error = sql.error("SELECT citus_drain_node('127.0.0.1', 9799)")
    # not the 'node at "..." does not exist' of the other node functions
    assert error.diag.message_primary == "node 127.0.0.1:9799 not found"


@pytest.mark.parametrize(("signature", "arguments"), [
    ("get_rebalance_table_shards_plan(regclass, real, integer, bigint[], boolean, name, real)",
     "relation regclass DEFAULT NULL::regclass, threshold real DEFAULT NULL::real, max_shard_moves integer DEFAULT "
     "1000000, excluded_shard_list bigint[] DEFAULT '{}'::bigint[], drain_only boolean DEFAULT false, "
     "rebalance_strategy name DEFAULT NULL::name, improvement_threshold real DEFAULT NULL::real"),
    ("citus_rebalance_start(name, boolean, citus.shard_transfer_mode, boolean, boolean)",
     "rebalance_strategy name DEFAULT NULL::name, drain_only boolean DEFAULT false, shard_transfer_mode "
     "citus.shard_transfer_mode DEFAULT 'auto'::citus.shard_transfer_mode, parallel_transfer_reference_tables boolean "
     "DEFAULT false, parallel_transfer_colocated_shards boolean DEFAULT false"),
    ("rebalance_table_shards(regclass, real, integer, bigint[], citus.shard_transfer_mode, boolean, name)",
     "relation regclass DEFAULT NULL::regclass, threshold real DEFAULT NULL::real, max_shard_moves integer DEFAULT "
     "1000000, excluded_shard_list bigint[] DEFAULT '{}'::bigint[], shard_transfer_mode citus.shard_transfer_mode "
     "DEFAULT 'auto'::citus.shard_transfer_mode, drain_only boolean DEFAULT false, rebalance_strategy name DEFAULT "
     "NULL::name"),
    ("citus_drain_node(text, integer, citus.shard_transfer_mode, name)",
     "nodename text, nodeport integer, shard_transfer_mode citus.shard_transfer_mode DEFAULT "
     "'auto'::citus.shard_transfer_mode, rebalance_strategy name DEFAULT NULL::name"),
])
def test_rebalance_function_signatures(sql: Sql, signature: str, arguments: str) -> None:
    assert sql.one("SELECT pg_get_function_arguments(%s::regprocedure)", (f"pg_catalog.{signature}",)) == arguments
