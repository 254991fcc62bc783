"""Unit tests of the citus_conversion_problems filter: when a single-server cluster may be handed to Patroni."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.filter.citus_conversion_problems import citus_conversion_problems


def member(host, group, coordinator=False, name=None, port=5432):
    return dict(host=host, coordinator=coordinator, group=group, name=name or host, port=port)


# A single-server cluster of c1, w1 and w2, with w1b joining w1's group as its replica.
MEMBERS = [member('c1', 0, True), member('w1', 1), member('w1b', 1), member('w2', 2)]
SINGLE = ['c1', 'w1', 'w2']
ROWS = [dict(groupid=0, nodename='c1', nodeport=5432, noderole='primary'),
        dict(groupid=1, nodename='w1', nodeport=5432, noderole='primary'),
        dict(groupid=2, nodename='w2', nodeport=5432, noderole='primary')]


def test_a_cluster_whose_groups_match_pg_dist_node_converts():
    assert citus_conversion_problems(MEMBERS, SINGLE, ROWS) == []


def test_a_cluster_without_single_server_data_has_nothing_to_check():
    assert citus_conversion_problems(MEMBERS, [], None) == []


def test_single_server_data_on_a_host_that_would_be_cloned_is_refused():
    assert citus_conversion_problems(MEMBERS, ['w1b']) == [
        "w1b holds the data of a single-server Citus node, but it is not the first host of citus_group 1 (w1 is): "
        "Patroni would replace its data with a clone of w1. List w1b first in its group, or give it the citus_group "
        "of its own row in pg_dist_node."]


def test_a_coordinator_standby_with_data_is_refused():
    members = [member('c1', 0, True), member('c2', 0, True), member('w1', 1)]
    assert citus_conversion_problems(members, ['c2'])[0].startswith(
        'c2 holds the data of a single-server Citus node, but it is not the first host of the coordinator group (c1 '
        'is)')


def test_swapped_group_numbers_are_refused_with_the_right_numbers():
    members = [member('c1', 0, True), member('w1', 2), member('w2', 1)]
    assert citus_conversion_problems(members, SINGLE, ROWS) == [
        "w1 is in Citus group 1 in the coordinator's pg_dist_node, but its citus_group is 2: set citus_group: 1 for "
        "it (Patroni registers a group's primary by that number, and the group's shards are on w1:5432).",
        "w2 is in Citus group 2 in the coordinator's pg_dist_node, but its citus_group is 1: set citus_group: 2 for "
        "it (Patroni registers a group's primary by that number, and the group's shards are on w2:5432)."]


def test_a_registered_worker_missing_from_the_inventory_is_refused():
    rows = ROWS + [dict(groupid=3, nodename='w3', nodeport=5432, noderole='primary')]
    assert citus_conversion_problems(MEMBERS, SINGLE, rows) == [
        "The coordinator's pg_dist_node lists worker w3:5432 (group 3), which is no host of citus_workers (by "
        "citus_node_name and port): Patroni would leave it unmanaged. Add its host to citus_workers with "
        "citus_group 3, or remove it from the cluster in single-server mode first (playbooks/scale_in.yml)."]


def test_single_server_data_of_a_node_the_coordinator_does_not_list_is_refused():
    members = MEMBERS + [member('w4', 4)]
    assert citus_conversion_problems(members, SINGLE + ['w4'], ROWS) == [
        "w4 holds the data of a single-server Citus node, but the coordinator's pg_dist_node has no worker w4:5432: "
        "only the cluster's own workers can be converted. Give it new, empty hosts, or register it in single-server "
        "mode first."]


@pytest.mark.parametrize('row', [
    pytest.param(dict(groupid=1, nodename='w1b', nodeport=5432, noderole='secondary'), id='a-secondary'),
    pytest.param(dict(groupid=0, nodename='elsewhere', nodeport=5432, noderole='primary'), id='the-coordinator-row'),
])
def test_rows_patroni_does_not_match_by_group_are_not_checked(row):
    assert citus_conversion_problems(MEMBERS, SINGLE, ROWS + [row]) == []


def test_a_new_empty_worker_group_is_allowed():
    # Patroni bootstraps it and registers it; it gets shards at the next rebalance.
    assert citus_conversion_problems(MEMBERS + [member('w5', 5)], SINGLE, ROWS) == []
