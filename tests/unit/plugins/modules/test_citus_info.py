"""Unit tests of citus_info's pure builders."""

from __future__ import annotations

from ansible_collections.pgcitus.cluster.plugins.modules import citus_info

NODES = [
    dict(nodeid=1, groupid=0, name='c1', port=5432, role='primary'),
    dict(nodeid=2, groupid=1, name='w1', port=5432, role='primary'),
    dict(nodeid=4, groupid=1, name='w1r', port=5432, role='secondary'),
    dict(nodeid=3, groupid=2, name='w2', port=5433, role='primary'),
]


def test_group_endpoints_prefers_the_primary():
    assert citus_info.group_endpoints(NODES) == {0: 'c1:5432', 1: 'w1:5432', 2: 'w2:5433'}
    assert citus_info.group_endpoints([dict(nodeid=9, groupid=5, name='s', port=1, role='secondary')]) == {5: 's:1'}


def test_build_tables_and_colocation():
    rows = [
        dict(name='public.customers', partmethod='n', repmodel='t', colocationid=1, column=None, shard_count=1,
             replication_factor=-1),
        dict(name='public.order_items', partmethod='h', repmodel='c', colocationid=2, column='customer_id',
             shard_count=32, replication_factor=2),
        dict(name='public.orders', partmethod='h', repmodel='c', colocationid=2, column='customer_id', shard_count=32,
             replication_factor=2),
    ]
    placements = [
        dict(name='public.customers', groupid=0, placements=1), dict(name='public.customers', groupid=1, placements=1),
        dict(name='public.orders', groupid=1, placements=32), dict(name='public.orders', groupid=2, placements=32),
        dict(name='public.orders', groupid=7, placements=1),
    ]
    tables = citus_info.build_tables(rows, placements, citus_info.group_endpoints(NODES))
    assert tables[0] == {'name': 'public.customers', 'type': 'reference', 'column': None, 'shard_count': 1,
                         'colocation_id': 1, 'replication_factor': None,
                         'placements': {'c1:5432': 1, 'w1:5432': 1}}
    assert tables[1]['placements'] == {}
    assert tables[2]['placements'] == {'w1:5432': 32, 'w2:5433': 32, 'group 7': 1}
    groups = citus_info.build_colocation(
        [dict(colocation_id=1, shard_count=1, replication_factor=-1, column_type=None),
         dict(colocation_id=2, shard_count=32, replication_factor=2, column_type='bigint'),
         dict(colocation_id=3, shard_count=8, replication_factor=1, column_type='integer')], tables)
    assert groups[0]['replication_factor'] is None and groups[0]['tables'] == ['public.customers']
    assert groups[1] == {'colocation_id': 2, 'shard_count': 32, 'replication_factor': 2, 'column_type': 'bigint',
                         'tables': ['public.order_items', 'public.orders']}
    assert groups[2]['tables'] == []


def test_jsonable():
    import datetime
    import decimal
    assert citus_info.jsonable(decimal.Decimal('1.5')) == '1.5'
    assert citus_info.jsonable(datetime.date(2026, 1, 2)) == '2026-01-02'
    assert citus_info.jsonable(3) == 3 and citus_info.jsonable(None) is None
