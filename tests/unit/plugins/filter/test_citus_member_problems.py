"""Unit tests of the citus_member_problems filter: the membership rules both Citus roles assert."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.filter.citus_member_problems import citus_member_problems


def member(host, coordinator=False, name=None, port=5432):
    return dict(host=host, coordinator=coordinator, name=name or host, port=port)


GOOD = [member('c1', True), member('w1'), member('w2')]


def test_a_good_cluster_has_no_problem():
    assert citus_member_problems(GOOD, host='w1') == []


@pytest.mark.parametrize('members, host, problems', [
    pytest.param([member('w1')], None,
                 ['The inventory needs exactly one host in citus_coordinator (has 0).'], id='no-coordinator'),
    pytest.param([member('c1', True), member('c2', True), member('w1')], None,
                 ['The inventory needs exactly one host in citus_coordinator (has 2: c1, c2).'], id='two-coordinators'),
    pytest.param([member('c1', True), member('c1'), member('w1')], None,
                 ['c1 is in citus_coordinator and in citus_workers: list it in one of them, not both.'],
                 id='the-coordinator-listed-as-a-worker-too'),
    pytest.param(GOOD, 'x1',
                 ['x1 is in neither citus_coordinator nor citus_workers: add it to one of them, or do not run the '
                  'Citus roles on it.'], id='a-host-that-is-not-a-member'),
    pytest.param([member('c1', True), member('w1', name='db'), member('w2', name='db')], None,
                 ['Each cluster member needs its own citus_node_name:port: w1 and w2 both have db:5432.'],
                 id='two-workers-with-one-name'),
    pytest.param([member('c1', True, name='db'), member('w1', name='db'), member('w2', name='db')], None,
                 ['Each cluster member needs its own citus_node_name:port: c1, w1 and w2 all have db:5432.'],
                 id='three-members-with-one-name'),
])
def test_problems(members, host, problems):
    assert citus_member_problems(members, host=host) == problems


def test_one_name_on_two_ports_is_two_members():
    assert citus_member_problems([member('c1', True, name='db', port=5432), member('w1', name='db', port=5433)]) == []


def ha_member(host, group, coordinator=False):
    return dict(member(host, coordinator), group=group)


def test_ha_allows_a_coordinator_group_of_two_and_worker_groups():
    members = [ha_member('c1', 0, True), ha_member('c2', 0, True), ha_member('w1', 1), ha_member('w2', 1),
               ha_member('w3', 2)]
    assert citus_member_problems(members, host='c2', ha=True) == []


@pytest.mark.parametrize('members, problems', [
    pytest.param([ha_member('w1', 1)], ['The inventory needs at least one host in citus_coordinator (has 0).'],
                 id='no-coordinator'),
    pytest.param([ha_member('c1', 1, True), ha_member('w1', 1)],
                 ['c1 is a coordinator: its citus_group must be 0 (or unset), not 1.'], id='coordinator-not-in-0'),
    pytest.param([ha_member('c1', 0, True), ha_member('w1', None)],
                 ['w1 is a worker: with citus_ha patroni it needs citus_group, the number (1 or more) of its worker '
                  'group (got None).'], id='worker-without-group'),
    pytest.param([ha_member('c1', 0, True), ha_member('w1', 0)],
                 ['w1 is a worker: with citus_ha patroni it needs citus_group, the number (1 or more) of its worker '
                  'group (got 0).'], id='worker-in-group-0'),
    pytest.param([ha_member('c1', 0, True), ha_member('w1', '1')],
                 ['w1 is a worker: with citus_ha patroni it needs citus_group, the number (1 or more) of its worker '
                  "group (got '1')."], id='worker-group-as-text'),
    pytest.param([ha_member('c1', 0, True), dict(ha_member('w1', 1), state='absent', drain=True)],
                 ['w1 has citus_node_state absent: with citus_ha patroni, Patroni registers every host of a group and '
                  'keeps pg_dist_node right, so the roles add and remove no node. Remove citus_node_state from its '
                  "variables (the README's high availability section says how to retire a worker group)."],
                 id='a-worker-declared-absent'),
    pytest.param([ha_member('c1', 0, True), dict(ha_member('w1', 1), should_have_shards=False)],
                 ['w1 has citus_node_should_have_shards false: with citus_ha patroni, Patroni registers the workers '
                  'and they get shards. Remove it (and citus_cluster_workers_should_have_shards) from the inventory.'],
                 id='a-worker-without-shards'),
])
def test_ha_problems(members, problems):
    assert citus_member_problems(members, ha=True) == problems
