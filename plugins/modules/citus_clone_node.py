#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: citus_clone_node
short_description: Add a worker by snapshot, promoting a streaming replica of a loaded worker (Citus 13.2 clone nodes)
version_added: 0.1.0
description:
  - Snapshot-based scale-out. A physical streaming replica of a worker (made with C(pg_basebackup -R), asynchronous)
    is registered as that worker's clone (C(citus_add_clone_node)) and promoted (C(citus_promote_clone_and_rebalance)).
    Citus blocks writes to the worker's shards, waits until the replica has replayed its WAL, promotes it, and hands
    it about half of the worker's shard groups by changing metadata only, since it holds their rows already.
  - Reads C(pg_dist_node) first and calls a Citus function only when the node is not yet where O(state) asks. A node
    that is already an active primary is left alone.
  - Before the promotion the module reads the split (C(get_snapshot_based_node_split_plan)) with the same strategy,
    because Citus looks the strategy up only after it has promoted the replica; a wrong name then fails while the
    replica still streams, with nothing changed.
  - Needs Citus 13.2 or later on the coordinator. What Citus checks (recovery, system identifier, the primary's
    C(pg_stat_replication), not synchronous) and when to choose this over M(pgcitus.cluster.citus_rebalance) is in the
    collection's C(docs/snapshot-scale-out.md).
options:
  name:
    description:
      - Host name of the replica B(as the coordinator and the workers reach it). The primary's C(pg_stat_replication)
        must show it by that name (C(application_name) in the replica's C(primary_conninfo)) or by its address.
    type: str
    required: true
  port:
    description:
      - PostgreSQL port of the replica.
    type: int
    default: 5432
  primary_name:
    description:
      - The registered worker the replica streams from (C(nodename) in C(pg_dist_node)). Required unless
        O(state=absent).
    type: str
  primary_port:
    description:
      - Port of that worker.
    type: int
    default: 5432
  state:
    description:
      - V(promoted) registers the clone when it is missing, then promotes it and splits the worker's shard groups
        between the two.
      - V(present) only registers the replica as an inactive clone.
      - V(absent) forgets a clone that was never promoted (C(citus_remove_clone_node)); the replica itself keeps
        running. A promoted node is refused (remove it with M(pgcitus.cluster.citus_node)).
    type: str
    choices: [ promoted, present, absent ]
    default: promoted
  rebalance_strategy:
    description:
      - The strategy of C(pg_dist_rebalance_strategy) that weighs the shard groups of the split. Not set means the
        strategy marked as default there (C(by_disk_size)).
    type: str
  catchup_timeout:
    description:
      - Seconds Citus waits for the replica to replay the worker's WAL, while the worker's shards take no writes.
        When they pass the task fails and nothing is promoted.
    type: int
    default: 300
  cleanup:
    description:
      - After the promotion, drop each node's copy of the other's shards now
        (C(CALL citus_cleanup_orphaned_resources())). V(false) leaves them to Citus's maintenance daemon (every
        C(citus.defer_shard_delete_interval)); until then both nodes hold every shard of the worker on disk.
    type: bool
    default: true
extends_documentation_fragment:
  - pgcitus.cluster.citus
  - pgcitus.cluster.attributes.changes
  - pgcitus.cluster.attributes.actiongroup_citus
notes:
  - In check mode nothing is registered or promoted; RV(plan) is the split Citus would make when the clone is
    registered already (Citus plans the split of a registered clone only), else empty.
  - In diff mode C(before) and C(after) hold the node's C(pg_dist_node) row.
  - After the promotion the replica is a primary of its own; the C(primary_conninfo) in its C(postgresql.auto.conf)
    is no longer used.
seealso:
  - module: pgcitus.cluster.citus_node
  - module: pgcitus.cluster.citus_rebalance
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Split worker1 onto its streaming replica worker1b
  pgcitus.cluster.citus_clone_node:
    name: worker1b.example.com
    primary_name: worker1.example.com
    db: app

- name: Split by shard count, giving the replica up to ten minutes to catch up
  pgcitus.cluster.citus_clone_node:
    name: worker1b.example.com
    primary_name: worker1.example.com
    rebalance_strategy: by_shard_count
    catchup_timeout: 600
    db: app

- name: Forget a clone that will not be promoted
  pgcitus.cluster.citus_clone_node:
    name: worker1b.example.com
    state: absent
    db: app
'''

RETURN = r'''
node:
  description:
    - The node's C(pg_dist_node) row after the run (before it, in check mode), with C(clone) (C(nodeisclone)) and
      C(primary_nodeid) (C(nodeprimarynodeid)). Empty when the node is not registered.
  returned: always
  type: dict
  sample:
    nodeid: 5
    groupid: 5
    name: worker1b.example.com
    port: 5432
    role: primary
    cluster: default
    isactive: true
    should_have_shards: true
    hasmetadata: true
    metadatasynced: true
    clone: false
    primary_nodeid: 0
plan:
  description:
    - The split, one item per shard (C(table), C(shard), C(size) in bytes, C(placement) V(primary) where it stays
      or V(clone) where it goes). Read just before the promotion, or in check mode for a registered clone.
  returned: always
  type: list
  elements: dict
  sample:
    - {table: orders, shard: 102008, size: 8192, placement: clone}
promoted:
  description: Whether the node is an active primary after the run.
  returned: always
  type: bool
seconds:
  description: Seconds the promotion took (the split plan, the catch-up, the promotion and the cleanup), 0 without one.
  returned: always
  type: float
queries:
  description: The statements that changed something (or would, in check mode), with their parameters inline.
  returned: always
  type: list
  elements: str
  sample:
    - "SELECT citus_add_clone_node('worker1b.example.com', 5432, 'worker1.example.com', 5432)"
    - "SELECT citus_promote_clone_and_rebalance((SELECT nodeid FROM pg_dist_node WHERE nodename = 'worker1b.example.com'
      AND nodeport = 5432), catchup_timeout_seconds => 300)"
    - "CALL citus_cleanup_orphaned_resources()"
diff:
  description: The node before and after, when run with C(--diff).
  returned: when diff mode is on
  type: dict
'''

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import citus_common_argument_spec
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_clone import run_clone_module


def argument_spec() -> dict[str, Any]:
    spec = citus_common_argument_spec()
    spec.update(
        name=dict(type='str', required=True),
        port=dict(type='int', default=5432),
        primary_name=dict(type='str'),
        primary_port=dict(type='int', default=5432),
        state=dict(type='str', default='promoted', choices=['promoted', 'present', 'absent']),
        rebalance_strategy=dict(type='str'),
        catchup_timeout=dict(type='int', default=300),
        cleanup=dict(type='bool', default=True),
    )
    return spec


def main() -> None:
    run_clone_module(AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True))


if __name__ == '__main__':
    main()
