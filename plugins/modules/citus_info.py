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
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    NODE_COLUMNS,
    CitusDB,
    citus_common_argument_spec,
    table_type,
)

NODES = (f"SELECT {NODE_COLUMNS}, (SELECT count(*) FROM pg_dist_placement pl WHERE pl.groupid = n.groupid) "
         f"AS shard_placements FROM pg_dist_node n ORDER BY groupid, nodeid")
TABLES = (
    "SELECT quote_ident(ns.nspname) || '.' || quote_ident(c.relname) AS name, p.partmethod::text AS partmethod, "
    "p.repmodel::text AS repmodel, p.colocationid, "
    "CASE WHEN p.partkey IS NOT NULL AND p.partkey <> '' "
    "THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END AS column, "
    "(SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = p.logicalrelid) AS shard_count, "
    "col.replicationfactor AS replication_factor "
    "FROM pg_dist_partition p JOIN pg_catalog.pg_class c ON c.oid = p.logicalrelid "
    "JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace "
    "LEFT JOIN pg_dist_colocation col ON col.colocationid = p.colocationid ORDER BY 1"
)
PLACEMENTS = (
    "SELECT quote_ident(ns.nspname) || '.' || quote_ident(c.relname) AS name, pl.groupid, count(*) AS placements "
    "FROM pg_dist_placement pl JOIN pg_dist_shard s ON s.shardid = pl.shardid "
    "JOIN pg_catalog.pg_class c ON c.oid = s.logicalrelid JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace "
    "GROUP BY 1, 2 ORDER BY 1, 2"
)
COLOCATION = ("SELECT colocationid AS colocation_id, shardcount AS shard_count, replicationfactor AS "
              "replication_factor, format_type(distributioncolumntype, NULL) AS column_type FROM pg_dist_colocation "
              "ORDER BY colocationid")
VERSIONS = ("SELECT citus_version() AS citus, current_setting('server_version') AS server, "
            "current_setting('server_version_num')::int AS server_num")
JOBS_EXIST = "SELECT to_regclass('pg_catalog.pg_dist_background_job') IS NOT NULL AS present"
JOBS = ("SELECT job_id, state::text AS state, job_type::text AS job_type, description, "
        "started_at::text AS started_at FROM pg_catalog.pg_dist_background_job "
        "WHERE state::text NOT IN ('finished', 'cancelled', 'failed') ORDER BY job_id")
PLAN = "SELECT * FROM get_rebalance_table_shards_plan()"


def group_endpoints(nodes: list[dict[str, Any]]) -> dict[int, str]:
    """groupid -> 'name:port' of the group's primary (the first node when no primary is registered)."""
    names: dict[int, str] = {}
    for node in sorted(nodes, key=lambda n: (n['role'] != 'primary', n['nodeid'])):
        names.setdefault(node['groupid'], f"{node['name']}:{node['port']}")
    return names


def build_tables(rows: list[dict[str, Any]], placements: list[dict[str, Any]], groups: dict[int, str]
                 ) -> list[dict[str, Any]]:
    per_table: dict[str, dict[str, int]] = {}
    for pl in placements:
        where = groups.get(pl['groupid'], f"group {pl['groupid']}")
        per_table.setdefault(pl['name'], {})[where] = int(pl['placements'])
    tables = []
    for row in rows:
        kind = table_type(row['partmethod'], row['repmodel'], row['colocationid'])
        rf = row.get('replication_factor')
        tables.append({
            'name': row['name'],
            'type': kind,
            'column': row.get('column'),
            'shard_count': int(row['shard_count']),
            'colocation_id': row['colocationid'] or None,
            'replication_factor': int(rf) if rf is not None and int(rf) > 0 else None,
            'placements': per_table.get(row['name'], {}),
        })
    return tables


def build_colocation(rows: list[dict[str, Any]], tables: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = []
    for row in rows:
        rf = row.get('replication_factor')
        groups.append({
            'colocation_id': row['colocation_id'],
            'shard_count': row['shard_count'],
            'replication_factor': int(rf) if rf is not None and int(rf) > 0 else None,
            'column_type': row.get('column_type'),
            'tables': sorted(t['name'] for t in tables if t['colocation_id'] == row['colocation_id']),
        })
    return groups


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def gather(db: Any, rebalance_plan: bool, warn: Any) -> dict[str, Any]:
    """All facts, read through db (a CitusDB); warn(msg) reports what could not be read."""
    result: dict[str, Any] = dict(changed=False, citus_installed=False, version={}, nodes=[], tables=[],
                                  colocation_groups=[],
                                  rebalance=dict(plan_size=None, plan=[], jobs=[], jobs_supported=False))
    extension = db.citus_version()
    if extension is None:
        server = db.fetchone("SELECT current_setting('server_version') AS server, "
                             "current_setting('server_version_num')::int AS server_num")
        result['version'] = dict(citus=None, citus_extension=None, **server)
        return result

    result['citus_installed'] = True
    versions = db.fetchone(VERSIONS)
    result['version'] = dict(citus=versions['citus'], citus_extension=extension, server=versions['server'],
                             server_num=versions['server_num'])
    nodes = db.fetchall(NODES)
    for node in nodes:
        node['shard_placements'] = int(node['shard_placements'])
    result['nodes'] = nodes
    tables = build_tables(db.fetchall(TABLES), db.fetchall(PLACEMENTS), group_endpoints(nodes))
    result['tables'] = tables
    result['colocation_groups'] = build_colocation(db.fetchall(COLOCATION), tables)

    rebalance = result['rebalance']
    if rebalance_plan:
        rows, error = db.try_fetchall(PLAN)
        if error is None:
            plan = [{k: jsonable(v) for k, v in row.items()} for row in rows]
            rebalance.update(plan_size=len(plan), plan=plan)
        else:
            warn(f"could not compute the rebalance plan: {error}")
    if db.fetchone(JOBS_EXIST)['present']:
        rebalance['jobs_supported'] = True
        rebalance['jobs'] = [{k: jsonable(v) for k, v in job.items()} for job in db.fetchall(JOBS)]
    return result


def argument_spec() -> dict[str, Any]:
    spec = citus_common_argument_spec()
    spec.update(rebalance_plan=dict(type='bool', default=True))
    return spec


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    db = CitusDB(module)
    result = gather(db, module.params['rebalance_plan'], module.warn)
    db.close()
    module.exit_json(**result)


if __name__ == '__main__':
    main()
