"""Unit tests of citus_node: option validation and the plan (state comparison + SQL) over catalog snapshots."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus_node as citus_node
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import Refusal
from sqltext import rendered


def p(**over):
    base = dict(name='w1', port=5432, state='present', role='primary', group_id=None, primary_name=None,
                primary_port=5432, cluster='default', should_have_shards=None, coordinator=False, drain=False,
                shard_transfer_mode=None)
    base.update(over)
    return base


def row(**over):
    base = dict(nodeid=2, groupid=2, name='w1', port=5432, role='primary', cluster='default', isactive=True,
                should_have_shards=True, hasmetadata=True, metadatasynced=True)
    base.update(over)
    return base



@pytest.mark.parametrize('over, fragment', [
    ({'name': ' '}, 'name must be the host name'),
    ({'port': 0}, 'port 0 is out of range'),
    ({'primary_port': 70000, 'role': 'secondary', 'primary_name': 'w1'}, 'primary_port 70000 is out of range'),
    ({'group_id': 2, 'primary_name': 'w0', 'role': 'secondary'}, 'group_id and primary_name are mutually exclusive'),
    ({'group_id': -1}, 'group_id -1 is invalid'),
    ({'drain': True}, 'drain: true only applies with state: absent'),
    ({'drain': True, 'state': 'disabled'}, 'drain: true only applies with state: absent'),
    ({'shard_transfer_mode': 'block_writes', 'state': 'absent'}, 'shard_transfer_mode only applies with drain: true'),
    ({'role': 'secondary'}, 'role: secondary needs group_id or primary_name'),
    ({'primary_name': 'w0'}, 'primary_name is for role: secondary'),
    ({'coordinator': True, 'state': 'disabled'}, 'the coordinator cannot be disabled'),
    ({'coordinator': True, 'role': 'secondary', 'group_id': 0}, 'coordinator: true registers the primary coordinator'),
    ({'coordinator': True, 'group_id': 3}, 'coordinator: true registers the primary coordinator'),
    ({'cluster': 'east'}, 'cluster east is for secondaries'),
    ({'role': 'secondary', 'group_id': 1, 'should_have_shards': True}, 'should_have_shards applies to primaries'),
    ({'coordinator': True, 'cluster': 'east'}, 'cluster east is for secondaries'),
    ({'name': ' w1'}, "name ' w1' has spaces around it: remove them"),
    ({'name': 'w1\t'}, "name 'w1\\t' has spaces around it"),
    ({'role': 'secondary', 'primary_name': 'w0 '}, "primary_name 'w0 ' has spaces around it"),
    ({'state': 'absent', 'drain': True, 'timeout': -1}, 'timeout -1 is invalid'),
])
def test_validate_refuses(over, fragment):
    msg = citus_node.validate(p(**over))
    assert msg is not None and fragment in msg


@pytest.mark.parametrize('over', [
    {}, {'state': 'absent', 'drain': True}, {'state': 'absent', 'drain': True, 'shard_transfer_mode': 'block_writes'},
    {'role': 'secondary', 'group_id': 2}, {'role': 'secondary', 'primary_name': 'w0'}, {'coordinator': True},
    {'state': 'disabled'}, {'role': 'secondary', 'state': 'absent'}, {'group_id': 7},
    {'name': 'worker 1'},  # inner spaces are the user's business (a socket directory may have them)
    {'state': 'absent', 'drain': True, 'timeout': 0},
])
def test_validate_accepts(over):
    assert citus_node.validate(p(**over)) is None


# (params, snapshot, expected queries, expected changes in the predicted node)
PLANS = [
    ('add worker', p(), {'node': None},
     ["SELECT citus_add_node('w1', 5432)"], {'isactive': True, 'should_have_shards': True, 'role': 'primary'}),
    ('add worker without shards, in one transaction', p(should_have_shards=False), {'node': None},
     ['BEGIN', "SELECT citus_add_node('w1', 5432)",
      "SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)", 'COMMIT'],
     {'should_have_shards': False}),
    ('add worker in a given group', p(group_id=7), {'node': None},
     ["SELECT citus_add_node('w1', 5432, groupid => 7)"], {'groupid': 7, 'cluster': 'default'}),
    ('add secondary in another cluster', p(role='secondary', group_id=2, cluster='east', name='w1r'), {'node': None},
     ["SELECT citus_add_node('w1r', 5432, groupid => 2, noderole => 'secondary', nodecluster => 'east')"],
     {'cluster': 'east'}),
    ('add secondary by primary in another cluster', p(role='secondary', primary_name='w1', cluster='east', name='w1r'),
     {'node': None, 'primary': row()},
     ["SELECT citus_add_secondary_node('w1r', 5432, 'w1', 5432, nodecluster => 'east')"], {'groupid': 2}),
    ('add secondary by group', p(role='secondary', group_id=2, name='w1r'), {'node': None},
     ["SELECT citus_add_node('w1r', 5432, groupid => 2, noderole => 'secondary')"],
     {'role': 'secondary', 'groupid': 2, 'should_have_shards': True}),
    ('add secondary by primary', p(role='secondary', primary_name='w1', name='w1r'),
     {'node': None, 'primary': row()},
     ["SELECT citus_add_secondary_node('w1r', 5432, 'w1', 5432)"],
     {'role': 'secondary', 'groupid': 2, 'should_have_shards': True}),
    ('registered and active: nothing', p(), {'node': row()}, [], {}),
    ('registered, inactive: activate', p(), {'node': row(isactive=False)},
     ["SELECT citus_activate_node('w1', 5432)"], {'isactive': True}),
    ('should_have_shards differs', p(should_have_shards=False), {'node': row()},
     ["SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)"], {'should_have_shards': False}),
    ('inactive and should_have_shards differs: activate first', p(should_have_shards=True),
     {'node': row(isactive=False, should_have_shards=False)},
     ["SELECT citus_activate_node('w1', 5432)",
      "SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', true)"],
     {'isactive': True, 'should_have_shards': True}),
    ('disable an active node', p(state='disabled'), {'node': row(), 'sole': []},
     ["SELECT citus_disable_node('w1', 5432, synchronous => true)"], {'isactive': False}),
    ('disabled already', p(state='disabled'), {'node': row(isactive=False)}, [], {}),
    ('absent, not registered', p(state='absent'), {'node': None}, [], None),
    ('absent, no placements', p(state='absent'), {'node': row(), 'placements': 0},
     ["SELECT citus_remove_node('w1', 5432)"], None),
    ('absent with drain but no placements: no drain', p(state='absent', drain=True), {'node': row(), 'placements': 0},
     ["SELECT citus_remove_node('w1', 5432)"], None),
    ('absent with drain', p(state='absent', drain=True),
     {'node': row(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 1},
     ["SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)",
      "SELECT citus_rebalance_start(drain_only => true)", "SELECT citus_remove_node('w1', 5432)"], None),
    ('absent with drain and transfer mode', p(state='absent', drain=True, shard_transfer_mode='block_writes'),
     {'node': row(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 2},
     ["SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)",
      "SELECT citus_rebalance_start(drain_only => true, shard_transfer_mode => 'block_writes')",
      "SELECT citus_remove_node('w1', 5432)"], None),
    ('absent with drain, should_have_shards already false (a drain that timed out)', p(state='absent', drain=True),
     {'node': row(should_have_shards=False), 'placements': 3, 'tables': ['users'], 'max_rf': 1, 'others': 1,
      'drained': []},
     ["SELECT citus_rebalance_start(drain_only => true)", "SELECT citus_remove_node('w1', 5432)"], None),
    ('secondary absent ignores the group placements', p(state='absent', name='w1r'),
     {'node': row(name='w1r', role='secondary'), 'placements': 0},
     ["SELECT citus_remove_node('w1r', 5432)"], None),
    ('coordinator first time', p(name='c1', coordinator=True), {'node': None, 'coordinator': None},
     ["SELECT citus_set_coordinator_host('c1', 5432)"], {'groupid': 0, 'should_have_shards': False}),
    ('coordinator registered as localhost: re-register', p(name='c1', coordinator=True),
     {'node': None, 'coordinator': row(nodeid=1, groupid=0, name='localhost', should_have_shards=False)},
     ["SELECT citus_set_coordinator_host('c1', 5432)"], {'name': 'c1', 'nodeid': 1, 'groupid': 0}),
    ('coordinator with shards', p(name='c1', coordinator=True, should_have_shards=True),
     {'node': None, 'coordinator': None},
     ['BEGIN', "SELECT citus_set_coordinator_host('c1', 5432)",
      "SELECT citus_set_node_property('c1', 5432, 'shouldhaveshards', true)", 'COMMIT'],
     {'should_have_shards': True}),
    ('coordinator already registered', p(name='c1', coordinator=True),
     {'node': row(nodeid=1, groupid=0, name='c1', should_have_shards=False),
      'coordinator': row(nodeid=1, groupid=0, name='c1', should_have_shards=False)}, [], {}),
]


@pytest.mark.parametrize('params, snap, queries, after', [x[1:] for x in PLANS], ids=[x[0] for x in PLANS])
def test_plan(params, snap, queries, after):
    units, predicted = citus_node.plan(params, snap)
    assert rendered(units) == queries
    if after is None:
        assert predicted == {}
    else:
        for key, value in after.items():
            assert predicted[key] == value, key
        assert predicted['name'] == params['name']


REFUSALS = [
    ('remove node with shards, no drain', p(state='absent'),
     {'node': row(), 'placements': 16, 'tables': ['orders', 'users']},
     ['w1:5432 holds 16 shard placements (tables: orders, users)', 'use drain: true', 'nothing was changed']),
    ('drain with nowhere to go', p(state='absent', drain=True),
     {'node': row(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 0},
     ['only 0 other active node(s)', 'add a worker first']),
    ('drain with replication factor above the other nodes', p(state='absent', drain=True),
     {'node': row(), 'placements': 32, 'tables': ['orders'], 'max_rf': 2, 'others': 1},
     ['(2 needed for the replication factor)']),
    ('drain would also drain another node without should_have_shards', p(state='absent', drain=True),
     {'node': row(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 1,
      'drained': ['w2:5432 (16 placements)']},
     ['w1:5432 cannot be drained alone', 'w2:5432 (16 placements) has should_have_shards false too',
      'set should_have_shards: true on it first', 'nothing was changed']),
    ('disable the sole holder', p(state='disabled'), {'node': row(), 'sole': [(102008, 'users'), (102009, 'users')]},
     ['only placement of 2 shard(s) (first: shard 102008 of users)', 'nothing was changed']),
    ('disable unregistered', p(state='disabled'), {'node': None}, ['is not registered, so it cannot be disabled']),
    ('disable the coordinator row', p(name='c1', state='disabled'), {'node': row(groupid=0, name='c1')},
     ['is the coordinator, which cannot be disabled']),
    ('role mismatch', p(role='secondary', group_id=2), {'node': row()},
     ['registered differently: role is primary (asked: secondary)', 'remove it (state: absent']),
    ('group mismatch', p(group_id=5), {'node': row()}, ['group is 2 (asked: 5)']),
    ('group mismatch via primary', p(role='secondary', primary_name='w2', name='w1r'),
     {'node': row(name='w1r', role='secondary', groupid=2), 'primary': row(name='w2', groupid=3)},
     ['group is 2 (asked: 3)']),
    ('cluster mismatch', p(cluster='east', role='secondary', group_id=2), {'node': row(role='secondary')},
     ['cluster is default (asked: east)']),
    ('secondary whose primary is missing', p(role='secondary', primary_name='w9', name='w1r'),
     {'node': None, 'primary': None}, ['primary w9:5432 of secondary w1r:5432 is not registered']),
    ('worker entry asked as coordinator', p(coordinator=True), {'node': row(), 'coordinator': None},
     ['w1:5432 is registered as a worker in group 2, not as the coordinator', 'remove it first']),
    ('coordinator entry asked as worker', p(name='c1'), {'node': row(groupid=0, name='c1')},
     ['c1:5432 is registered as the coordinator (group 0): set coordinator: true']),
    ('remove worker with coordinator: true', p(coordinator=True, state='absent'), {'node': row()},
     ['is a worker in group 2, not the coordinator']),
]


@pytest.mark.parametrize('params, snap, fragments', [x[1:] for x in REFUSALS], ids=[x[0] for x in REFUSALS])
def test_plan_refuses(params, snap, fragments):
    with pytest.raises(Refusal) as err:
        citus_node.plan(params, snap)
    for fragment in fragments:
        assert fragment in err.value.msg, err.value.msg
    assert '\n' not in err.value.msg


def test_a_failed_drain_is_not_reported_as_nothing_changed():
    units, _ = citus_node.plan(p(state='absent', drain=True),
                               {'node': row(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 1})
    assert 'should_have_shards of w1:5432 was set to false' in units[0].done
    assert units[1].step is not None and 'still registered' in units[1].partial
    # should_have_shards already false: the drain step itself says so when it fails
    units, _ = citus_node.plan(p(state='absent', drain=True),
                               {'node': row(should_have_shards=False), 'placements': 16, 'tables': ['users'],
                                'max_rf': 1, 'others': 1})
    assert len(units) == 2 and 'should_have_shards of w1:5432 is false' in units[0].partial


@pytest.mark.parametrize('over, fragment', [
    ({'name': 'localhost'}, 'localhost means a different server to every node'),
    ({'name': 'LocalHost', 'coordinator': True}, 'the coordinator is registered as localhost'),
    ({'name': 'localhost', 'state': 'absent'}, None),
    ({'name': 'w1'}, None),
])
def test_name_warnings(over, fragment):
    warnings = citus_node.name_warnings(p(**over))
    if fragment is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and fragment in warnings[0]
