"""citus_info on the seed scenario: versions, nodes, tables with placements, colocation, rebalance; read-only."""

from __future__ import annotations


def build_seed(citus):
    citus.ok('citus_distributed_table', name='users', column='id')
    citus.ok('citus_distributed_table', name='orders', column='customer_id', shard_count=32, replication_factor=2)
    citus.ok('citus_distributed_table', name='order_items', column='customer_id', colocate_with='orders')
    citus.ok('citus_reference_table', name='customers')


def test_info_on_the_seed(seeded):
    citus = seeded
    build_seed(citus)
    before = citus.catalogs()
    info = citus.ok('citus_info')
    assert info['changed'] is False and info['citus_installed'] is True
    assert info['version']['server_num'] // 10000 == 15
    assert info['version']['citus'].startswith('Citus 13.2')
    assert info['version']['citus_extension'].startswith('13.2')

    c = citus.coordinator
    nodes = {(n['name'], n['port']): n for n in info['nodes']}
    assert len(nodes) == 3
    assert nodes[(c.name, c.port)]['groupid'] == 0
    for w in citus.workers[:2]:
        node = nodes[(w.name, w.port)]
        assert node['role'] == 'primary' and node['isactive'] is True
        # users 32/2 + orders 32 + order_items 32 (rf 2 on two workers) + customers 1 at least
        assert node['shard_placements'] >= 16 + 32 + 32 + 1

    tables = {t['name']: t for t in info['tables']}
    assert set(tables) == {'public.users', 'public.orders', 'public.order_items', 'public.customers'}
    orders = tables['public.orders']
    assert orders['type'] == 'distributed' and orders['column'] == 'customer_id'
    assert orders['shard_count'] == 32 and orders['replication_factor'] == 2
    assert orders['placements'] == {w.address: 32 for w in citus.workers[:2]}
    assert tables['public.order_items']['colocation_id'] == orders['colocation_id']
    assert tables['public.customers']['type'] == 'reference'
    assert tables['public.customers']['replication_factor'] is None
    users = tables['public.users']
    assert sum(users['placements'].values()) == 32 and users['replication_factor'] == 1

    groups = {g['colocation_id']: g for g in info['colocation_groups']}
    assert groups[orders['colocation_id']]['tables'] == ['public.order_items', 'public.orders']
    assert groups[orders['colocation_id']]['replication_factor'] == 2
    assert groups[orders['colocation_id']]['column_type'] == 'bigint'

    assert info['rebalance']['plan_size'] == 0 and info['rebalance']['plan'] == []
    assert info['rebalance']['jobs'] == []
    assert isinstance(info['rebalance']['jobs_supported'], bool)
    assert citus.catalogs() == before

    check = citus.ok('citus_info', check=True)
    assert check['tables'] == info['tables'] and check['nodes'] == info['nodes']


def test_rebalance_plan_after_adding_a_worker(seeded):
    citus = seeded
    citus.ok('citus_distributed_table', name='users', column='id')
    citus.need_workers(3)
    w2 = citus.workers[2]
    citus.ok('citus_node', name=w2.name, port=w2.port)
    info = citus.ok('citus_info')
    assert info['rebalance']['plan_size'] > 0
    assert len(info['rebalance']['plan']) == info['rebalance']['plan_size']
    assert citus.ok('citus_info', rebalance_plan=False)['rebalance']['plan_size'] is None


def test_info_without_the_extension(citus):
    info = citus.ok('citus_info', db='template1')
    assert info['citus_installed'] is False and info['nodes'] == [] and info['tables'] == []
    assert info['version']['citus'] is None and info['version']['server_num'] // 10000 == 15


def test_other_modules_need_the_extension(citus):
    w = citus.workers[0]
    msg = citus.fails('citus_node', db='template1', name=w.name, port=w.port)
    assert 'the citus extension is not installed in database template1' in msg
    assert 'run the pgcitus.cluster.citus role on it' in msg


def test_groups_with_a_secondary(seeded):
    """Each group's primary and secondaries from pg_dist_node, and the streaming replicas its primary serves (read on
    the workers through run_command_on_workers): here the secondary is registered but streams from nowhere."""
    citus = seeded
    citus.need_workers(3)
    w0, w1, w2 = citus.workers[:3]
    plain = citus.ok('citus_info')['groups']
    assert [g['secondaries'] for g in plain] == [[], [], []]
    assert all(g['replication'] == [] and g['replication_error'] is None for g in plain)
    citus.ok('citus_node', name=w2.name, port=w2.port, role='secondary', primary_name=w0.name, primary_port=w0.port)
    try:
        before = citus.catalogs()
        groups = {g['group']: g for g in citus.ok('citus_info')['groups']}
        assert citus.catalogs() == before
        c = citus.coordinator
        assert groups[0] == {'group': 0, 'primary': c.address, 'secondaries': [], 'replication': [],
                             'replication_error': None}
        assert groups[citus.group_of(w0)] == {'group': citus.group_of(w0), 'primary': w0.address,
                                              'secondaries': [w2.address], 'replication': [],
                                              'replication_error': None}
        assert groups[citus.group_of(w1)]['secondaries'] == []
    finally:
        citus.ok('citus_node', name=w2.name, port=w2.port, role='secondary', state='absent')
