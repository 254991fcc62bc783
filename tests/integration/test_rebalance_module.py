"""citus_rebalance against a coordinator and workers: check mode, a real rebalance, again, a running job, wait: false,
a stopped job, a table without a primary key, and bad options."""

from __future__ import annotations


def _scale_out_scene(citus):
    """users (16 shards) and orders with order_items colocated (16 shards each) on the first two workers, the
    customers reference table, then a fresh third worker that holds no shard yet."""
    citus.need_workers(3)
    w0, w1, w2 = citus.workers[:3]
    citus.ok('citus_distributed_table', name='users', column='id', shard_count=16)
    citus.ok('citus_distributed_table', name='orders', column='customer_id', shard_count=16, replication_factor=1)
    citus.ok('citus_distributed_table', name='order_items', column='customer_id', colocate_with='orders')
    citus.ok('citus_reference_table', name='customers')
    citus.ok('citus_node', name=w2.name, port=w2.port)
    return w0, w1, w2


def test_rebalance_spreads_the_shards_onto_a_new_worker(seeded):
    citus = seeded
    w0, w1, w2 = _scale_out_scene(citus)
    g2 = citus.group_of(w2)
    assert g2 not in citus.placements_by_group('users')
    before, rows = citus.catalogs(), citus.all_rows()

    check = citus.ok('citus_rebalance', check=True, diff=True)
    assert check['changed'] is True and check['queries'] == ["SELECT citus_rebalance_start()"]
    assert check['job_id'] is None and check['moves'] == [] and check['started'] is False
    plan = check['plan']
    assert plan and {m['target'] for m in plan} == {w2.address}
    assert {m['table'] for m in plan} <= {'users', 'orders', 'order_items'}
    assert all(set(m) == {'table', 'shard', 'size', 'source', 'target'} for m in plan)
    predicted = check['diff']['after']['placements']
    assert predicted[w2.address] == check['diff']['before']['placements'][w2.address] + len(plan)
    assert citus.catalogs() == before

    real = citus.ok('citus_rebalance', diff=True)
    assert real['changed'] is True and real['queries'] == ["SELECT citus_rebalance_start()"]
    assert real['started'] is True and isinstance(real['job_id'], int) and real['state'] == 'finished'
    assert real['moves_done'] == real['moves_planned'] == len(real['moves']) > 0
    assert {m['target'] for m in real['moves']} == {w2.address}
    assert citus.placements_by_group('users').get(g2, 0) > 0
    assert citus.placements_by_group('orders') == citus.placements_by_group('order_items')
    assert real['diff']['after']['placements'][w2.address] > real['diff']['before']['placements'][w2.address]
    assert citus.all_rows() == rows

    again = citus.ok('citus_rebalance')
    assert again['changed'] is False and again['queries'] == [] and again['plan'] == []
    assert again['job_id'] is None and citus.all_rows() == rows


def test_a_running_job_is_followed_not_started_again(seeded):
    citus = seeded
    _scale_out_scene(citus)
    rows = citus.all_rows()
    running = citus.scalar("SELECT citus_rebalance_start()")
    assert running is not None
    res = citus.ok('citus_rebalance')
    assert res['changed'] is False and res['queries'] == [], res
    assert res['jobs'] == [running] and res['job_id'] == running and res['state'] == 'finished'
    assert res['started'] is False and res['plan'] == []
    assert res['moves_done'] == res['moves_planned'] > 0
    assert citus.all_rows() == rows


def test_wait_false_returns_the_scheduled_job(seeded):
    citus = seeded
    _scale_out_scene(citus)
    rows = citus.all_rows()
    res = citus.ok('citus_rebalance', wait=False, shard_transfer_mode='block_writes')
    assert res['changed'] is True and res['started'] is True and isinstance(res['job_id'], int)
    assert res['queries'] == ["SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')"]
    assert res['state'] == 'scheduled' and res['plan']
    citus.sql("SELECT citus_rebalance_wait()")
    state = citus.scalar("SELECT state::text FROM pg_dist_background_job WHERE job_id = %s", (res['job_id'],))
    assert state == 'finished'
    assert citus.ok('citus_rebalance')['changed'] is False
    assert citus.all_rows() == rows


def test_stopped_stops_the_running_job(seeded):
    citus = seeded
    _scale_out_scene(citus)
    rows = citus.all_rows()
    assert citus.ok('citus_rebalance', state='stopped')['changed'] is False  # nothing runs
    job = citus.ok('citus_rebalance', wait=False)['job_id']
    check = citus.ok('citus_rebalance', state='stopped', check=True)
    stop = citus.ok('citus_rebalance', state='stopped')
    if stop['changed']:
        assert check['changed'] is True and check['queries'] == ["SELECT citus_rebalance_stop()"]
        assert stop['queries'] == ["SELECT citus_rebalance_stop()"] and stop['job_id'] == job
        assert stop['state'] in ('cancelled', 'cancelling'), stop
    else:  # real Citus had already done every move of this small job
        assert citus.scalar("SELECT state::text FROM pg_dist_background_job WHERE job_id = %s", (job,)) == 'finished'
    assert citus.ok('citus_rebalance', state='stopped')['changed'] is False
    assert citus.all_rows() == rows
    # what the stopped job left undone, a new rebalance does
    citus.ok('citus_rebalance')
    assert citus.ok('citus_rebalance')['plan'] == []
    assert citus.all_rows() == rows


def test_a_table_without_primary_key_is_refused_with_the_fix(seeded):
    citus = seeded
    citus.need_workers(3)
    w2 = citus.workers[2]
    citus.sql("CREATE TABLE visits (user_id bigint NOT NULL, at timestamptz NOT NULL DEFAULT now());"
              "INSERT INTO visits (user_id) SELECT g FROM generate_series(1, 50) g")
    citus.ok('citus_distributed_table', name='visits', column='user_id', shard_count=8)
    citus.ok('citus_node', name=w2.name, port=w2.port)
    before, count = citus.catalogs(), citus.scalar("SELECT count(*) FROM visits")
    msg = citus.fails('citus_rebalance')
    assert 'visits has no primary key or replica identity' in msg, msg
    assert 'shard_transfer_mode: block_writes' in msg, msg
    assert citus.catalogs() == before
    res = citus.ok('citus_rebalance', shard_transfer_mode='block_writes')
    assert res['changed'] is True and res['moves_done'] > 0
    assert citus.scalar("SELECT count(*) FROM visits") == count


def test_bad_options_are_refused(citus):
    for args, fragment in [
        (dict(timeout=-1), 'timeout -1 is invalid'),
        (dict(state='stopped', drain_only=True), 'drain_only only applies with state: balanced'),
        (dict(state='stopped', shard_transfer_mode='block_writes', rebalance_strategy='by_disk_size'),
         'rebalance_strategy, shard_transfer_mode only apply with state: balanced'),
        (dict(rebalance_strategy=' '), 'rebalance_strategy is empty'),
    ]:
        msg = citus.fails('citus_rebalance', login_port=1, **args)
        assert fragment in msg, msg
    citus.ok('citus_node', name=citus.coordinator.name, port=citus.coordinator.port, coordinator=True)
    msg = citus.fails('citus_rebalance', rebalance_strategy='by_luck')
    assert 'rebalance_strategy by_luck is not in pg_dist_rebalance_strategy: use one of by_disk_size, by_shard_count' \
        in msg, msg
