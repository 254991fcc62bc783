"""citus_clone_node against a coordinator, two workers and a streaming replica of the first (pg_basebackup -R on
loopback, so local mode only): check mode, registering, promoting with every row kept, again not changed, a wrong
strategy refused before the promotion, forgetting a clone, and bad input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def replica(seeded: Any) -> Iterator[tuple[Any, Any, Any]]:
    """(citus, the first worker holding shards of users, orders and order_items, its streaming replica)."""
    citus = seeded
    cluster = citus.cluster
    if not cluster.is_local:
        pytest.skip("needs local instances to make streaming replicas (pg_basebackup)")
    citus.ok('citus_distributed_table', name='users', column='id', shard_count=8)
    citus.ok('citus_distributed_table', name='orders', column='customer_id', shard_count=8)
    citus.ok('citus_distributed_table', name='order_items', column='customer_id', colocate_with='orders')
    citus.ok('citus_reference_table', name='customers')
    primary = citus.workers[0]
    node = cluster.start_replica(primary)
    yield citus, primary, node
    # the cluster forgets a promoted clone before the replica goes
    cluster.reset()
    cluster.stop_replica(node)


def clone_args(primary: Any, node: Any, **kw: Any) -> dict[str, Any]:
    return dict(name=node.name, port=node.port, primary_name=primary.name, primary_port=primary.port, **kw)


def shards(citus: Any, node: Any) -> list[int]:
    return [shard for (shard,) in citus.sql(
        "SELECT pl.shardid FROM pg_dist_placement pl JOIN pg_dist_node n ON n.groupid = pl.groupid "
        "JOIN pg_dist_shard s ON s.shardid = pl.shardid JOIN pg_dist_partition p ON p.logicalrelid = s.logicalrelid "
        "WHERE n.nodename = %s AND n.nodeport = %s AND p.repmodel <> 't' ORDER BY 1", (node.name, node.port))]


def in_recovery(citus: Any, node: Any) -> bool:
    return citus.sql("SELECT pg_is_in_recovery()", node=node)[0][0]


def test_check_mode_changes_nothing(replica):
    citus, primary, node = replica
    before = citus.catalogs()
    check = citus.ok('citus_clone_node', check=True, diff=True, **clone_args(primary, node))
    assert check['changed'] is True and check['promoted'] is False and check['plan'] == []
    assert check['queries'] == [
        f"SELECT citus_add_clone_node('{node.name}', {node.port}, '{primary.name}', {primary.port})",
        f"SELECT citus_promote_clone_and_rebalance((SELECT nodeid FROM pg_dist_node WHERE nodename = '{node.name}' "
        f"AND nodeport = {node.port}), catchup_timeout_seconds => 300)",
        "CALL citus_cleanup_orphaned_resources()"]
    assert check['diff'] == {'before': {}, 'after': {}}
    assert citus.catalogs() == before and in_recovery(citus, node)


def test_present_registers_an_inactive_clone_and_check_mode_shows_the_split(replica):
    citus, primary, node = replica
    on_primary = shards(citus, primary)
    first = citus.ok('citus_clone_node', state='present', **clone_args(primary, node))
    assert first['changed'] is True and first['promoted'] is False
    assert first['node']['clone'] is True and first['node']['isactive'] is False
    assert first['node']['role'] == 'unavailable'
    again = citus.ok('citus_clone_node', state='present', **clone_args(primary, node))
    assert again['changed'] is False and again['queries'] == []
    before = citus.catalogs()
    check = citus.ok('citus_clone_node', check=True, **clone_args(primary, node, rebalance_strategy='by_shard_count'))
    assert check['changed'] is True and len(check['queries']) == 2
    assert {item['placement'] for item in check['plan']} == {'primary', 'clone'}
    assert sorted(item['shard'] for item in check['plan']) == on_primary
    assert citus.catalogs() == before and in_recovery(citus, node)


def test_promoted_splits_the_worker_and_keeps_every_row(replica):
    citus, primary, node = replica
    rows, on_primary, on_other = citus.all_rows(), shards(citus, primary), shards(citus, citus.workers[1])
    result = citus.ok('citus_clone_node', diff=True, **clone_args(primary, node, rebalance_strategy='by_shard_count'))
    assert result['changed'] is True and result['promoted'] is True and result['seconds'] > 0
    assert result['node']['role'] == 'primary' and result['node']['isactive'] is True
    assert result['node']['clone'] is False and result['node']['should_have_shards'] is True
    assert result['diff']['before']['clone'] if result['diff']['before'] else result['diff']['before'] == {}
    moved = sorted(item['shard'] for item in result['plan'] if item['placement'] == 'clone')
    stays = sorted(item['shard'] for item in result['plan'] if item['placement'] == 'primary')
    assert moved and stays and sorted(moved + stays) == on_primary
    assert shards(citus, node) == moved and shards(citus, primary) == stays
    assert shards(citus, citus.workers[1]) == on_other
    assert not in_recovery(citus, node)
    assert citus.sql("SELECT count(*) FROM pg_dist_cleanup")[0][0] == 0
    assert citus.all_rows() == rows
    again = citus.ok('citus_clone_node', **clone_args(primary, node))
    assert again['changed'] is False and again['queries'] == [] and again['promoted'] is True
    assert citus.all_rows() == rows


def test_a_wrong_strategy_is_refused_before_the_promotion(replica):
    citus, primary, node = replica
    msg = citus.fails('citus_clone_node', **clone_args(primary, node, rebalance_strategy='by_nothing'))
    assert 'could not find rebalance strategy with name by_nothing' in msg
    assert 'nothing was promoted' in msg
    assert f"already done before this failure: {node.name}:{node.port} registered as the clone" in msg
    assert in_recovery(citus, node)
    assert citus.ok('citus_clone_node', state='present', **clone_args(primary, node))['changed'] is False


def test_absent_forgets_an_unpromoted_clone_and_refuses_a_promoted_one(replica):
    citus, primary, node = replica
    citus.ok('citus_clone_node', state='present', **clone_args(primary, node))
    gone = citus.ok('citus_clone_node', state='absent', name=node.name, port=node.port)
    assert gone['changed'] is True
    assert gone['queries'] == [f"SELECT citus_remove_clone_node('{node.name}', {node.port})"]
    assert citus.node(node) is None and in_recovery(citus, node)
    assert citus.ok('citus_clone_node', state='absent', name=node.name, port=node.port)['changed'] is False
    citus.ok('citus_clone_node', **clone_args(primary, node))
    msg = citus.fails('citus_clone_node', state='absent', name=node.name, port=node.port)
    assert msg.startswith(f"node {node.name}:{node.port} is an active primary node of group ")
    assert 'pgcitus.cluster.citus_node' in msg


def test_a_server_that_is_no_replica_is_refused_by_citus(seeded):
    citus = seeded
    citus.need_workers(3)
    citus.ok('citus_distributed_table', name='users', column='id', shard_count=4)
    primary, stranger = citus.workers[0], citus.workers[2]
    before = citus.catalogs()
    msg = citus.fails('citus_clone_node', **clone_args(primary, stranger))
    assert msg.startswith(f"cannot register {stranger.name}:{stranger.port} as a clone: ")
    assert 'not in recovery' in msg and '(nothing was changed)' in msg
    assert citus.catalogs() == before


@pytest.mark.parametrize(("args", "expected"), [
    (dict(name=' '), "name is empty"),
    (dict(primary_name=None), "primary_name is required with state promoted"),
    (dict(catchup_timeout=0), "catchup_timeout 0 is not a number of seconds"),
    (dict(port=70000), "port 70000 is not a TCP port"),
    (dict(primary_name="unknown.example.com", primary_port=5432),
     "primary unknown.example.com:5432 is not registered on the coordinator"),
])
def test_bad_input_is_refused_before_any_change(seeded, args, expected):
    citus = seeded
    primary = citus.workers[0]
    before = citus.catalogs()
    full = dict(name='replica.example.com', primary_name=primary.name, primary_port=primary.port)
    full.update(args)
    msg = citus.fails('citus_clone_node', **{k: v for k, v in full.items() if v is not None})
    assert expected in msg
    assert citus.catalogs() == before


def test_an_active_worker_is_left_alone_and_a_primary_without_shards_is_refused(seeded):
    citus = seeded
    first, second = citus.workers[:2]
    kept = citus.ok('citus_clone_node', name=first.name, port=first.port, primary_name=second.name,
                    primary_port=second.port)
    assert kept['changed'] is False and kept['promoted'] is True and kept['queries'] == []
    citus.ok('citus_node', name=second.name, port=second.port, should_have_shards=False)
    msg = citus.fails('citus_clone_node', state='present', name='replica.example.com', primary_name=second.name,
                      primary_port=second.port)
    assert msg.endswith("that may not have shards: a clone needs an active worker that holds shards as its primary")
    msg = citus.fails('citus_clone_node', state='present', name='replica.example.com',
                      primary_name=citus.coordinator.name, primary_port=citus.coordinator.port)
    assert '(the coordinator)' in msg
