"""Unit tests of the citus_module_problems filter: a role's items checked with the modules' own argument spec and
checks (the real module code, so a change in a module's rules shows here)."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.pgcitus.cluster.plugins.filter.citus_module_problems import (
    citus_module_problems,
    modules,
    node_params,
)


def member(host='w1', **over):
    """A citus_members record: worker w1 that stays, with the given fields changed."""
    base = dict(host=host, coordinator=False, name=host, port=5432, address='', should_have_shards=True,
                state='present', drain=False, shard_transfer_mode=None)
    base.update(over)
    return base


@pytest.mark.parametrize('tables', [
    pytest.param([{'name': 'orders', 'column': 'customer_id', 'shard_count': 32, 'replication_factor': 2},
                  {'name': 'order_items', 'column': 'customer_id', 'colocate_with': 'orders', 'db': 'app'}],
                 id='columns-shard-count-colocation-and-db'),
    pytest.param([{'name': 'orders', 'column': 'customer_id', 'allow_redistribute': True,
                   'cascade_to_colocated': True}], id='redistribution-options'),
    pytest.param([{'name': 'events', 'state': 'absent', 'cascade_via_foreign_keys': True}], id='absent-with-cascade'),
    pytest.param([{'name': 'orders', 'column': 'customer_id', 'shard_count': '8'}], id='a-shard-count-given-as-text'),
])
def test_good_distributed_tables_have_no_problem(tables):
    assert citus_module_problems(tables, 'citus_distributed_table') == []


@pytest.mark.parametrize('table, problem', [
    # The three refusals in the citus_cluster role's own words (molecule/validation asserts them).
    pytest.param({'name': 't', 'column': 'id', 'shard_count': 0}, 'Set shard_count between 1 and 64000 for t.',
                 id='shard-count-0-in-the-role-words'),
    pytest.param({'name': 't', 'column': 'id', 'shard_count': 70000}, 'Set shard_count between 1 and 64000 for t.',
                 id='shard-count-70000-in-the-role-words'),
    pytest.param({'name': 'b', 'column': 'id', 'shard_count': 8, 'colocate_with': 'a'},
                 "Drop shard_count or colocate_with for b: a table colocated with another gets that table's shard "
                 "count.", id='shard-count-and-colocate-with-in-the-role-words'),
    pytest.param({'name': 't'}, 'Set `column` (the distribution column) for t.', id='no-column-in-the-role-words'),
    # The others in the module's words, after the table's name.
    pytest.param({'name': 't', 'column': 'id', 'replication_factor': 0},
                 't: replication_factor 0 is out of range: use 1 to 100.', id='replication-factor-0'),
    pytest.param({'name': 't', 'state': 'absent', 'column': 'id'},
                 't: column only applies with state: present; state: absent turns the table back into a local '
                 'table, rows kept.', id='an-option-of-present-with-state-absent'),
    pytest.param({'name': 't', 'column': 'id', 'cascade_to_colocated': True},
                 't: cascade_to_colocated only applies with allow_redistribute: true (it is passed to '
                 'alter_distributed_table).', id='cascade-without-allow-redistribute'),
    pytest.param({'name': 't', 'column': 'id', 'colocate_with': 't'},
                 't: colocate_with names the table itself: name another distributed table, or use default or none.',
                 id='colocated-with-itself'),
    pytest.param({'name': ' ', 'column': 'id'},
                 'citus_distributed_table item 1 (no name): name must name a table (schema-qualified allowed, e.g. '
                 'public.orders).', id='a-blank-name'),
    # The argument spec, as AnsibleModule applies it.
    pytest.param({'column': 'id'}, 'citus_distributed_table item 1 (no name): missing required arguments: name.',
                 id='no-name'),
    pytest.param({'name': 't', 'column': 'id', 'state': 'gone'},
                 't: value of state must be one of: present, absent, got: gone.', id='an-unknown-state'),
    pytest.param({'name': 't', 'column': 'id', 'shard_count': 'many'},
                 't: argument \'shard_count\' is of type str and we were unable to convert to int: "\'many\'" cannot '
                 'be converted to an int.', id='a-shard-count-that-is-not-a-number'),
])
def test_distributed_table_problems(table, problem):
    assert citus_module_problems([{'name': 'ok', 'column': 'id'}, table], 'citus_distributed_table') == [
        problem.replace('item 1 ', 'item 2 ')]


@pytest.mark.parametrize('table, problem', [
    pytest.param({'name': 'customers'}, None, id='a-good-reference-table'),
    pytest.param({'name': 'countries', 'state': 'absent', 'cascade_via_foreign_keys': True}, None,
                 id='absent-with-cascade'),
    pytest.param({'name': 't', 'state': 'absent', 'truncate_local_data': True},
                 't: truncate_local_data only applies with state: present.', id='truncate-with-state-absent'),
    pytest.param({'name': 't', 'cascade_via_foreign_keys': True},
                 't: cascade_via_foreign_keys only applies with state: absent (it undistributes the linked tables '
                 'too).', id='cascade-with-state-present'),
])
def test_reference_table_problems(table, problem):
    assert citus_module_problems([table], 'citus_reference_table') == ([problem] if problem else [])


def test_an_option_the_reference_table_module_does_not_take():
    problems = citus_module_problems([{'name': 't', 'replication_factor': 2}], 'citus_reference_table')
    assert len(problems) == 1
    assert problems[0].startswith('t: Unsupported parameters for (citus_reference_table) module: replication_factor.')


@pytest.mark.parametrize('record, params', [
    pytest.param(member('c1', coordinator=True, state='absent', drain=True), {'name': 'c1', 'port': 5432,
                                                                              'coordinator': True},
                 id='the-coordinator-by-name-and-port'),
    pytest.param(member(drain=True, shard_transfer_mode='auto', should_have_shards=False),
                 {'name': 'w1', 'port': 5432, 'state': 'present', 'should_have_shards': False},
                 id='a-worker-that-stays-with-its-state-and-shards'),
    pytest.param(member(state='absent', drain=True, shard_transfer_mode='block_writes'),
                 {'name': 'w1', 'port': 5432, 'state': 'absent', 'drain': True, 'shard_transfer_mode': 'block_writes'},
                 id='a-worker-that-leaves-with-its-drain'),
    pytest.param(member(state='absent'), {'name': 'w1', 'port': 5432, 'state': 'absent', 'drain': False},
                 id='a-worker-that-leaves-without-a-transfer-mode'),
])
def test_node_params_are_what_the_role_passes(record, params):
    assert node_params(record) == params


@pytest.mark.parametrize('record, problem', [
    pytest.param(member(), None, id='a-worker-that-stays'),
    pytest.param(member('c1', coordinator=True), None, id='the-coordinator'),
    pytest.param(member(state='disabled', should_have_shards=False), None, id='a-disabled-worker'),
    pytest.param(member(state='absent', drain=True, shard_transfer_mode='force_logical'), None,
                 id='a-drained-worker-that-leaves'),
    pytest.param(member(port=70000), 'w1: port 70000 is out of range: use 1 to 65535.', id='a-port-out-of-range'),
    pytest.param(member('c1', coordinator=True, port=0), 'c1: port 0 is out of range: use 1 to 65535.',
                 id='the-coordinator-port-out-of-range'),
    pytest.param(member(name='w1 '), "w1: name 'w1 ' has spaces around it: remove them (Citus would register them "
                 "as part of the host name, which no node is reached by).", id='a-name-with-spaces'),
    pytest.param(member(state='gone'), 'w1: value of state must be one of: present, disabled, absent, got: gone.',
                 id='an-unknown-state'),
    pytest.param(member(state='absent', shard_transfer_mode='block_writes'),
                 'w1: shard_transfer_mode only applies with drain: true.', id='a-transfer-mode-without-drain'),
    pytest.param(member(state='absent', drain=True, shard_transfer_mode='fast'),
                 'w1: value of shard_transfer_mode must be one of: auto, force_logical, block_writes, got: fast.',
                 id='an-unknown-transfer-mode'),
])
def test_node_problems(record, problem):
    assert citus_module_problems([record], 'citus_node') == ([problem] if problem else [])


def test_an_unknown_module_is_an_error():
    with pytest.raises(AnsibleFilterError, match='module must be one of citus_node, citus_distributed_table'):
        citus_module_problems([], 'citus_info')


def test_the_modules_with_checks():
    """The modules whose checks the filter runs, imported on its first call."""
    assert tuple(modules()) == ('citus_node', 'citus_distributed_table', 'citus_reference_table')
