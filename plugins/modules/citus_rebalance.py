#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: citus_rebalance
short_description: Spread a Citus cluster's shards evenly with the background rebalancer, or stop a rebalance
version_added: 0.1.0
description:
  - Reads the moves Citus would make (C(get_rebalance_table_shards_plan)) and starts the background rebalancer
    (C(citus_rebalance_start)) only when there are moves. With no moves it reports no change.
  - Follows the job (C(citus_rebalance_status), C(pg_dist_background_task)) until it ends or O(timeout) passes, and
    reports the moves done out of the moves planned.
  - A rebalance job that is already running (Citus runs one at a time) is followed, not started again; the module
    starts another only if moves are left once it has finished.
  - A job that fails fails the task with what Citus said and what was moved. The moves done stay done; Citus moves
    shards online and keeps every row.
options:
  state:
    description:
      - V(balanced) starts a rebalance when Citus plans moves.
      - V(stopped) stops the running rebalance job with C(citus_rebalance_stop) (the moves done stay done; the shard
        being moved stays where it was). No job running means no change.
    type: str
    choices: [ balanced, stopped ]
    default: balanced
  rebalance_strategy:
    description:
      - A strategy of C(pg_dist_rebalance_strategy) (C(by_shard_count), C(by_disk_size), or one added with
        C(citus_add_rebalance_strategy)). Not set means the strategy marked as default there.
    type: str
  drain_only:
    description:
      - Only move the shards off the nodes whose C(shouldhaveshards) is false (see M(pgcitus.cluster.citus_node)).
    type: bool
    default: false
  shard_transfer_mode:
    description:
      - How shards are copied. Not set means Citus's V(auto) (logical replication, writes keep going; a table with
        no primary key or replica identity is refused with the fix named). V(force_logical) replicates without a
        replica identity (updates and deletes of such tables fail during the move). V(block_writes) blocks writes
        to the shard while it is copied.
    type: str
    choices: [ auto, force_logical, block_writes ]
  parallel_transfer_reference_tables:
    description:
      - Copy reference tables to new nodes in parallel (Citus 13.2 and later; refused on a server without it).
    type: bool
  parallel_transfer_colocated_shards:
    description:
      - Move the colocated shards of a move in parallel (Citus 13.2 and later; refused on a server without it).
    type: bool
  wait:
    description:
      - Follow the job until it ends. V(false) returns as soon as the job is scheduled, with RV(job_id).
    type: bool
    default: true
  timeout:
    description:
      - Seconds to follow the job. When they pass the task fails saying the job keeps running in the background and
        how to follow or stop it; running the task again follows it to the end.
    type: int
    default: 3600
extends_documentation_fragment:
  - pgcitus.cluster.citus
  - pgcitus.cluster.attributes.changes
  - pgcitus.cluster.attributes.actiongroup_citus
notes:
  - In check mode the module returns the planned moves (RV(plan)) and the query it would run; nothing is started.
  - In diff mode C(before) and C(after) hold the shard placements per primary node.
seealso:
  - module: pgcitus.cluster.citus_node
  - module: pgcitus.cluster.citus_info
  - name: citus_rebalance_start
    description: The Citus function this module calls.
    link: https://docs.citusdata.com/en/stable/develop/api_udf.html#citus-rebalance-start
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Spread the shards onto every worker (for example after adding one)
  pgcitus.cluster.citus_rebalance:
    db: app

- name: Rebalance by disk size, blocking writes to tables without a primary key while they move
  pgcitus.cluster.citus_rebalance:
    rebalance_strategy: by_disk_size
    shard_transfer_mode: block_writes
    db: app

- name: Start a rebalance and let it run in the background
  pgcitus.cluster.citus_rebalance:
    wait: false
    db: app
  register: rebalance

- name: Stop the running rebalance
  pgcitus.cluster.citus_rebalance:
    state: stopped
    db: app
'''

RETURN = r'''
plan:
  description: The moves Citus planned when the module looked (one item per shard; colocated shards move together).
  returned: always
  type: list
  elements: dict
  sample:
    - {table: orders, shard: 102008, size: 8192, source: "worker-1:5432", target: "worker-3:5432"}
job_id:
  description: The rebalance job started or followed (the last one when two were), V(null) when none.
  returned: always
  type: int
  sample: 7
jobs:
  description: Every job followed, in order (a job that was already running, then the one this run started).
  returned: always
  type: list
  elements: int
started:
  description: Whether this run started the job.
  returned: always
  type: bool
state:
  description: The job's state when the module left it (C(finished), C(scheduled) with O(wait=false), C(cancelled)
    after O(state=stopped), ...), V(null) without a job.
  returned: always
  type: str
  sample: finished
moves_planned:
  description: Shard group moves in the job (0 in check mode).
  returned: always
  type: int
moves_done:
  description: Shard group moves the job finished.
  returned: always
  type: int
moves:
  description: The moves done (C(shard), C(table), C(source), C(target)).
  returned: always
  type: list
  elements: dict
seconds:
  description: Seconds spent following the job.
  returned: always
  type: float
queries:
  description: The statements that changed something (or would, in check mode), with their parameters inline.
  returned: always
  type: list
  elements: str
  sample:
    - SELECT citus_rebalance_start(shard_transfer_mode => 'block_writes')
'''

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import citus_common_argument_spec
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_rebalance import (
    job_argument_spec,
    run_rebalance_module,
)


def argument_spec() -> dict[str, Any]:
    spec = citus_common_argument_spec()
    spec.update(
        state=dict(type='str', default='balanced', choices=['balanced', 'stopped']),
        rebalance_strategy=dict(type='str'),
        drain_only=dict(type='bool', default=False),
        parallel_transfer_reference_tables=dict(type='bool'),
        parallel_transfer_colocated_shards=dict(type='bool'),
        wait=dict(type='bool', default=True),
        **job_argument_spec(),
    )
    return spec


def main() -> None:
    run_rebalance_module(AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True))


if __name__ == '__main__':
    main()
