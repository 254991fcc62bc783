"""Unit tests of the citus_members filter: one record per member, with the defaults the Citus roles have always had."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.filter.citus_members import citus_members

GROUPS = {'citus_coordinator': ['c1'], 'citus_workers': ['w1', 'w2']}


def members(hostvars=None, groups=None, **options):
    """citus_members over c1 (coordinator), w1 and w2 (workers), with the given host variables."""
    hostvars = {host: dict((hostvars or {}).get(host, {})) for host in ('c1', 'w1', 'w2', 'w3')}
    return citus_members(hostvars, GROUPS if groups is None else groups, **options)


def record(host='w1', **over):
    """The record of a worker without host variables, with the given fields changed."""
    base = dict(host=host, coordinator=False, name=host, port=5432, address='', should_have_shards=True,
                state='present', drain=False, shard_transfer_mode=None, group=None)
    base.update(over)
    return base


def test_the_coordinators_come_first_then_the_workers_in_inventory_order():
    assert [(m['host'], m['coordinator']) for m in members()] == [('c1', True), ('w1', False), ('w2', False)]


def test_a_member_without_host_variables_gets_every_default():
    assert members()[1] == record('w1')


@pytest.mark.parametrize('hostvars, fields', [
    pytest.param({'ansible_host': 'w1.example'}, {'name': 'w1.example'}, id='name-is-ansible_host'),
    pytest.param({'ansible_host': 'w1.example', 'citus_node_name': 'w1.internal'}, {'name': 'w1.internal'},
                 id='citus_node_name-wins-over-ansible_host'),
    pytest.param({'postgresql_port': 6000}, {'port': 6000}, id='port-is-postgresql_port'),
    pytest.param({'postgresql_port': 6000, 'citus_node_port': 6001}, {'port': 6001},
                 id='citus_node_port-wins-over-postgresql_port'),
    pytest.param({'citus_node_port': '5433'}, {'port': 5433}, id='a-port-given-as-text-is-an-integer'),
    pytest.param({'citus_node_port': 'five'}, {'port': 0}, id='a-port-that-is-not-a-number-is-0-as-jinja-int'),
    pytest.param({'citus_node_name': None}, {'name': None}, id='a-null-name-is-kept-as-jinja-default'),
], )
def test_name_and_port(hostvars, fields):
    assert members({'w1': hostvars})[1] == record('w1', **fields)


@pytest.mark.parametrize('hostvars, address', [
    pytest.param({'ansible_host': '10.0.0.2'}, '10.0.0.2', id='an-ipv4-name-is-the-address'),
    pytest.param({'ansible_host': '10.0.0.2', 'citus_hba_address': '10.0.0.0/24'}, '10.0.0.0/24',
                 id='citus_hba_address-wins'),
    pytest.param({'ansible_facts': {'default_ipv4': {'address': '192.0.2.7'}}}, '192.0.2.7',
                 id='a-host-name-takes-the-default-route-address'),
    pytest.param({'citus_node_name': 'fd00::5', 'ansible_facts': {'default_ipv4': {'address': '192.0.2.7'}}},
                 '192.0.2.7', id='an-ipv6-name-takes-the-default-route-address'),
    pytest.param({'ansible_facts': {'default_ipv4': {}}}, '', id='no-default-route-no-address'),
    pytest.param({'ansible_facts': {}}, '', id='facts-without-the-network-no-address'),
])
def test_address(hostvars, address):
    assert members({'w1': hostvars})[1]['address'] == address


@pytest.mark.parametrize('hostvars, options, fields', [
    pytest.param({}, {'should_have_shards': False}, {'should_have_shards': False},
                 id='should_have_shards-defaults-to-the-option'),
    pytest.param({'citus_node_should_have_shards': 'no'}, {}, {'should_have_shards': False},
                 id='the-host-variable-wins-as-a-boolean'),
    pytest.param({'citus_node_should_have_shards': True}, {'should_have_shards': False}, {'should_have_shards': True},
                 id='the-host-variable-wins-over-the-option'),
    pytest.param({'citus_node_state': 'absent', 'citus_node_drain': 'yes',
                  'citus_node_shard_transfer_mode': 'block_writes'}, {},
                 {'state': 'absent', 'drain': True, 'shard_transfer_mode': 'block_writes'},
                 id='the-declared-membership'),
])
def test_membership(hostvars, options, fields):
    assert members({'w1': hostvars}, **options)[1] == record('w1', **fields)


@pytest.mark.parametrize('groups, hosts', [
    pytest.param({}, [], id='no-groups-no-members'),
    pytest.param({'citus_workers': ['w1']}, [('w1', False)], id='no-coordinator-group'),
    pytest.param({'citus_coordinator': ['c1'], 'citus_workers': ['c1', 'w1']}, [('c1', True), ('c1', False),
                                                                               ('w1', False)],
                 id='a-host-in-both-groups-has-a-record-in-each'),
])
def test_groups(groups, hosts):
    assert [(m['host'], m['coordinator']) for m in members(groups=groups)] == hosts


@pytest.mark.parametrize('hostvars, leaving, states', [
    pytest.param({}, [], [('c1', 'present', False), ('w1', 'present', False), ('w2', 'present', False)],
                 id='nobody-leaves-by-default'),
    pytest.param({}, ['w1'], [('c1', 'present', False), ('w1', 'absent', True), ('w2', 'present', False)],
                 id='a-leaving-worker-is-absent-and-drained'),
    pytest.param({'w1': {'citus_node_state': 'disabled', 'citus_node_drain': False}}, ['w1'],
                 [('c1', 'present', False), ('w1', 'absent', True), ('w2', 'present', False)],
                 id='leaving-wins-over-the-host-variables'),
    pytest.param({}, ['c1', 'w2'], [('c1', 'present', False), ('w1', 'present', False), ('w2', 'absent', True)],
                 id='the-coordinator-never-leaves'),
    pytest.param({}, ['w3', 'nobody'], [('c1', 'present', False), ('w1', 'present', False), ('w2', 'present', False)],
                 id='names-that-are-not-members-are-ignored'),
])
def test_leaving(hostvars, leaving, states):
    assert [(m['host'], m['state'], m['drain']) for m in members(hostvars, leaving=leaving)] == states


def test_a_leaving_worker_keeps_its_transfer_mode():
    record_ = members({'w1': {'citus_node_shard_transfer_mode': 'block_writes'}}, leaving=['w1'])[1]
    assert record_ == record('w1', state='absent', drain=True, shard_transfer_mode='block_writes')


@pytest.mark.parametrize('hostvars, groups', [
    pytest.param({}, [0, None, None], id='coordinator-0-workers-none-by-default'),
    pytest.param({'w1': {'citus_group': 1}, 'w2': {'citus_group': 1}}, [0, 1, 1], id='two-workers-in-group-1'),
    pytest.param({'c1': {'citus_group': 3}}, [3, None, None], id='a-coordinator-group-is-kept-for-the-check'),
])
def test_group(hostvars, groups):
    assert [m['group'] for m in members(hostvars)] == groups
