# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The facts of pgcitus.cluster.citus_info: nodes, groups (each one's primary, secondaries and streaming replicas),
tables, colocation groups, versions, the rebalance plan and background jobs, read from the Citus catalogs on the
coordinator. The module file holds only its documentation and
argument spec."""

from __future__ import annotations

import json
from typing import Any

from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    NODE_COLUMNS,
    CitusDB,
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
# A primary's streaming replicas, as PostgreSQL sees them (Patroni names each by its member name), with how many bytes
# of the primary's WAL each has not replayed yet.
REPLICATION = ("SELECT application_name, host(client_addr) AS client_addr, state, sync_state, "
               "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS replay_lag_bytes "
               "FROM pg_catalog.pg_stat_replication ORDER BY application_name")
# The same on every active worker primary, through Citus's run_command_on_workers (one JSON value per worker).
WORKERS_REPLICATION = ("SELECT nodename, nodeport, success, result FROM pg_catalog.run_command_on_workers("
                       "$$SELECT coalesce(json_agg(r), '[]') FROM (" + REPLICATION + ") r$$)")


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


def read_replication(db: Any, nodes: list[dict[str, Any]]) -> dict[int, tuple[list[dict[str, Any]], str | None]]:
    """groupid -> (the streaming replicas of its primary, or an error), for the groups with a secondary in
    pg_dist_node only: a cluster without replicas pays no connection to its workers."""
    with_secondaries = {n['groupid'] for n in nodes if n['role'] == 'secondary'}
    found: dict[int, tuple[list[dict[str, Any]], str | None]] = {}
    if 0 in with_secondaries:
        rows, error = db.try_fetchall(REPLICATION)
        found[0] = ([{k: jsonable(v) for k, v in row.items()} for row in rows], error)
    if with_secondaries - {0}:
        group_of = {(n['name'], int(n['port'])): n['groupid'] for n in nodes if n['role'] == 'primary'}
        rows, error = db.try_fetchall(WORKERS_REPLICATION)
        for row in rows:
            group = group_of.get((row['nodename'], int(row['nodeport'])))
            if group is None or group not in with_secondaries:
                continue
            if row['success']:
                found[group] = (json.loads(row['result']), None)
            else:
                found[group] = ([], f"{row['nodename']}:{row['nodeport']}: {row['result']}")
        for group in with_secondaries - {0} - set(found):
            found[group] = ([], error or 'the primary is not active, or not registered')
    return found


def build_groups(nodes: list[dict[str, Any]], replication: dict[int, tuple[list[dict[str, Any]], str | None]]
                 ) -> list[dict[str, Any]]:
    """One record per Citus group: its primary and secondaries as pg_dist_node has them (name:port), and the
    streaming replicas its primary serves (with citus_ha patroni, the group's Patroni replicas)."""
    groups = []
    for group in sorted({n['groupid'] for n in nodes}):
        members = [n for n in nodes if n['groupid'] == group]
        primaries = [f"{n['name']}:{n['port']}" for n in members if n['role'] == 'primary']
        streams, error = replication.get(group, ([], None))
        groups.append({
            'group': group,
            'primary': primaries[0] if primaries else None,
            'secondaries': [f"{n['name']}:{n['port']}" for n in members if n['role'] == 'secondary'],
            'replication': streams,
            'replication_error': error,
        })
    return groups


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def gather(db: Any, rebalance_plan: bool, warn: Any) -> dict[str, Any]:
    """All facts, read through db (a CitusDB); warn(msg) reports what could not be read."""
    result: dict[str, Any] = dict(changed=False, citus_installed=False, version={}, nodes=[], groups=[], tables=[],
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
    result['groups'] = build_groups(nodes, read_replication(db, nodes))
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


def run_info_module(module: Any) -> None:
    """Read everything and exit the module; nothing is written, so check mode runs the same."""
    db = CitusDB(module)
    result = gather(db, module.params['rebalance_plan'], module.warn)
    db.close()
    module.exit_json(**result)
