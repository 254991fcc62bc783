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

    queries = [f"SELECT citus_drain_node('{w0.name}', {w0.port}, shard_transfer_mode => 'block_writes')",
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
    """citus_drain_node sets should_have_shards false in its own transaction before it moves shards: when the moves
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
    assert f'should_have_shards of {w0.address} may be false now' in msg and 'still registered' in msg
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
