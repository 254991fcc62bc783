"""The modules also run on psycopg 3 (3.1 or later) when psycopg2 is absent: the same scenario with that driver."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus


@pytest.fixture
def psycopg3():
    if _citus.psycopg is None:
        pytest.skip('psycopg 3.1 or later is not installed (pip install "psycopg[binary]")')
    previous = _citus.DRIVER.name
    _citus.DRIVER.use('psycopg')
    assert _citus.DRIVER.name == 'psycopg'
    try:
        yield
    finally:
        _citus.DRIVER.use(previous)


def test_modules_with_psycopg3(psycopg3, citus):
    citus.need_workers(3)
    c, w0, w1 = citus.coordinator, citus.workers[0], citus.workers[1]
    citus.ok('citus_node', name=c.name, port=c.port, coordinator=True)
    check = citus.ok('citus_node', check=True, name=w0.name, port=w0.port)
    assert check['queries'] == [f"SELECT citus_add_node('{w0.name}', {w0.port})"] and citus.node(w0) is None
    citus.ok('citus_node', name=w0.name, port=w0.port)
    res = citus.ok('citus_node', name=w1.name, port=w1.port, should_have_shards=False)
    assert res['queries'][0] == 'BEGIN' and citus.node(w1)['should_have_shards'] is False
    citus.ok('citus_node', name=w1.name, port=w1.port, should_have_shards=True)

    citus.seed()
    rows = citus.all_rows()
    res = citus.ok('citus_distributed_table', name='orders', column='customer_id', shard_count=32, replication_factor=2)
    assert res['queries'] == ['BEGIN', 'SET LOCAL citus.shard_replication_factor = 2',
                              "SELECT create_distributed_table('public.orders'::regclass, 'customer_id', "
                              "shard_count => 32)", 'COMMIT']
    assert res['rows_copied'] == 200 and citus.table('orders')['replicationfactor'] == 2
    assert citus.ok('citus_reference_table', name='customers')['changed'] is True
    msg = citus.fails('citus_distributed_table', name='order_items', column='order_id', colocate_with='orders')
    assert 'cannot colocate public.order_items with public.orders' in msg
    info = citus.ok('citus_info')
    assert {t['name'] for t in info['tables']} == {'public.orders', 'public.customers'}
    assert citus.all_rows() == rows

    # a Citus error with its WARNING (notices go through psycopg 3's notice handler)
    w2 = citus.workers[-1]
    citus.sql("DROP EXTENSION citus", node=w2)
    msg = citus.fails('citus_node', name=w2.name, port=w2.port)
    assert f'{w2.address} has no citus extension' in msg
