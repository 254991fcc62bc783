"""Unit tests of citus_distributed_table / citus_reference_table: validation, comparison and SQL over snapshots."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus_table
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import Refusal
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_table import (
    TableParams,
    TableState,
    validate_distributed,
    validate_reference,
)
from plancases import Plan, Refused
from sqltext import rendered


def dist_params(**over):
    """citus_distributed_table's params: public.orders by customer_id, defaults otherwise."""
    base = dict(name='orders', column='customer_id', shard_count=None, colocate_with='default',
                replication_factor=None, concurrently=False, truncate_local_data=False, allow_redistribute=False,
                cascade_to_colocated=None, cascade_via_foreign_keys=False, state='present', db='app')
    base.update(over)
    return base


def ref_params(**over):
    """citus_reference_table's params: public.customers, defaults otherwise."""
    base = dict(name='customers', allow_redistribute=False, truncate_local_data=False, cascade_via_foreign_keys=False,
                state='present', db='app')
    base.update(over)
    return base


def table_row(name='orders', **over):
    """A TABLE_QUERY row; local table by default."""
    base = dict(oid=16500, qualified=f'public.{name}', schema='public', relname=name, relkind='r', partmethod=None,
                repmodel=None, colocationid=None, column=None, shard_count=0, replication_factor=None,
                column_type_oid=None, column_type=None)
    base.update(over)
    return base


def dist(name='orders', column='customer_id', shards=32, colocation=2, rf=2, type_oid=20, type_name='bigint'):
    """A TABLE_QUERY row of a hash-distributed table (replication factor 2, bigint column by default)."""
    return table_row(name, partmethod='h', repmodel='c' if rf > 1 else 's', colocationid=colocation, column=column,
                shard_count=shards, replication_factor=rf, column_type_oid=type_oid, column_type=type_name)


def ref(name='customers'):
    """A TABLE_QUERY row of a reference table (colocation group 1, one shard)."""
    return table_row(name, partmethod='n', repmodel='t', colocationid=1, shard_count=1, replication_factor=-1)


def snap(table, **over):
    """The catalog reads: the table (a TABLE_QUERY row or None) in database app, its bigint column, Citus's default
    settings, three nodes of which two take shards; TableState's fields changed as given."""
    base = dict(db='app', table=table, column={'type_oid': 20, 'type': 'bigint'},
                settings={'shard_count': '32', 'replication_factor': '1'},
                nodes={'registered': 3, 'shard_nodes': 2}, rows=0)
    base.update(over)
    return TableState(**base)


def plan_distributed(params, state):
    """citus_distributed_table's plan for its params (a dict, as the module has them)."""
    return _citus_table.plan_distributed(TableParams.from_params(params), state)


def plan_reference(params, state):
    """citus_reference_table's plan for its params (a dict, as the module has them)."""
    return _citus_table.plan_reference(TableParams.from_params(params), state)


def distributed_differences(params, current, target):
    return _citus_table.distributed_differences(TableParams.from_params(params), current, target)



@pytest.mark.parametrize('over, fragment', [
    ({'name': ''}, 'name must name a table'),
    ({'column': None}, 'column is required with state: present'),
    ({'shard_count': 0}, 'shard_count 0 is out of range: use 1 to 64000'),
    ({'shard_count': 70000}, 'shard_count 70000 is out of range'),
    ({'replication_factor': 0}, 'replication_factor 0 is out of range'),
    ({'replication_factor': 101}, 'replication_factor 101 is out of range'),
    ({'colocate_with': 'orders2', 'shard_count': 16}, 'colocate_with a table and shard_count cannot be used together'),
    ({'concurrently': True, 'replication_factor': 2}, 'concurrently: true cannot create replicated shards'),
    ({'colocate_with': 'orders'}, 'colocate_with names the table itself'),
    ({'state': 'absent', 'replication_factor': 2, 'column': None},
     'replication_factor only applies with state: present'),
    ({'state': 'absent'}, 'column only applies with state: present'),
    ({'state': 'absent', 'column': None, 'shard_count': 4, 'concurrently': True},
     'shard_count, concurrently only apply with state: present'),
    ({'state': 'absent', 'column': None, 'colocate_with': 'none'}, 'colocate_with only applies'),
    ({'state': 'absent', 'column': None, 'truncate_local_data': True}, 'truncate_local_data only applies'),
    ({'state': 'absent', 'column': None, 'cascade_to_colocated': True}, 'cascade_to_colocated only applies'),
    ({'cascade_to_colocated': False}, 'cascade_to_colocated only applies with allow_redistribute: true'),
    ({'cascade_via_foreign_keys': True}, 'cascade_via_foreign_keys only applies with state: absent'),
])
def test_validate_distributed_refuses(over, fragment):
    msg = validate_distributed(dist_params(**over))
    assert msg is not None and fragment in msg, msg


@pytest.mark.parametrize('over', [
    {}, {'shard_count': 32, 'replication_factor': 2}, {'colocate_with': 'none', 'shard_count': 8},
    {'colocate_with': 'DEFAULT', 'shard_count': 8}, {'concurrently': True, 'replication_factor': 1},
    {'colocate_with': 'public.orders2'}, {'state': 'absent', 'column': None},
    {'state': 'absent', 'column': None, 'cascade_via_foreign_keys': True},
    {'allow_redistribute': True, 'cascade_to_colocated': True},
])
def test_validate_distributed_accepts(over):
    assert validate_distributed(dist_params(**over)) is None


def test_validate_reference():
    assert 'name must name a table' in validate_reference(ref_params(name=' '))
    assert 'cascade_via_foreign_keys only applies' in validate_reference(ref_params(cascade_via_foreign_keys=True))
    assert validate_reference(ref_params(state='absent', cascade_via_foreign_keys=True)) is None
    assert 'truncate_local_data only applies' in validate_reference(
        ref_params(state='absent', truncate_local_data=True))
    assert validate_reference(ref_params()) is None


# --- distributed: plans ---------------------------------------------------------------------------------------------

DIST_PLANS = [
    Plan('local -> distributed', dist_params(), snap(table_row()),
     ["SELECT create_distributed_table('public.orders'::regclass, 'customer_id')"],
     {'type': 'distributed', 'column': 'customer_id', 'shard_count': 32, 'replication_factor': 1}),
    Plan('seed orders: 32 shards, rf 2 via SET LOCAL in the same transaction',
     dist_params(shard_count=32, replication_factor=2), snap(table_row()),
     ['BEGIN', 'SET LOCAL citus.shard_replication_factor = 2',
      "SELECT create_distributed_table('public.orders'::regclass, 'customer_id', shard_count => 32)", 'COMMIT'],
     {'shard_count': 32, 'replication_factor': 2}),
    Plan('colocate_with none', dist_params(colocate_with='None', shard_count=8), snap(table_row()),
     ["SELECT create_distributed_table('public.orders'::regclass, 'customer_id', colocate_with => 'none', "
      "shard_count => 8)"], {'shard_count': 8}),
    Plan('concurrently', dist_params(concurrently=True), snap(table_row()),
     ["SELECT create_distributed_table_concurrently('public.orders'::regclass, 'customer_id')"], {}),
    Plan('concurrently with replication_factor: set for the session (no transaction block allowed)',
     dist_params(concurrently=True, replication_factor=1),
     snap(table_row(), settings={'shard_count': '32', 'replication_factor': '2'}),
     ['SET citus.shard_replication_factor = 1',
      "SELECT create_distributed_table_concurrently('public.orders'::regclass, 'customer_id')",
      'RESET citus.shard_replication_factor'],
     {'replication_factor': 1}),
    Plan('rows and truncate_local_data: same transaction',
     dist_params(truncate_local_data=True), snap(table_row(), rows=10),
     ['BEGIN', "SELECT create_distributed_table('public.orders'::regclass, 'customer_id')",
      "SELECT truncate_local_data_after_distributing_table('public.orders'::regclass)", 'COMMIT'], {}),
    Plan('empty table and truncate_local_data: nothing to truncate',
     dist_params(truncate_local_data=True), snap(table_row(), rows=0),
     ["SELECT create_distributed_table('public.orders'::regclass, 'customer_id')"], {}),
    Plan('concurrently + truncate: separate statements',
     dist_params(concurrently=True, truncate_local_data=True),
     snap(table_row(), rows=5),
     ["SELECT create_distributed_table_concurrently('public.orders'::regclass, 'customer_id')",
      "SELECT truncate_local_data_after_distributing_table('public.orders'::regclass)"], {}),
    Plan('colocate with a table takes its rf', dist_params(name='order_items', colocate_with='orders'),
     snap(table_row('order_items'), target=dist()),
     ['BEGIN', 'SET LOCAL citus.shard_replication_factor = 2',
      "SELECT create_distributed_table('public.order_items'::regclass, 'customer_id', colocate_with => "
      "'public.orders')", 'COMMIT'],
     {'colocation_id': 2, 'shard_count': 32, 'replication_factor': 2}),
    Plan('already as asked', dist_params(shard_count=32, replication_factor=2), snap(dist()), [],
     {'shard_count': 32, 'colocation_id': 2}),
    Plan('already as asked, nothing given but the column', dist_params(), snap(dist()), [], {}),
    Plan('already colocated as asked', dist_params(name='order_items', colocate_with='public.orders'),
     snap(dist('order_items'), target=dist()), [], {}),
    Plan('redistribute: shard count via alter, keeping rf 2',
     dist_params(shard_count=64, allow_redistribute=True), snap(dist()),
     ['BEGIN', 'SET LOCAL citus.shard_replication_factor = 2',
      "SELECT alter_distributed_table('public.orders'::regclass, shard_count => 64)", 'COMMIT'],
     {'shard_count': 64, 'replication_factor': 2}),
    Plan('redistribute: column via alter, rf 1, shard count kept',
     dist_params(column='id', allow_redistribute=True),
     snap(dist(rf=1, shards=8)),
     ["SELECT alter_distributed_table('public.orders'::regclass, distribution_column => 'id')"],
     {'column': 'id', 'replication_factor': 1, 'shard_count': 8}),
    Plan('redistribute: colocation via alter',
     dist_params(name='order_items', colocate_with='orders', allow_redistribute=True),
     snap(dist('order_items', colocation=5, rf=2), target=dist()),
     ['BEGIN', 'SET LOCAL citus.shard_replication_factor = 2',
      "SELECT alter_distributed_table('public.order_items'::regclass, colocate_with => 'public.orders')", 'COMMIT'],
     {'colocation_id': 2}),
    Plan('redistribute: replication factor via undistribute + distribute',
     dist_params(replication_factor=1, allow_redistribute=True),
     snap(dist(), rows=7),
     ["SELECT undistribute_table('public.orders'::regclass)",
      'BEGIN', 'SET LOCAL citus.shard_replication_factor = 1',
      "SELECT create_distributed_table('public.orders'::regclass, 'customer_id')", 'COMMIT'],
     {'replication_factor': 1}),
    Plan('reference -> distributed with allow_redistribute',
     dist_params(name='customers', column='id', allow_redistribute=True),
     snap(ref()),
     ["SELECT undistribute_table('public.customers'::regclass)",
      "SELECT create_distributed_table('public.customers'::regclass, 'id')"], {'type': 'distributed'}),
    Plan('absent: undistribute', dist_params(state='absent', column=None), snap(dist()),
     ["SELECT undistribute_table('public.orders'::regclass)"], {'type': 'local', 'column': None}),
    Plan('absent: undistribute with the tables linked by foreign keys',
     dist_params(state='absent', column=None, cascade_via_foreign_keys=True), snap(dist()),
     ["SELECT undistribute_table('public.orders'::regclass, cascade_via_foreign_keys => true)"], {'type': 'local'}),
    Plan('redistribute: shard count cascaded to the colocated tables',
     dist_params(shard_count=16, allow_redistribute=True, cascade_to_colocated=True),
     snap(dist(rf=1), colocated=['order_items']),
     ["SELECT alter_distributed_table('public.orders'::regclass, shard_count => 16, cascade_to_colocated => true)"],
     {'shard_count': 16}),
    Plan('redistribute: shard count breaking the colocation',
     dist_params(shard_count=16, allow_redistribute=True, cascade_to_colocated=False),
     snap(dist(rf=1), colocated=['order_items']),
     ["SELECT alter_distributed_table('public.orders'::regclass, shard_count => 16, cascade_to_colocated => false)"],
     {'shard_count': 16}),
    Plan('redistribute: column only, cascade not needed', dist_params(column='id', allow_redistribute=True),
     snap(dist(rf=1), colocated=['order_items']),
     ["SELECT alter_distributed_table('public.orders'::regclass, distribution_column => 'id')"], {'column': 'id'}),
    Plan('absent: local already',
     dist_params(state='absent', column=None), snap(table_row()), [], {'type': 'local'}),
    Plan('absent: reference table is left alone',
     dist_params(name='customers', state='absent', column=None), snap(ref()), [],
     {'type': 'reference'}),
]


@pytest.mark.parametrize('params, snapshot, queries, after', [c[1:] for c in DIST_PLANS],
                         ids=[c.id for c in DIST_PLANS])
def test_plan_distributed(params, snapshot, queries, after):
    result = plan_distributed(params, snapshot)
    assert rendered(result.units) == queries
    for key, value in after.items():
        assert result.after[key] == value, key


def test_failure_after_undistribute_says_the_table_is_local():
    result = plan_distributed(dist_params(replication_factor=1, allow_redistribute=True), snap(dist()))
    assert 'now a local table with all its rows' in result.units[0].done


def test_absent_reference_warns():
    result = plan_distributed(dist_params(name='customers', state='absent', column=None), snap(ref()))
    assert 'citus_reference_table' in result.warnings[0]


def test_absent_missing_table_warns():
    result = plan_distributed(dist_params(state='absent', column=None), snap(None))
    assert result.units == [] and 'does not exist' in result.warnings[0]


def test_no_same_named_column_warning_for_id():
    result = plan_distributed(dist_params(name='visits', column='user_id', colocate_with='users'),
                              snap(table_row('visits'), target=dist('users', column='id'), same_column_in_target=True))
    assert result.warnings == []


def test_same_named_column_warning():
    result = plan_distributed(dist_params(name='order_items', column='order_id', colocate_with='orders'),
                              snap(table_row('order_items'), target=dist(), same_column_in_target=True))
    assert 'order_items is distributed by order_id while public.orders is distributed by customer_id' \
        in result.warnings[0]


DIST_REFUSALS = [
    Refused('missing table', dist_params(), snap(None), ['table orders does not exist in database app']),
    Refused('missing column',
     dist_params(column='nope'), snap(table_row(), column=None), ['public.orders has no column nope']),
    Refused('a view', dist_params(), snap(table_row(relkind='v')), ['public.orders is a view, not a table']),
    Refused('no node registered', dist_params(), snap(table_row(), nodes={'registered': 0, 'shard_nodes': 0}),
     ['no node is registered', 'localhost']),
    Refused('rf above the nodes', dist_params(replication_factor=3), snap(table_row()),
     ['replication_factor 3 exceeds the 2 nodes that can hold shards']),
    Refused('seed mistake: order_items by order_id (int) colocated with orders by customer_id (bigint)',
     dist_params(name='order_items', column='order_id', colocate_with='orders'),
     snap(table_row('order_items'), column={'type_oid': 23, 'type': 'integer'}, target=dist()),
     ['cannot colocate public.order_items with public.orders', 'public.order_items.order_id is integer',
      'distributed by customer_id (bigint)', 'colocate_with: none']),
    Refused('colocate with a missing table', dist_params(name='order_items', colocate_with='orderz'),
     snap(table_row('order_items'), target=None), ['colocate_with table orderz does not exist']),
    Refused('colocate with a reference table', dist_params(name='order_items', colocate_with='customers'),
     snap(table_row('order_items'), target=ref()), ['public.customers is a reference table, not a hash-distributed']),
    Refused('colocate with another rf',
     dist_params(name='order_items', colocate_with='orders', replication_factor=1),
     snap(table_row('order_items'), target=dist()), ['replication_factor 1 differs from the replication factor 2']),
    Refused('distributed differently',
     dist_params(column='id', shard_count=16, replication_factor=1), snap(dist()),
     ['already distributed differently', 'distribution column is customer_id (asked: id)',
      'shard count is 32 (asked: 16)', 'replication factor is 2 (asked: 1)', 'allow_redistribute: true',
      'nothing was changed']),
    Refused('not colocated as asked', dist_params(name='order_items', colocate_with='orders'),
     snap(dist('order_items', colocation=9), target=dist()), ['it is not colocated with public.orders']),
    Refused('reference table asked distributed', dist_params(name='customers', column='id'), snap(ref()),
     ['it is a reference table', 'allow_redistribute']),
    Refused('shard count of a colocated table without cascade_to_colocated',
     dist_params(shard_count=16, allow_redistribute=True),
     snap(dist(rf=1), colocated=['order_items', 'returns']),
     ['public.orders shares its colocation group with order_items, returns', 'cascade_to_colocated: true',
      'nothing was changed']),
]


@pytest.mark.parametrize('params, snapshot, fragments', [c[1:] for c in DIST_REFUSALS],
                         ids=[c.id for c in DIST_REFUSALS])
def test_plan_distributed_refuses(params, snapshot, fragments):
    with pytest.raises(Refusal) as err:
        plan_distributed(params, snapshot)
    for fragment in fragments:
        assert fragment in err.value.msg, err.value.msg


@pytest.mark.parametrize('params, current, target, expected', [
    (dist_params(), {'type': 'distributed', 'column': 'customer_id'}, None, []),
    (dist_params(column='id'), {'type': 'distributed', 'column': 'customer_id'}, None,
     ['distribution column is customer_id (asked: id)']),
    (dist_params(shard_count=4), {'type': 'distributed', 'column': 'customer_id', 'shard_count': 4}, None, []),
    (dist_params(), {'type': 'single_shard', 'column': None}, None, ['it is a single-shard distributed table']),
    (dist_params(), {'type': 'append', 'column': 'customer_id'}, None, ['it is append-distributed']),
])
def test_distributed_differences(params, current, target, expected):
    assert distributed_differences(params, current, target).sentences() == expected


# --- reference ---------------------------------------------------------------------------------------------------

REF_PLANS = [
    Plan('local -> reference', ref_params(), snap(table_row('customers')),
     ["SELECT create_reference_table('public.customers'::regclass)"], {'type': 'reference', 'shard_count': 1}),
    Plan('with rows and truncate', ref_params(truncate_local_data=True), snap(table_row('customers'), rows=3),
     ['BEGIN', "SELECT create_reference_table('public.customers'::regclass)",
      "SELECT truncate_local_data_after_distributing_table('public.customers'::regclass)", 'COMMIT'], {}),
    Plan('reference already', ref_params(), snap(ref()), [], {'type': 'reference'}),
    Plan('distributed -> reference with allow_redistribute', ref_params(name='users', allow_redistribute=True),
     snap(dist('users', column='id', rf=1)),
     ["SELECT undistribute_table('public.users'::regclass)",
      "SELECT create_reference_table('public.users'::regclass)"], {'type': 'reference'}),
    Plan('absent: undistribute', ref_params(state='absent'), snap(ref()),
     ["SELECT undistribute_table('public.customers'::regclass)"], {'type': 'local'}),
    Plan('absent with foreign keys', ref_params(state='absent', cascade_via_foreign_keys=True), snap(ref()),
     ["SELECT undistribute_table('public.customers'::regclass, cascade_via_foreign_keys => true)"], {}),
    Plan('absent: local already',
     ref_params(state='absent'), snap(table_row('customers')), [], {'type': 'local'}),
    Plan('absent: distributed left alone',
     ref_params(name='orders', state='absent'), snap(dist()), [], {'type': 'distributed'}),
]


@pytest.mark.parametrize('params, snapshot, queries, after', [c[1:] for c in REF_PLANS],
                         ids=[c.id for c in REF_PLANS])
def test_plan_reference(params, snapshot, queries, after):
    result = plan_reference(params, snapshot)
    assert rendered(result.units) == queries
    for key, value in after.items():
        assert result.after[key] == value, key


@pytest.mark.parametrize('params, snapshot, fragments', [
    (ref_params(), snap(None), ['table customers does not exist']),
    (ref_params(name='orders'), snap(dist()),
     ['public.orders is a distributed table (distributed by customer_id)', 'allow_redistribute: true',
      'nothing was changed']),
    (ref_params(), snap(table_row('customers'), nodes={'registered': 0, 'shard_nodes': 0}),
     ['no node is registered']),
    (ref_params(), snap(table_row('customers', relkind='S')), ['public.customers is a sequence, not a table']),
])
def test_plan_reference_refuses(params, snapshot, fragments):
    with pytest.raises(Refusal) as err:
        plan_reference(params, snapshot)
    for fragment in fragments:
        assert fragment in err.value.msg, err.value.msg
