#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: citus_node
short_description: Register, activate, disable, drain and remove Citus nodes
version_added: 0.1.0
description:
  - Manages the membership of a node in a Citus cluster, declaratively, by talking to the coordinator.
  - Reads C(pg_dist_node) first and calls a Citus function only when the node differs from what is asked.
  - O(state=present) means registered and active, O(state=disabled) registered and inactive, O(state=absent) not
    registered.
options:
  name:
    description:
      - Host name or address of the node B(as the coordinator and the other nodes reach it) (C(nodename) in
        C(pg_dist_node)). Never C(localhost) for a multi-node cluster (the module warns).
      - A name with spaces around it is refused (Citus would register the spaces as part of the name).
      - Required unless O(nodes) is given; the two exclude each other.
    type: str
  nodes:
    description:
      - Several nodes in one module run, over one connection, instead of O(name). Each item takes C(name) (required)
        and the module's other node options (O(port), O(state), O(role), O(group_id), O(primary_name),
        O(primary_port), O(cluster), O(should_have_shards), O(coordinator), O(drain), O(shard_transfer_mode),
        O(timeout)), with the same meaning and defaults as for one node; the connection options are the module's own.
      - Every item is checked before anything changes (the message names each wrong item). Then the nodes are read
        and changed one after the other in the order given (the coordinator first, then the workers). A refusal or
        error on one node stops the run; the nodes changed before it stay changed, and the message names them.
      - Returns RV(nodes) instead of RV(node) and RV(drain). The role citus_cluster declares its nodes so (one module
        run per database whatever the number of workers).
    type: list
    elements: dict
  port:
    description:
      - PostgreSQL port of the node (C(nodeport)).
    type: int
    default: 5432
  state:
    description:
      - V(present) registers the node with C(citus_add_node) (or C(citus_add_secondary_node),
        C(citus_set_coordinator_host)) when it is missing, and activates it with C(citus_activate_node) when it is
        registered but inactive (only then, since activation re-syncs all metadata and is expensive).
      - V(disabled) disables a registered, active node with C(citus_disable_node), synchronously (the other nodes
        learn it in the same call; Citus refuses the asynchronous form for the first worker). It fails for a node that
        is not registered, for the coordinator, and for a node that holds the only placement of a shard.
      - V(absent) removes the node with C(citus_remove_node). A node that holds shard placements of distributed
        tables is refused (nothing changes) unless O(drain=true). Placements of reference tables, which every node
        holds, do not count.
    type: str
    choices: [ present, disabled, absent ]
    default: present
  role:
    description:
      - Role of the node in its group. A registered node whose role differs is refused, since Citus cannot change it
        in place; remove the node and add it again.
      - V(secondary) needs O(group_id) or O(primary_name).
    type: str
    choices: [ primary, secondary ]
    default: primary
  group_id:
    description:
      - Group of the node. For a secondary, the group of its primary. For a primary, an explicit new group id
        (Citus picks one when not set).
      - Compared with a registered node; a difference is refused.
      - Mutually exclusive with O(primary_name).
    type: int
  primary_name:
    description:
      - For a secondary, the name of its (registered) primary, as in C(pg_dist_node). Uses
        C(citus_add_secondary_node). A name with spaces around it is refused.
    type: str
  primary_port:
    description:
      - Port of O(primary_name).
    type: int
    default: 5432
  cluster:
    description:
      - Name of the node cluster (C(nodecluster)), for clusters of secondaries. Citus keeps primaries and the
        coordinator in V(default).
    type: str
    default: default
  should_have_shards:
    description:
      - Whether the rebalancer and new distributed tables may place shards on the node, set with
        C(citus_set_node_property). Not set means left as it is (new workers get V(true), the coordinator V(false)).
      - For primaries and the coordinator; refused for a secondary.
    type: bool
  coordinator:
    description:
      - Register this host as the coordinator (group 0) with C(citus_set_coordinator_host), or move the
        coordinator's registration to O(name) and O(port) when it is registered under another name (for example
        C(localhost)).
      - Do this before adding workers, so that Citus never registers the coordinator as C(localhost).
    type: bool
    default: false
  drain:
    description:
      - With O(state=absent), move the node's shards to other nodes before removing it, with Citus's background
        rebalancer. C(citus_set_node_property) sets the node's C(shouldhaveshards) to false (committed on its own, so
        it stays false when a later step fails), C(citus_rebalance_start) with C(drain_only => true) schedules the
        moves, the module follows the job (C(citus_rebalance_status), C(pg_dist_background_task)) until it ends or
        O(timeout) passes, checks that no placement of a distributed table is left on the node, then calls
        C(citus_remove_node). A rebalance job that is already running is followed instead of starting another.
      - Not C(citus_drain_node), which in Citus 13.2 plans the moves from the node's own placements only and so
        moves a shard of a table with replication factor 2 to the node that already has its other placement
        (C(shard N already exists in the target node)).
      - Refused, before anything changes, when no other active node that should have shards can take them (or fewer
        than the highest replication factor among its tables), and when another active node with
        C(shouldhaveshards) false holds placements of distributed tables (the drain would move those too).
      - Without it, a node that holds shards is refused.
    type: bool
    default: false
  shard_transfer_mode:
    description:
      - How the rebalancer moves shards (C(shard_transfer_mode) of C(citus_rebalance_start)). V(auto) needs a primary
        key or replica identity on every table; V(block_writes) does not (it blocks writes while moving). Not set
        uses Citus's default (V(auto)).
      - Only with O(drain=true).
    type: str
    choices: [ auto, force_logical, block_writes ]
  timeout:
    description:
      - With O(drain=true), how many seconds to follow the rebalance job before failing. The job keeps running in
        the background after a timeout (the message says how to follow or stop it); running the task again follows it
        to the end and then removes the node. V(0) looks at the job once.
    type: int
    default: 3600
extends_documentation_fragment:
  - pgcitus.cluster.citus
  - pgcitus.cluster.attributes.changes
  - pgcitus.cluster.attributes.actiongroup_citus
seealso:
  - module: pgcitus.cluster.citus_info
  - module: pgcitus.cluster.citus_distributed_table
  - name: Citus cluster management functions
    description: citus_add_node, citus_remove_node, citus_disable_node, citus_drain_node and friends.
    link: https://docs.citusdata.com/en/stable/develop/api_udf.html#cluster-management-and-repair-functions
  - name: Citus background rebalancer
    description: citus_rebalance_start, citus_rebalance_status, citus_rebalance_wait and citus_rebalance_stop.
    link: https://docs.citusdata.com/en/stable/develop/api_udf.html#citus-rebalance-start
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Register the coordinator under the name the workers reach it by
  pgcitus.cluster.citus_node:
    name: coordinator.example.com
    coordinator: true
    db: app

- name: Add both workers
  pgcitus.cluster.citus_node:
    name: "{{ item }}"
    db: app
  loop:
    - worker1.example.com
    - worker2.example.com

- name: Register the coordinator and both workers in one module run
  pgcitus.cluster.citus_node:
    nodes:
      - {name: coordinator.example.com, coordinator: true}
      - {name: worker1.example.com}
      - {name: worker2.example.com}
    db: app

- name: Keep new shards off worker2 while it is being replaced
  pgcitus.cluster.citus_node:
    name: worker2.example.com
    should_have_shards: false
    db: app

- name: Add a streaming replica of worker1 as a secondary
  pgcitus.cluster.citus_node:
    name: worker1-replica.example.com
    role: secondary
    primary_name: worker1.example.com
    db: app

- name: Remove worker2, moving its shards away first
  pgcitus.cluster.citus_node:
    name: worker2.example.com
    state: absent
    drain: true
    shard_transfer_mode: block_writes
    timeout: 7200
    db: app
'''

RETURN = r'''
node:
  description:
    - The node as registered after the run (in check mode, as it would be; values only Citus picks are V(null)).
    - Empty when the node is not registered.
  returned: without O(nodes)
  type: dict
  sample:
    nodeid: 2
    groupid: 2
    name: worker1.example.com
    port: 5432
    role: primary
    cluster: default
    isactive: true
    should_have_shards: true
    hasmetadata: true
    metadatasynced: true
queries:
  description: The statements that changed something (or would, in check mode), with their parameters inline.
  returned: always
  type: list
  elements: str
  sample: ["SELECT citus_add_node('worker1.example.com', 5432)"]
drain:
  description:
    - What the drain did, when O(drain=true) moved (or, in check mode, would move) shards. In check mode
      RV(drain.job_id) is V(null) and RV(drain.moves_planned) too, since Citus plans the moves only when the job starts.
  returned: when the node held shard placements and O(drain=true)
  type: dict
  contains:
    job_id:
      description: The rebalance job followed (the last one, when a running job was followed and another started).
        V(null) when Citus found no moves.
      type: int
    jobs:
      description: Every rebalance job followed, in order (a job already running first, then the one started).
      type: list
      elements: int
    started:
      description: Whether this run started the job (V(false) when it followed a job that was already running).
      type: bool
    state:
      description: The job's state at the end (V(finished)).
      type: str
    moves_planned:
      description: Shard group moves in the job(s).
      type: int
    moves_done:
      description: Shard group moves done.
      type: int
    moves:
      description: The moves done, one per shard group (its colocated shards moved with it).
      type: list
      elements: dict
      sample: [{shard: 102008, table: orders, source: "worker1.example.com:5432", target: "worker3.example.com:5432"}]
    seconds:
      description: How long the module followed the job(s).
      type: float
  sample:
    job_id: 4
    jobs: [4]
    started: true
    state: finished
    moves_planned: 16
    moves_done: 16
    moves: [{shard: 102008, table: orders, source: "worker1.example.com:5432", target: "worker3.example.com:5432"}]
    seconds: 12.4
nodes:
  description:
    - With O(nodes), one item per node in the order given, each with C(name), C(port), C(changed), C(node) (as
      RV(node)) and, for a drain, C(drain) (as RV(drain)).
  returned: with O(nodes)
  type: list
  elements: dict
  sample:
    - {name: coordinator.example.com, port: 5432, changed: false, node: {nodeid: 1, groupid: 0, role: primary}}
    - {name: worker1.example.com, port: 5432, changed: true, node: {nodeid: 2, groupid: 1, role: primary}}
diff:
  description: The node before and after, when run with C(--diff) (with O(nodes), keyed by C(name:port)).
  returned: when diff mode is on
  type: dict
  sample:
    before: {}
    after: {name: worker1.example.com, port: 5432, role: primary, isactive: true}
'''

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import citus_common_argument_spec
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_node import run_node_module
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_rebalance import job_argument_spec


def argument_spec() -> dict[str, Any]:
    spec = citus_common_argument_spec()
    connection = set(spec)
    spec.update(
        name=dict(type='str'),
        port=dict(type='int', default=5432),
        state=dict(type='str', default='present', choices=['present', 'disabled', 'absent']),
        role=dict(type='str', default='primary', choices=['primary', 'secondary']),
        group_id=dict(type='int'),
        primary_name=dict(type='str'),
        primary_port=dict(type='int', default=5432),
        cluster=dict(type='str', default='default'),
        should_have_shards=dict(type='bool'),
        coordinator=dict(type='bool', default=False),
        drain=dict(type='bool', default=False),
        **job_argument_spec(),
    )
    per_node = {key: dict(value) for key, value in spec.items() if key not in connection}
    per_node['name'] = dict(type='str', required=True)
    spec['nodes'] = dict(type='list', elements='dict', options=per_node)
    return spec


def one_node_spec() -> dict[str, Any]:
    """The argument spec for one node: name required, no nodes (what each item of nodes is checked with, and how
    the citus_module_problems filter checks a role's member)."""
    one = {key: value for key, value in argument_spec().items() if key != 'nodes'}
    one['name'] = dict(one['name'], required=True)
    return one


def main() -> None:
    run_node_module(AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True,
                                  required_one_of=[('name', 'nodes')], mutually_exclusive=[('name', 'nodes')]))


if __name__ == '__main__':
    main()
