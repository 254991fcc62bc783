#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: citus_info
short_description: Gather facts about a Citus cluster from its coordinator
version_added: 0.1.0
description:
  - Returns the Citus and PostgreSQL versions, the registered nodes with the shards they hold, the Citus tables with
    their placements per node, the colocation groups, the size of the rebalance plan and the background jobs that
    are still running.
  - Reads the Citus catalogs (C(pg_dist_node), C(pg_dist_partition), C(pg_dist_shard), C(pg_dist_placement),
    C(pg_dist_colocation)) over one connection; never the C(citus_tables) or C(citus_shards) views, which contact
    every worker and fail when one is down.
  - Changes nothing.
options:
  rebalance_plan:
    description:
      - Compute the rebalance plan with C(get_rebalance_table_shards_plan) (it reads shard sizes from the workers).
        V(false) skips it; RV(rebalance.plan_size) is then V(null).
    type: bool
    default: true
extends_documentation_fragment:
  - pgcitus.cluster.citus
  - pgcitus.cluster.attributes.info
  - pgcitus.cluster.attributes.actiongroup_citus
seealso:
  - module: pgcitus.cluster.citus_node
  - module: pgcitus.cluster.citus_distributed_table
  - module: pgcitus.cluster.citus_reference_table
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Read the cluster's facts
  pgcitus.cluster.citus_info:
    db: app
  register: citus

- name: Check that both workers are active and hold shards of orders
  ansible.builtin.assert:
    that:
      - citus.nodes | selectattr('role', 'eq', 'primary') | selectattr('groupid', 'ne', 0)
        | selectattr('isactive') | list | length == 2
      - citus.tables | selectattr('name', 'eq', 'public.orders') | map(attribute='placements')
        | first | length == 2
      - citus.rebalance.plan_size == 0
'''

RETURN = r'''
citus_installed:
  description: Whether the citus extension exists in O(db). When V(false), the other lists are empty.
  returned: always
  type: bool
  sample: true
version:
  description: Versions of Citus and PostgreSQL.
  returned: always
  type: dict
  sample:
    citus: Citus 13.2.2 on x86_64-pc-linux-gnu, compiled by gcc
    citus_extension: '13.2-1'
    server: '15.20'
    server_num: 150020
nodes:
  description: The nodes in C(pg_dist_node), ordered by group and id, with C(shard_placements), the placements their
    group holds (reference tables included).
  returned: always
  type: list
  elements: dict
  sample:
    - {nodeid: 1, groupid: 0, name: coordinator, port: 5432, role: primary, cluster: default, isactive: true,
       should_have_shards: false, hasmetadata: true, metadatasynced: true, shard_placements: 1}
groups:
  description:
    - One record per Citus group (C(groupid) of C(pg_dist_node)), in group order. C(primary) and C(secondaries) as
      C(name:port) from C(pg_dist_node), and C(replication), the streaming replicas the group's primary serves as
      its C(pg_stat_replication) shows them (C(application_name), which Patroni sets to the member name,
      C(client_addr), C(state), C(sync_state), and C(replay_lag_bytes), the primary's WAL the replica has not
      replayed yet). With C(citus_ha=patroni) these are the group's leader, replicas and lag.
    - C(replication) is read only for groups with a secondary in C(pg_dist_node) (the workers' through Citus's
      C(run_command_on_workers)), so a cluster without replicas makes no extra connection; C(replication_error)
      says why it could not be read (a primary down), else V(null).
  returned: always
  type: list
  elements: dict
  sample:
    - {group: 1, primary: 'worker-1-1:5432', secondaries: ['worker-1-2:5432'], replication_error: null,
       replication: [{application_name: worker-1-2, client_addr: 10.0.0.13, state: streaming,
                      sync_state: quorum, replay_lag_bytes: 0}]}
tables:
  description:
    - The Citus tables (C(pg_dist_partition)), ordered by name, with C(placements), the number of shard placements
      per node (C(name:port) of the group's primary).
  returned: always
  type: list
  elements: dict
  sample:
    - {name: public.orders, type: distributed, column: customer_id, shard_count: 32, colocation_id: 2,
       replication_factor: 2, placements: {'worker1:5432': 32, 'worker2:5432': 32}}
colocation_groups:
  description: The colocation groups with their tables.
  returned: always
  type: list
  elements: dict
  sample:
    - {colocation_id: 2, shard_count: 32, replication_factor: 2, column_type: bigint,
       tables: [public.order_items, public.orders]}
rebalance:
  description:
    - C(plan_size) is the number of shard moves C(get_rebalance_table_shards_plan) proposes (0 when balanced,
      V(null) when not computed), C(plan) the moves.
    - C(jobs) are the background jobs (C(pg_dist_background_job)) not finished yet; C(jobs_supported) is V(false)
      when that catalog does not exist.
  returned: always
  type: dict
  sample:
    plan_size: 0
    plan: []
    jobs: []
    jobs_supported: true
'''

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import citus_common_argument_spec
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_info import run_info_module


def argument_spec() -> dict[str, Any]:
    spec = citus_common_argument_spec()
    spec.update(rebalance_plan=dict(type='bool', default=True))
    return spec


def main() -> None:
    run_info_module(AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True))


if __name__ == '__main__':
    main()
