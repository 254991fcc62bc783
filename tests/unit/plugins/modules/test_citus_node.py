"""Unit tests of citus_node: option validation and the plan (state comparison + SQL) over catalog snapshots."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus_node as citus_node
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import Refusal
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_node import NodeParams, NodeState
from plancases import Plan, Refused
from sqltext import rendered


def request(**over):
    """The module's params: primary worker w1:5432, state present, with the given options changed."""
    base = dict(name='w1', port=5432, state='present', role='primary', group_id=None, primary_name=None,
                primary_port=5432, cluster='default', should_have_shards=None, coordinator=False, drain=False,
                shard_transfer_mode=None)
    base.update(over)
    return base


def planned(params, snap):
    """citus_node's plan for a request (the module's params) over the catalog reads (NodeState's fields)."""
    return citus_node.plan(NodeParams.from_params(params), NodeState(**snap))


def registered(**over):
    """A pg_dist_node row as read: active primary w1:5432 in group 2, with the given columns changed."""
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
    msg = citus_node.validate(request(**over))
    assert msg is not None and fragment in msg


@pytest.mark.parametrize('over', [
    {}, {'state': 'absent', 'drain': True}, {'state': 'absent', 'drain': True, 'shard_transfer_mode': 'block_writes'},
    {'role': 'secondary', 'group_id': 2}, {'role': 'secondary', 'primary_name': 'w0'}, {'coordinator': True},
    {'state': 'disabled'}, {'role': 'secondary', 'state': 'absent'}, {'group_id': 7},
    {'name': 'worker 1'},  # inner spaces are the user's business (a socket directory may have them)
    {'state': 'absent', 'drain': True, 'timeout': 0},
])
def test_validate_accepts(over):
    assert citus_node.validate(request(**over)) is None


# (params, snapshot, expected queries, expected changes in the predicted node)
PLANS = [
    Plan('add worker', request(), {'node': None},
     ["SELECT citus_add_node('w1', 5432)"], {'isactive': True, 'should_have_shards': True, 'role': 'primary'}),
    Plan('add worker without shards, in one transaction', request(should_have_shards=False), {'node': None},
     ['BEGIN', "SELECT citus_add_node('w1', 5432)",
      "SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)", 'COMMIT'],
     {'should_have_shards': False}),
    Plan('add worker in a given group', request(group_id=7), {'node': None},
     ["SELECT citus_add_node('w1', 5432, groupid => 7)"], {'groupid': 7, 'cluster': 'default'}),
    Plan('add secondary in another cluster',
     request(role='secondary', group_id=2, cluster='east', name='w1r'), {'node': None},
     ["SELECT citus_add_node('w1r', 5432, groupid => 2, noderole => 'secondary', nodecluster => 'east')"],
     {'cluster': 'east'}),
    Plan('add secondary by primary in another cluster',
     request(role='secondary', primary_name='w1', cluster='east', name='w1r'),
     {'node': None, 'primary': registered()},
     ["SELECT citus_add_secondary_node('w1r', 5432, 'w1', 5432, nodecluster => 'east')"], {'groupid': 2}),
    Plan('add secondary by group', request(role='secondary', group_id=2, name='w1r'), {'node': None},
     ["SELECT citus_add_node('w1r', 5432, groupid => 2, noderole => 'secondary')"],
     {'role': 'secondary', 'groupid': 2, 'should_have_shards': True}),
    Plan('add secondary by primary', request(role='secondary', primary_name='w1', name='w1r'),
     {'node': None, 'primary': registered()},
     ["SELECT citus_add_secondary_node('w1r', 5432, 'w1', 5432)"],
     {'role': 'secondary', 'groupid': 2, 'should_have_shards': True}),
    Plan('registered and active: nothing', request(), {'node': registered()}, [], {}),
    Plan('registered, inactive: activate', request(), {'node': registered(isactive=False)},
     ["SELECT citus_activate_node('w1', 5432)"], {'isactive': True}),
    Plan('should_have_shards differs', request(should_have_shards=False), {'node': registered()},
     ["SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)"], {'should_have_shards': False}),
    Plan('inactive and should_have_shards differs: activate first', request(should_have_shards=True),
     {'node': registered(isactive=False, should_have_shards=False)},
     ["SELECT citus_activate_node('w1', 5432)",
      "SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', true)"],
     {'isactive': True, 'should_have_shards': True}),
    Plan('disable an active node', request(state='disabled'), {'node': registered(), 'sole': []},
     ["SELECT citus_disable_node('w1', 5432, synchronous => true)"], {'isactive': False}),
    Plan('disabled already', request(state='disabled'), {'node': registered(isactive=False)}, [], {}),
    Plan('absent, not registered', request(state='absent'), {'node': None}, [], None),
    Plan('absent, no placements', request(state='absent'), {'node': registered(), 'placements': 0},
     ["SELECT citus_remove_node('w1', 5432)"], None),
    Plan('absent with drain but no placements: no drain',
     request(state='absent', drain=True), {'node': registered(), 'placements': 0},
     ["SELECT citus_remove_node('w1', 5432)"], None),
    Plan('absent with drain', request(state='absent', drain=True),
     {'node': registered(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 1},
     ["SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)",
      "SELECT citus_rebalance_start(drain_only => true)", "SELECT citus_remove_node('w1', 5432)"], None),
    Plan('absent with drain and transfer mode', request(state='absent', drain=True, shard_transfer_mode='block_writes'),
     {'node': registered(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 2},
     ["SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)",
      "SELECT citus_rebalance_start(drain_only => true, shard_transfer_mode => 'block_writes')",
      "SELECT citus_remove_node('w1', 5432)"], None),
    Plan('absent with drain, should_have_shards already false (a drain that timed out)',
     request(state='absent', drain=True),
     {'node': registered(should_have_shards=False), 'placements': 3, 'tables': ['users'], 'max_rf': 1, 'others': 1,
      'drained': []},
     ["SELECT citus_rebalance_start(drain_only => true)", "SELECT citus_remove_node('w1', 5432)"], None),
    Plan('secondary absent ignores the group placements', request(state='absent', name='w1r'),
     {'node': registered(name='w1r', role='secondary'), 'placements': 0},
     ["SELECT citus_remove_node('w1r', 5432)"], None),
    Plan('coordinator first time', request(name='c1', coordinator=True), {'node': None, 'coordinator': None},
     ["SELECT citus_set_coordinator_host('c1', 5432)"], {'groupid': 0, 'should_have_shards': False}),
    Plan('coordinator registered as localhost: re-register', request(name='c1', coordinator=True),
     {'node': None, 'coordinator': registered(nodeid=1, groupid=0, name='localhost', should_have_shards=False)},
     ["SELECT citus_set_coordinator_host('c1', 5432)"], {'name': 'c1', 'nodeid': 1, 'groupid': 0}),
    Plan('coordinator with shards', request(name='c1', coordinator=True, should_have_shards=True),
     {'node': None, 'coordinator': None},
     ['BEGIN', "SELECT citus_set_coordinator_host('c1', 5432)",
      "SELECT citus_set_node_property('c1', 5432, 'shouldhaveshards', true)", 'COMMIT'],
     {'should_have_shards': True}),
    Plan('coordinator already registered', request(name='c1', coordinator=True),
     {'node': registered(nodeid=1, groupid=0, name='c1', should_have_shards=False),
      'coordinator': registered(nodeid=1, groupid=0, name='c1', should_have_shards=False)}, [], {}),
]


@pytest.mark.parametrize('params, snap, queries, after', [c[1:] for c in PLANS], ids=[c.id for c in PLANS])
def test_plan(params, snap, queries, after):
    units, predicted = planned(params, snap)
    assert rendered(units) == queries
    if after is None:
        assert predicted == {}
    else:
        for key, value in after.items():
            assert predicted[key] == value, key
        assert predicted['name'] == params['name']


REFUSALS = [
    Refused('remove node with shards, no drain', request(state='absent'),
     {'node': registered(), 'placements': 16, 'tables': ['orders', 'users']},
     ['w1:5432 holds 16 shard placements (tables: orders, users)', 'use drain: true', 'nothing was changed']),
    Refused('drain with nowhere to go', request(state='absent', drain=True),
     {'node': registered(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 0},
     ['only 0 other active node(s)', 'add a worker first']),
    Refused('drain with replication factor above the other nodes', request(state='absent', drain=True),
     {'node': registered(), 'placements': 32, 'tables': ['orders'], 'max_rf': 2, 'others': 1},
     ['(2 needed for the replication factor)']),
    Refused('drain would also drain another node without should_have_shards', request(state='absent', drain=True),
     {'node': registered(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 1,
      'drained': ['w2:5432 (16 placements)']},
     ['w1:5432 cannot be drained alone', 'w2:5432 (16 placements) has should_have_shards false too',
      'set should_have_shards: true on it first', 'nothing was changed']),
    Refused('disable the sole holder',
     request(state='disabled'), {'node': registered(), 'sole': [(102008, 'users'), (102009, 'users')]},
     ['only placement of 2 shard(s) (first: shard 102008 of users)', 'nothing was changed']),
    Refused('disable unregistered',
     request(state='disabled'), {'node': None}, ['is not registered, so it cannot be disabled']),
    Refused('disable the coordinator row',
     request(name='c1', state='disabled'), {'node': registered(groupid=0, name='c1')},
     ['is the coordinator, which cannot be disabled']),
    Refused('role mismatch', request(role='secondary', group_id=2), {'node': registered()},
     ['registered differently: role is primary (asked: secondary)', 'remove it (state: absent']),
    Refused('group mismatch', request(group_id=5), {'node': registered()}, ['group is 2 (asked: 5)']),
    Refused('group mismatch via primary', request(role='secondary', primary_name='w2', name='w1r'),
     {'node': registered(name='w1r', role='secondary', groupid=2), 'primary': registered(name='w2', groupid=3)},
     ['group is 2 (asked: 3)']),
    Refused('cluster mismatch',
     request(cluster='east', role='secondary', group_id=2), {'node': registered(role='secondary')},
     ['cluster is default (asked: east)']),
    Refused('secondary whose primary is missing', request(role='secondary', primary_name='w9', name='w1r'),
     {'node': None, 'primary': None}, ['primary w9:5432 of secondary w1r:5432 is not registered']),
    Refused('worker entry asked as coordinator', request(coordinator=True), {'node': registered(), 'coordinator': None},
     ['w1:5432 is registered as a worker in group 2, not as the coordinator', 'remove it first']),
    Refused('coordinator entry asked as worker', request(name='c1'), {'node': registered(groupid=0, name='c1')},
     ['c1:5432 is registered as the coordinator (group 0): set coordinator: true']),
    Refused('remove worker with coordinator: true', request(coordinator=True, state='absent'), {'node': registered()},
     ['is a worker in group 2, not the coordinator']),
]


@pytest.mark.parametrize('params, snap, fragments', [c[1:] for c in REFUSALS], ids=[c.id for c in REFUSALS])
def test_plan_refuses(params, snap, fragments):
    with pytest.raises(Refusal) as err:
        planned(params, snap)
    for fragment in fragments:
        assert fragment in err.value.msg, err.value.msg
    assert '\n' not in err.value.msg


def test_a_failed_drain_is_not_reported_as_nothing_changed():
    units, _ = planned(request(state='absent', drain=True),
                       {'node': registered(), 'placements': 16, 'tables': ['users'], 'max_rf': 1, 'others': 1})
    assert 'should_have_shards of w1:5432 was set to false' in units[0].done
    assert units[1].step is not None and 'still registered' in units[1].partial
    # should_have_shards already false: the drain step itself says so when it fails
    units, _ = planned(request(state='absent', drain=True),
                       {'node': registered(should_have_shards=False), 'placements': 16, 'tables': ['users'],
                                'max_rf': 1, 'others': 1})
    assert len(units) == 2 and 'should_have_shards of w1:5432 is false' in units[0].partial


@pytest.mark.parametrize('over, fragment', [
    ({'name': 'localhost'}, 'localhost means a different server to every node'),
    ({'name': 'LocalHost', 'coordinator': True}, 'the coordinator is registered as localhost'),
    ({'name': 'localhost', 'state': 'absent'}, None),
    ({'name': 'w1'}, None),
])
def test_name_warnings(over, fragment):
    warnings = citus_node.name_warnings(NodeParams.from_params(request(**over)))
    if fragment is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and fragment in warnings[0]
