"""citus_node against a coordinator and workers: check mode, real, again, disable/activate, absent, refusals."""

from __future__ import annotations

import socket


def test_coordinator_registration(citus):
    c = citus.coordinator
    expected = [f"SELECT citus_set_coordinator_host('{c.name}', {c.port})"]

    check = citus.ok('citus_node', check=True, name=c.name, port=c.port, coordinator=True)
    assert check['changed'] is True
    assert check['queries'] == expected
    assert citus.sql("SELECT count(*) FROM pg_dist_node")[0][0] == 0

    real = citus.ok('citus_node', diff=True, name=c.name, port=c.port, coordinator=True)
    assert real['changed'] is True and real['queries'] == expected
    assert real['node']['groupid'] == 0 and real['node']['name'] == c.name and real['node']['port'] == c.port
    assert real['diff']['before'] == {} and real['diff']['after'] == real['node']
    assert citus.node(c)['groupid'] == 0

    again = citus.ok('citus_node', name=c.name, port=c.port, coordinator=True)
    assert again['changed'] is False and again['queries'] == []
    assert again['node'] == real['node']


def test_coordinator_registered_as_localhost_is_fixed(citus):
    c, w = citus.coordinator, citus.workers[0]
    res = citus.ok('citus_node', name='localhost', port=c.port, coordinator=True)
    assert any('the coordinator is registered as localhost' in text for text in citus.warnings(res))
    assert citus.sql("SELECT nodename FROM pg_dist_node WHERE groupid = 0") == [('localhost',)]
    msg = citus.fails('citus_node', name=w.name, port=w.port)
    assert 'coordinator is registered as localhost' in msg and 'coordinator: true' in msg
    assert citus.node(w) is None

    fixed = citus.ok('citus_node', name=c.name, port=c.port, coordinator=True)
    assert fixed['changed'] is True
    assert fixed['queries'] == [f"SELECT citus_set_coordinator_host('{c.name}', {c.port})"]
    assert citus.sql("SELECT nodename FROM pg_dist_node WHERE groupid = 0") == [(c.name,)]
    assert citus.ok('citus_node', name=w.name, port=w.port)['changed'] is True


def test_worker_lifecycle(citus):
    c, w = citus.coordinator, citus.workers[0]
    citus.ok('citus_node', name=c.name, port=c.port, coordinator=True)
    before = citus.catalogs()

    add = [f"SELECT citus_add_node('{w.name}', {w.port})"]
    check = citus.ok('citus_node', check=True, diff=True, name=w.name, port=w.port)
    assert check['changed'] is True and check['queries'] == add
    assert check['diff']['before'] == {} and check['node']['isactive'] is True
    assert citus.catalogs() == before

    real = citus.ok('citus_node', diff=True, name=w.name, port=w.port)
    assert real['changed'] is True and real['queries'] == add
    node = citus.node(w)
    assert node['role'] == 'primary' and node['isactive'] is True and node['should_have_shards'] is True
    assert real['node']['nodeid'] == node['nodeid'] and real['node']['groupid'] == node['groupid']
    assert real['node']['name'] == w.name and real['node']['port'] == w.port
    assert set(real['node']) == {'nodeid', 'groupid', 'name', 'port', 'role', 'cluster', 'isactive',
                                 'should_have_shards', 'hasmetadata', 'metadatasynced'}

    again = citus.ok('citus_node', name=w.name, port=w.port)
    assert again['changed'] is False and again['queries'] == []

    # disabled, and back to present (activation only when inactive)
    disable = [f"SELECT citus_disable_node('{w.name}', {w.port}, synchronous => true)"]
    assert citus.ok('citus_node', check=True, name=w.name, port=w.port, state='disabled')['queries'] == disable
    assert citus.node(w)['isactive'] is True
    dis = citus.ok('citus_node', name=w.name, port=w.port, state='disabled')
    assert dis['changed'] is True and dis['queries'] == disable and dis['node']['isactive'] is False
    assert citus.node(w)['isactive'] is False
    assert citus.ok('citus_node', name=w.name, port=w.port, state='disabled')['changed'] is False

    act = citus.ok('citus_node', name=w.name, port=w.port)
    assert act['changed'] is True and act['queries'] == [f"SELECT citus_activate_node('{w.name}', {w.port})"]
    assert citus.node(w)['isactive'] is True
    assert citus.ok('citus_node', name=w.name, port=w.port)['changed'] is False

    # should_have_shards
    prop = citus.ok('citus_node', name=w.name, port=w.port, should_have_shards=False)
    assert prop['queries'] == [f"SELECT citus_set_node_property('{w.name}', {w.port}, 'shouldhaveshards', false)"]
    assert citus.node(w)['should_have_shards'] is False
    assert citus.ok('citus_node', name=w.name, port=w.port, should_have_shards=False)['changed'] is False
    assert citus.ok('citus_node', name=w.name, port=w.port)['changed'] is False  # not set: left as it is

    # absent, check mode first
    remove = [f"SELECT citus_remove_node('{w.name}', {w.port})"]
    check = citus.ok('citus_node', check=True, name=w.name, port=w.port, state='absent')
    assert check['changed'] is True and check['queries'] == remove and check['node'] == {}
    assert citus.node(w) is not None
    gone = citus.ok('citus_node', diff=True, name=w.name, port=w.port, state='absent')
    assert gone['changed'] is True and gone['queries'] == remove
    assert gone['diff']['after'] == {} and gone['diff']['before']['name'] == w.name
    assert citus.node(w) is None
    again = citus.ok('citus_node', name=w.name, port=w.port, state='absent')
    assert again['changed'] is False and again['queries'] == []


def test_new_worker_without_shards_is_added_in_one_transaction(citus):
    c, w = citus.coordinator, citus.workers[1]
    citus.ok('citus_node', name=c.name, port=c.port, coordinator=True)
    res = citus.ok('citus_node', name=w.name, port=w.port, should_have_shards=False)
    assert res['queries'] == ['BEGIN', f"SELECT citus_add_node('{w.name}', {w.port})",
                              f"SELECT citus_set_node_property('{w.name}', {w.port}, 'shouldhaveshards', false)",
                              'COMMIT']
    assert citus.node(w)['should_have_shards'] is False and res['node']['should_have_shards'] is False
    assert citus.ok('citus_node', name=w.name, port=w.port, should_have_shards=False)['changed'] is False


def test_absent_refuses_a_node_with_shards_then_drains_it(seeded):
    citus = seeded
    citus.need_workers(3)
    w0, w1, w2 = citus.workers[:3]
    citus.ok('citus_node', name=w2.name, port=w2.port)  # a third worker to take the shards
    citus.ok('citus_distributed_table', name='users', column='id')
    group = citus.group_of(w0)
    assert citus.placements_by_group('users').get(group), 'users should have shards on the first worker'
    before, rows = citus.catalogs(), citus.all_rows()

    msg = citus.fails('citus_node', name=w0.name, port=w0.port, state='absent')
    assert f'node {w0.address} holds' in msg and 'use drain: true' in msg and 'users' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows

    queries = [f"SELECT citus_set_node_property('{w0.name}', {w0.port}, 'shouldhaveshards', false)",
               "SELECT citus_rebalance_start(drain_only => true, shard_transfer_mode => 'block_writes')",
               f"SELECT citus_remove_node('{w0.name}', {w0.port})"]
    check = citus.ok('citus_node', check=True, name=w0.name, port=w0.port, state='absent', drain=True,
                     shard_transfer_mode='block_writes')
    assert check['changed'] is True and check['queries'] == queries
    assert citus.catalogs() == before

    res = citus.ok('citus_node', name=w0.name, port=w0.port, state='absent', drain=True,
                   shard_transfer_mode='block_writes')
    assert res['changed'] is True and res['queries'] == queries
    assert citus.node(w0) is None
    placements = citus.placements_by_group('users')
    assert group not in placements and sum(placements.values()) == 32
    assert citus.table('users')['shards'] == 32
    assert citus.all_rows() == rows
    assert citus.ok('citus_node', name=w0.name, port=w0.port, state='absent', drain=True)['changed'] is False


def test_failed_drain_says_what_it_left(seeded):
    """The drain sets should_have_shards false in its own transaction before it moves shards: when the moves
    fail (online moves of a table without primary key), the module must not say that nothing changed."""
    citus = seeded
    citus.need_workers(3)
    w0, w2 = citus.workers[0], citus.workers[2]
    citus.ok('citus_node', name=w2.name, port=w2.port)
    citus.sql("CREATE TABLE events (id bigint NOT NULL, payload text)")
    citus.sql("INSERT INTO events SELECT g, 'e' || g FROM generate_series(1, 100) g")
    citus.ok('citus_distributed_table', name='events', column='id')
    rows = citus.rows('events')
    msg = citus.fails('citus_node', name=w0.name, port=w0.port, state='absent', drain=True)
    assert 'events has no primary key or replica identity' in msg and 'block_writes' in msg
    assert 'nothing was changed' not in msg
    assert f'should_have_shards of {w0.address} was set to false' in msg and 'still registered' in msg
    assert citus.node(w0)['should_have_shards'] is False
    assert citus.node(w0) is not None and citus.rows('events') == rows


def test_drain_refused_when_no_node_can_take_the_shards(seeded):
    citus = seeded
    w0 = citus.workers[0]
    citus.ok('citus_distributed_table', name='orders', column='customer_id', shard_count=32, replication_factor=2)
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_node', name=w0.name, port=w0.port, state='absent', drain=True)
    assert 'add a worker first' in msg and '2 needed for the replication factor' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows


def test_disable_refuses_the_only_placement(seeded):
    citus = seeded
    w0 = citus.workers[0]
    citus.ok('citus_distributed_table', name='users', column='id')
    before = citus.catalogs()
    msg = citus.fails('citus_node', name=w0.name, port=w0.port, state='disabled')
    assert 'holds the only placement' in msg and 'users' in msg and 'nothing was changed' in msg
    assert citus.catalogs() == before


def test_role_and_group_mismatch_fail_clearly(seeded):
    citus = seeded
    w0, w1 = citus.workers[:2]
    before = citus.catalogs()
    group = citus.group_of(w0)
    msg = citus.fails('citus_node', name=w0.name, port=w0.port, role='secondary', group_id=group)
    assert f'node {w0.address} is registered differently: role is primary (asked: secondary)' in msg
    assert 'cannot be changed in place' in msg
    msg = citus.fails('citus_node', name=w0.name, port=w0.port, group_id=group + 100)
    assert f'group is {group} (asked: {group + 100})' in msg
    msg = citus.fails('citus_node', name=w0.name, port=w0.port, coordinator=True)
    assert 'registered as a worker' in msg
    c = citus.coordinator
    msg = citus.fails('citus_node', name=c.name, port=c.port)
    assert 'registered as the coordinator (group 0): set coordinator: true' in msg
    assert citus.catalogs() == before


def test_secondary_by_primary_name(seeded):
    citus = seeded
    citus.need_workers(3)
    w0, w2 = citus.workers[0], citus.workers[2]
    queries = [f"SELECT citus_add_secondary_node('{w2.name}', {w2.port}, '{w0.name}', {w0.port})"]
    check = citus.ok('citus_node', check=True, name=w2.name, port=w2.port, role='secondary', primary_name=w0.name,
                     primary_port=w0.port)
    assert check['queries'] == queries and citus.node(w2) is None
    res = citus.ok('citus_node', name=w2.name, port=w2.port, role='secondary', primary_name=w0.name,
                   primary_port=w0.port)
    assert res['changed'] is True and res['queries'] == queries
    # check mode predicts what Citus does: a secondary gets shouldhaveshards true, like any node citus_add_node adds
    predicted = {k: v for k, v in check['node'].items() if v is not None}
    assert predicted == {k: res['node'][k] for k in predicted}
    node = citus.node(w2)
    assert node['role'] == 'secondary' and node['groupid'] == citus.group_of(w0)
    again = citus.ok('citus_node', name=w2.name, port=w2.port, role='secondary', primary_name=w0.name,
                     primary_port=w0.port)
    assert again['changed'] is False
    gone = citus.ok('citus_node', name=w2.name, port=w2.port, role='secondary', state='absent')
    assert gone['changed'] is True and citus.node(w2) is None


def test_worker_without_citus_extension(citus):
    c, w = citus.coordinator, citus.workers[-1]
    citus.ok('citus_node', name=c.name, port=c.port, coordinator=True)
    citus.sql("DROP EXTENSION citus", node=w)
    before = citus.catalogs()
    msg = citus.fails('citus_node', name=w.name, port=w.port)
    assert f'{w.address} has no citus extension in database {citus.cluster.dbname}' in msg
    assert 'run the pgcitus.cluster.citus role on it' in msg
    assert citus.catalogs() == before


def test_unreachable_worker(citus):
    c = citus.coordinator
    citus.ok('citus_node', name=c.name, port=c.port, coordinator=True)
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    before = citus.catalogs()
    msg = citus.fails('citus_node', name='127.0.0.1', port=port)
    assert f'cannot reach 127.0.0.1:{port}' in msg and 'nothing was changed' in msg
    assert citus.catalogs() == before


def test_bad_options_are_refused_before_connecting(citus):
    bad_login = {'login_host': '127.0.0.1', 'login_port': 1, 'db': 'nope'}
    cases = [
        (dict(name='w', drain=True), 'drain: true only applies with state: absent'),
        (dict(name='w', role='secondary'), 'role: secondary needs group_id or primary_name'),
        (dict(name='w', role='secondary', group_id=1, primary_name='p'), 'mutually exclusive'),
        (dict(name='w', coordinator=True, state='disabled'), 'the coordinator cannot be disabled'),
        (dict(name='w', port=70000), 'port 70000 is out of range'),
    ]
    for args, fragment in cases:
        msg = citus.fails('citus_node', login=False, **bad_login, **args)
        assert fragment in msg, msg


def test_connection_failures_are_one_actionable_line(citus):
    c = citus.coordinator
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        free = sock.getsockname()[1]
    cases = [
        (dict(db='no_such_database'), ['database "no_such_database" does not exist', 'set db to an existing']),
        (dict(login_host='127.0.0.1', login_port=free), ['Connection refused', 'check login_host and login_port']),
    ]
    if citus.cluster.is_local:  # the local instances require a password; a real cluster may trust the runner
        cases.append((dict(login_password='not-the-password'),
                      ['password authentication failed', 'check login_user and login_password']))
    for args, fragments in cases:
        for module in ('citus_node', 'citus_info'):
            extra = {'name': c.name, 'port': c.port, 'coordinator': True} if module == 'citus_node' else {}
            msg = citus.fails(module, **{**extra, **args})
            for fragment in fragments:
                assert fragment in msg, msg
            assert msg.count(fragments[0]) == 1, msg


def test_not_registered_cannot_be_disabled(citus):
    w = citus.workers[0]
    msg = citus.fails('citus_node', name=w.name, port=w.port, state='disabled')
    assert 'is not registered, so it cannot be disabled' in msg


def _drain_scene(citus):
    """orders (16 shards, replication factor 2) and order_items colocated with it on the first two workers, the
    customers reference table, then a fresh third worker: each shard of the first worker has its other placement on
    the second one, so the only node a placement may move to is the third."""
    citus.need_workers(3)
    w0, w1, w2 = citus.workers[:3]
    citus.ok('citus_distributed_table', name='orders', column='customer_id', shard_count=16, replication_factor=2)
    citus.ok('citus_distributed_table', name='order_items', column='customer_id', colocate_with='orders')
    citus.ok('citus_reference_table', name='customers')
    citus.ok('citus_node', name=w2.name, port=w2.port)
    return w0, w1, w2


def test_drain_of_a_replicated_table_moves_each_placement_to_a_node_without_one(seeded):
    """Issue 10 item 2: citus_drain_node moves a shard of a replication-factor-2 table to the node that already holds
    its other placement (real Citus: 'shard N already exists in the target node'); the background rebalancer in
    drain_only mode moves every placement to the node without one."""
    citus = seeded
    w0, w1, w2 = _drain_scene(citus)
    g0, g1, g2 = (citus.group_of(w) for w in (w0, w1, w2))
    assert citus.placements_by_group('orders') == {g0: 16, g1: 16}
    before, rows = citus.catalogs(), citus.all_rows()

    queries = [f"SELECT citus_set_node_property('{w0.name}', {w0.port}, 'shouldhaveshards', false)",
               "SELECT citus_rebalance_start(drain_only => true, shard_transfer_mode => 'block_writes')",
               f"SELECT citus_remove_node('{w0.name}', {w0.port})"]
    check = citus.ok('citus_node', check=True, name=w0.name, port=w0.port, state='absent', drain=True,
                     shard_transfer_mode='block_writes')
    assert check['changed'] is True and check['queries'] == queries
    assert check['drain']['job_id'] is None and check['drain']['moves'] == []
    assert citus.catalogs() == before

    res = citus.ok('citus_node', name=w0.name, port=w0.port, state='absent', drain=True,
                   shard_transfer_mode='block_writes')
    assert res['changed'] is True and res['queries'] == queries
    drain = res['drain']
    assert isinstance(drain['job_id'], int) and drain['started'] is True
    # one move per shard group: the orders shard and its colocated order_items shard move together
    assert drain['moves_planned'] == drain['moves_done'] == 16 == len(drain['moves'])
    assert {(m['source'], m['target']) for m in drain['moves']} == {(w0.address, w2.address)}
    assert {m['table'] for m in drain['moves']} <= {'orders', 'order_items'}
    assert drain['seconds'] >= 0
    assert citus.node(w0) is None
    assert citus.placements_by_group('orders') == {g1: 16, g2: 16}
    assert citus.placements_by_group('order_items') == {g1: 16, g2: 16}
    assert citus.all_rows() == rows
    assert citus.ok('citus_node', name=w0.name, port=w0.port, state='absent', drain=True)['changed'] is False


def test_drain_that_times_out_says_the_job_keeps_running(seeded):
    """timeout 0 looks at the job once: the module fails saying the job keeps running and how to follow or stop it;
    the next run finishes the drain (following the job while it still runs) and removes the node."""
    citus = seeded
    w0, w1, w2 = _drain_scene(citus)
    rows = citus.all_rows()
    msg = citus.fails('citus_node', name=w0.name, port=w0.port, state='absent', drain=True, timeout=0)
    assert 'did not finish within 0 seconds' in msg and 'keeps running in the background' in msg, msg
    assert 'citus_rebalance_status()' in msg and 'citus_rebalance_stop()' in msg, msg
    assert f'should_have_shards of {w0.address} was set to false' in msg and 'still registered' in msg, msg
    assert citus.node(w0) is not None and citus.node(w0)['should_have_shards'] is False
    job = int(msg.split('rebalance job ')[1].split()[0])

    res = citus.ok('citus_node', name=w0.name, port=w0.port, state='absent', drain=True)
    assert res['changed'] is True and res['queries'][-1] == f"SELECT citus_remove_node('{w0.name}', {w0.port})"
    if 'drain' in res:  # the job still ran (real Citus moves take time; the emulator's are done at once)
        assert res['drain']['jobs'] == [job] and res['drain']['started'] is False
        assert res['queries'] == ["SELECT citus_rebalance_start(drain_only => true)",
                                  f"SELECT citus_remove_node('{w0.name}', {w0.port})"]
    assert citus.node(w0) is None
    assert citus.placements_by_group('orders')[citus.group_of(w2)] == 16
    assert citus.all_rows() == rows


def test_drain_follows_a_rebalance_already_running_then_starts_its_own(seeded):
    """Only one rebalance job runs at a time ('A rebalance is already running as job N'): the module follows that
    job to its end instead of starting a second one, then drains what is left."""
    citus = seeded
    w0, w1, w2 = _drain_scene(citus)
    rows = citus.all_rows()
    running = citus.scalar("SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')")
    assert running is not None
    res = citus.ok('citus_node', name=w0.name, port=w0.port, state='absent', drain=True,
                   shard_transfer_mode='block_writes')
    drain = res['drain']
    assert drain['jobs'][0] == running and len(drain['jobs']) == 2 and drain['job_id'] == drain['jobs'][1]
    assert drain['started'] is True and drain['moves_done'] == drain['moves_planned'] == len(drain['moves'])
    start = "SELECT citus_rebalance_start(drain_only => true, shard_transfer_mode => 'block_writes')"
    assert res['queries'] == [f"SELECT citus_set_node_property('{w0.name}', {w0.port}, 'shouldhaveshards', false)",
                              start, start, f"SELECT citus_remove_node('{w0.name}', {w0.port})"]
    assert citus.node(w0) is None
    assert citus.placements_by_group('orders') == {citus.group_of(w1): 16, citus.group_of(w2): 16}
    assert citus.all_rows() == rows


def test_drain_refused_when_another_node_would_be_drained_too(seeded):
    """citus_rebalance_start(drain_only => true) moves the placements off every node whose should_have_shards is false
    (shard_rebalancer.c: MoveShardsAwayFromDisallowedNodes over all placements): the module refuses before it changes
    anything, naming that node."""
    citus = seeded
    citus.need_workers(3)
    w0, w1, w2 = citus.workers[:3]
    citus.ok('citus_distributed_table', name='users', column='id')
    citus.ok('citus_node', name=w2.name, port=w2.port)
    citus.ok('citus_node', name=w1.name, port=w1.port, should_have_shards=False)
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_node', name=w0.name, port=w0.port, state='absent', drain=True)
    assert f'{w1.address} (16 placements)' in msg and 'should_have_shards false' in msg, msg
    assert 'nothing was changed' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows


def test_names_with_surrounding_spaces_are_refused(citus):
    """Issue 10 item 9: ' w1' was validated stripped but registered raw, with its space."""
    c, w = citus.coordinator, citus.workers[0]
    citus.ok('citus_node', name=c.name, port=c.port, coordinator=True)
    before = citus.catalogs()
    msg = citus.fails('citus_node', name=f' {w.name}', port=w.port)
    assert f"name ' {w.name}' has spaces around it" in msg, msg
    msg = citus.fails('citus_node', name=f'{w.name}r', port=w.port, role='secondary', primary_name=f'{w.name} ')
    assert f"primary_name '{w.name} ' has spaces around it" in msg, msg
    assert citus.catalogs() == before


def test_nodes_registers_the_coordinator_and_workers_in_one_run(citus):
    c, w0, w1 = citus.coordinator, citus.workers[0], citus.workers[1]
    nodes = [dict(name=c.name, port=c.port, coordinator=True), dict(name=w0.name, port=w0.port),
             dict(name=w1.name, port=w1.port, should_have_shards=False)]
    expected = [f"SELECT citus_set_coordinator_host('{c.name}', {c.port})",
                f"SELECT citus_add_node('{w0.name}', {w0.port})",
                'BEGIN', f"SELECT citus_add_node('{w1.name}', {w1.port})",
                f"SELECT citus_set_node_property('{w1.name}', {w1.port}, 'shouldhaveshards', false)", 'COMMIT']
    before = citus.catalogs()
    check = citus.ok('citus_node', check=True, diff=True, nodes=nodes)
    assert check['changed'] is True and check['queries'] == expected
    assert [item['changed'] for item in check['nodes']] == [True, True, True]
    assert set(check['diff']['before']) == {f'{c.name}:{c.port}', f'{w0.name}:{w0.port}', f'{w1.name}:{w1.port}'}
    assert citus.catalogs() == before, 'check mode changes nothing'

    real = citus.ok('citus_node', nodes=nodes)
    assert real['changed'] is True and real['queries'] == expected
    assert [(item['name'], item['port']) for item in real['nodes']] == [(c.name, c.port), (w0.name, w0.port),
                                                                        (w1.name, w1.port)]
    assert real['nodes'][0]['node']['groupid'] == 0 and 'node' not in real
    assert citus.node(w0)['should_have_shards'] is True and citus.node(w1)['should_have_shards'] is False
    assert citus.node(w1)['isactive'] is True

    again = citus.ok('citus_node', nodes=nodes)
    assert again['changed'] is False and again['queries'] == []
    assert [item['changed'] for item in again['nodes']] == [False, False, False]
    assert citus.ok('citus_node', nodes=[])['changed'] is False


def test_nodes_checks_every_item_first_and_names_the_wrong_ones(citus):
    c, w0 = citus.coordinator, citus.workers[0]
    before = citus.catalogs()
    msg = citus.fails('citus_node', nodes=[dict(name=c.name, port=c.port, coordinator=True),
                                           dict(name=w0.name, port=w0.port, drain=True),
                                           dict(name=' spaced ', port=5432)])
    assert f'{w0.name}:{w0.port}: drain: true only applies with state: absent' in msg
    assert "' spaced ' has spaces around it" in msg and 'Nothing was changed.' in msg
    assert citus.catalogs() == before
    assert 'name' in citus.fails('citus_node', name=w0.name, nodes=[dict(name=w0.name)])


def test_nodes_refusal_names_the_nodes_changed_before_it(seeded):
    citus = seeded
    c, w0, w1 = citus.coordinator, citus.workers[0], citus.workers[1]
    citus.need_workers(3)
    w2 = citus.workers[2]
    citus.ok('citus_distributed_table', name='users', column='id')
    rows = citus.all_rows()
    msg = citus.fails('citus_node', nodes=[dict(name=w2.name, port=w2.port),
                                           dict(name=w0.name, port=w0.port, state='absent')])
    assert f'{w0.name}:{w0.port}: ' in msg and 'use drain: true' in msg
    assert f'nodes changed before it in this run: {w2.name}:{w2.port}' in msg
    assert citus.node(w2) is not None and citus.node(w0) is not None, 'the first stays added, the refused one stays'
    assert citus.all_rows() == rows
    assert citus.node(c) is not None and citus.node(w1) is not None
