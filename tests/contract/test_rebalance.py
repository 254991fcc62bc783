"""Contract: Citus 13.2 rebalancer (plan after adding a worker, rebalance, drain, background jobs)."""

from __future__ import annotations

import pytest
from contract_sql import Sql, sorted_nodes
from pgcluster import Node

FIRST_SHARD_ID = 102008
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


def test_reset_forgets_the_deferred_drops_of_a_removed_node(sql: Sql, workers: list[Node]) -> None:
    """A drained node removed at once keeps Citus's deferred drop records, which the next test must not inherit.

    Citus drops a moved shard's source later (pg_dist_cleanup), and its cleanup skips records whose group has no
    node. Once reset() restarts the group and shard id sequences, such a record names a live shard of the next
    test, and that test's first move drops it: the next move fails with 'cannot get the size because of a
    connection error'.
    """
    leaving = workers[1]

    def distribute_and_drain() -> None:
        sql("CREATE TABLE users (id bigint PRIMARY KEY)")
        sql("SELECT create_distributed_table('users', 'id', shard_count => 4)")
        sql("SELECT citus_drain_node(%s, %s, 'block_writes')", (leaving.name, leaving.port))
        assert shard_counts(sql, "users") == {(workers[0].name, workers[0].port): 4}

    distribute_and_drain()
    sql("SELECT citus_remove_node(%s, %s)", (leaving.name, leaving.port))
    sql.cluster.reset()
    sql("SELECT citus_set_coordinator_host(%s, %s)", (sql.cluster.coordinator.name, sql.cluster.coordinator.port))
    for node in workers:
        sql("SELECT citus_add_node(%s, %s)", (node.name, node.port))
    distribute_and_drain()


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


def placement_groups(sql: Sql, table: str) -> dict[int, set[int]]:
    rows = sql("SELECT s.shardid, p.groupid FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) "
               "WHERE s.logicalrelid = %s::regclass", (table,))
    groups: dict[int, set[int]] = {}
    for shardid, group in rows:
        groups.setdefault(shardid, set()).add(group)
    return groups


def group_of(sql: Sql, node: Node) -> int:
    return sql.one("SELECT groupid FROM pg_dist_node WHERE nodename = %s AND nodeport = %s", (node.name, node.port))


def should_have_shards(sql: Sql, node: Node) -> bool:
    return sql.one("SELECT shouldhaveshards FROM pg_dist_node WHERE nodename = %s AND nodeport = %s",
                   (node.name, node.port))


def loopback_context(sql: Sql) -> str:
    """Where Citus runs each move: a new connection to citus.local_hostname and the server's port."""
    return "while executing command on " + sql.one(
        "SELECT current_setting('citus.local_hostname') || ':' || current_setting('port')")


def test_drain_of_a_replicated_table_picks_a_node_that_has_the_shard(sql: Sql, workers: list[Node],
                                                                     third_worker: Node) -> None:
    """citus_drain_node plans with the drained node's placements only, so it misses the shard's other placement.

    Citus 13.2 (shard_rebalancer.c): citus_drain_node sets RebalanceOptions.workerNode, and GetRebalanceSteps then
    keeps only that node's placements (FilterActiveShardPlacementListByNode); FindAllowedTargetFillState checks
    the target against that filtered list and takes the emptiest allowed node (lowest node id on a tie), here the
    other old worker, which holds the shard's second placement: citus_move_shard_placement refuses the move.
    """
    sql("CREATE TABLE events (id bigint PRIMARY KEY)")
    sql("SET citus.shard_replication_factor TO 2")
    sql("SELECT create_distributed_table('events', 'id', shard_count => 2)")
    sql("RESET citus.shard_replication_factor")
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    leaving, staying = workers  # node ids in this order
    before = placement_groups(sql, "events")
    assert before == {FIRST_SHARD_ID: {group_of(sql, leaving), group_of(sql, staying)},
                      FIRST_SHARD_ID + 1: {group_of(sql, leaving), group_of(sql, staying)}}
    for _ in range(2):  # a retry fails the same way
        del sql.conn().notices[:]
        error = sql.error("SELECT citus_drain_node(%s, %s, 'block_writes')", (leaving.name, leaving.port))
        assert error.diag.sqlstate == "22023"
        assert error.diag.message_primary == f"shard {FIRST_SHARD_ID} already exists in the target node"
        assert error.diag.context == loopback_context(sql)
        assert sql.notices() == [f"NOTICE:  Moving shard {FIRST_SHARD_ID} from {leaving.address} to "
                                 f"{staying.address} ..."]
        assert should_have_shards(sql, leaving) is False
        assert placement_groups(sql, "events") == before

    # the rebalancer's own plan sees every placement and moves both to the new worker
    plan = sql("SELECT shardid, sourcename, sourceport, targetname, targetport "
               "FROM get_rebalance_table_shards_plan(drain_only => true)")
    assert plan == [(shardid, leaving.name, leaving.port, third_worker.name, third_worker.port)
                    for shardid in (FIRST_SHARD_ID, FIRST_SHARD_ID + 1)]
    sql("SELECT citus_rebalance_start(drain_only => true, shard_transfer_mode => 'block_writes')")
    sql("SELECT citus_rebalance_wait()")
    after = {group_of(sql, staying), group_of(sql, third_worker)}
    assert placement_groups(sql, "events") == {FIRST_SHARD_ID: after, FIRST_SHARD_ID + 1: after}
    sql("SELECT citus_remove_node(%s, %s)", (leaving.name, leaving.port))


def test_drain_keeps_the_moves_before_it_fails(sql: Sql, workers: list[Node], third_worker: Node) -> None:
    """Each move commits on its own: an RF-1 table's shards move, then the RF-2 table's first move fails."""
    sql("CREATE TABLE users (id bigint PRIMARY KEY)")
    sql("SELECT create_distributed_table('users', 'id', shard_count => 4)")
    sql("CREATE TABLE events (id bigint PRIMARY KEY)")
    sql("SET citus.shard_replication_factor TO 2")
    sql("SELECT create_distributed_table('events', 'id', shard_count => 2)")
    sql("RESET citus.shard_replication_factor")
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    leaving = sorted_nodes(workers)[0]  # holds users' shards 102008 and 102010
    staying = next(node for node in workers if node is not leaving)
    events_before = placement_groups(sql, "events")
    error = sql.error("SELECT citus_drain_node(%s, %s, 'block_writes')", (leaving.name, leaving.port))
    events_first = FIRST_SHARD_ID + 4
    assert error.diag.sqlstate == "22023"
    assert error.diag.message_primary == f"shard {events_first} already exists in the target node"
    assert error.diag.context == loopback_context(sql)
    # users' group first: its two shards go to the emptiest nodes (lowest node id first), then events' state
    # starts empty again and its first shard goes to the other old worker, which has it
    assert sql.notices() == [
        f"NOTICE:  Moving shard {FIRST_SHARD_ID} from {leaving.address} to {staying.address} ...",
        f"NOTICE:  Moving shard {FIRST_SHARD_ID + 2} from {leaving.address} to {third_worker.address} ...",
        f"NOTICE:  Moving shard {events_first} from {leaving.address} to {staying.address} ...",
    ]
    assert should_have_shards(sql, leaving) is False
    users = placement_groups(sql, "users")
    assert users[FIRST_SHARD_ID] == {group_of(sql, staying)}
    assert users[FIRST_SHARD_ID + 2] == {group_of(sql, third_worker)}
    assert users[FIRST_SHARD_ID + 1] == users[FIRST_SHARD_ID + 3] == {group_of(sql, staying)}
    assert placement_groups(sql, "events") == events_before


def test_replicate_reference_tables_copies_them_to_a_new_node(sql: Sql, workers: list[Node],
                                                              third_worker: Node) -> None:
    """citus_add_node does not copy reference tables (Citus 11 deprecated replicate_reference_tables_on_activate):
    replicate_reference_tables() gives the new node a placement of each, and changes nothing when none lacks one."""
    sql("CREATE TABLE countries (code text PRIMARY KEY)")
    sql("SELECT create_reference_table('countries')")
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    third = group_of(sql, third_worker)
    assert third not in placement_groups(sql, "countries")[FIRST_SHARD_ID]
    sql("SELECT replicate_reference_tables()")
    groups = placement_groups(sql, "countries")[FIRST_SHARD_ID]
    assert third in groups
    assert {group_of(sql, node) for node in workers} <= groups
    placements = sql.one("SELECT count(*) FROM pg_dist_placement")
    sql("SELECT replicate_reference_tables('block_writes')")
    assert sql.one("SELECT count(*) FROM pg_dist_placement") == placements
    assert sql.one("SELECT pg_get_function_arguments('pg_catalog.replicate_reference_tables("
                   "citus.shard_transfer_mode)'::regprocedure)") == (
        "shard_transfer_mode citus.shard_transfer_mode DEFAULT 'auto'::citus.shard_transfer_mode")
