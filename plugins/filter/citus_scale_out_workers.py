# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: citus_scale_out_workers
short_description: Which workers a scale-out adds, which of them are clones of a loaded worker, and what is wrong
version_added: 0.1.0
author:
  - pgcitus.cluster developers
description:
  - The rules of C(playbooks/scale_out.yml), stated once and checked on the coordinator before any host changes.
  - A worker of the inventory is new when some database does not list it as a primary in C(pg_dist_node). A new
    worker with C(citus_clone_of) is added by snapshot (M(pgcitus.cluster.citus_clone_node)). Its host becomes a
    streaming replica of that worker, which is then promoted and given about half of the worker's shards.
  - A clone that an earlier, interrupted run registered already is a clone still, not a host for the roles (it is a
    streaming replica).
  - "A clone must copy a registered, active worker that holds shards and is not new itself, one clone per worker and
    run, in a cluster of one database (Citus splits the shards of one database; the copies of another would stay
    behind, unknown to it), on Citus 13.2 or later. The citus role refuses C(citus_clone_of) with
    C(citus_ha=patroni), where scale_out.yml does not use this filter."
positional: _input
options:
  _input:
    description:
      - The workers that stay in the cluster, from P(pgcitus.cluster.citus_members#filter) (C(host), C(name),
        C(port)).
    type: list
    elements: dict
    required: true
  registered:
    description:
      - Per database, what the coordinator registers, C(nodes) (primaries as C(name:port)), C(shard_nodes) (active
        primaries of worker groups that may have shards), C(clones) (nodes with C(nodeisclone)) and C(has_clones)
        (whether C(citus_add_clone_node) exists).
    type: list
    elements: dict
    required: true
  clone_of:
    description: Each worker host's C(citus_clone_of) (an inventory name, or an empty string).
    type: dict
    required: true
  databases:
    description: How many databases C(citus_databases) names.
    type: int
    default: 1
'''

EXAMPLES = r'''
# roles/citus_cluster/tasks/new_workers.yml groups the hosts by this and asserts that problems is empty.
- name: Show the scale-out
  ansible.builtin.debug:
    msg: >-
      {{ kept_workers | pgcitus.cluster.citus_scale_out_workers(registered=rows, clone_of={'work-3': 'work-1'},
                                                               databases=1) }}
'''

RETURN = r'''
_value:
  description:
    - C(new), the hosts that get the postgresql and citus roles; C(clones), the clones to make or finish (C(host),
      C(name), C(port), C(registered), and C(primary) with C(host), C(name), C(port)); C(problems), one sentence per
      problem naming the host and the fix (empty when the scale-out may go ahead).
  type: dict
'''

from collections.abc import Callable
from typing import Any


def _endpoint(node: dict[str, Any]) -> str:
    return f"{node['name']}:{node['port']}"


def citus_scale_out_workers(workers: list[dict[str, Any]], registered: list[dict[str, Any]],
                            clone_of: dict[str, Any], databases: int = 1) -> dict[str, Any]:
    by_host = {w['host']: w for w in workers}
    registered_clones = {c for row in registered for c in row.get('clones') or []}
    shard_nodes = {n for row in registered for n in row.get('shard_nodes') or []}
    new = [w for w in workers if any(_endpoint(w) not in (row.get('nodes') or []) for row in registered)]
    new_hosts = {w['host'] for w in new}
    problems: list[str] = []
    clones = []
    for worker in new:
        source_host = str(clone_of.get(worker['host']) or '')
        if not source_host:
            continue
        source = by_host.get(source_host)
        prefix = f"citus_clone_of of {worker['host']} is {source_host}"
        if source is None:
            problems.append(f"{prefix}, which is no host of citus_workers: set it to the inventory name of the worker "
                            f"to copy.")
        elif source_host in new_hosts:
            problems.append(f"{prefix}, a worker that is new itself: a clone copies a worker that holds shards.")
        elif _endpoint(source) not in shard_nodes:
            problems.append(f"{prefix} ({_endpoint(source)}), which the coordinator does not list as an active "
                            f"worker that holds shards: a clone copies such a worker.")
        else:
            clones.append({'host': worker['host'], 'name': worker['name'], 'port': worker['port'],
                           'registered': _endpoint(worker) in registered_clones,
                           'primary': {key: source[key] for key in ('host', 'name', 'port')}})
    sources = [str(clone_of.get(w['host']) or '') for w in new]
    for source_host in sorted({s for s in sources if s and sources.count(s) > 1}):
        problems.append(f"several new hosts have citus_clone_of {source_host}: split a worker with one clone per run.")
    if len(clones) + len(problems) > 0:
        hosts = ', '.join(w['host'] for w in new if clone_of.get(w['host']))
        if databases != 1:
            problems.append(f"snapshot-based scale-out (citus_clone_of on {hosts}) copies the whole server, and "
                            f"citus_databases names {databases} databases: Citus splits the shards of one database, "
                            f"and the copies of the others would stay behind, unknown to it. Leave citus_clone_of "
                            f"unset (the shards then move by rebalancing).")
        if not all(row.get('has_clones') for row in registered):
            problems.append(f"citus_clone_of (on {hosts}) needs Citus 13.2 or later on the coordinator "
                            f"(citus_add_clone_node): upgrade Citus (playbooks/upgrade.yml), or leave it unset.")
    return {'new': [w['host'] for w in new if _endpoint(w) not in registered_clones],
            'clones': clones if not problems else [], 'problems': problems}


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'citus_scale_out_workers': citus_scale_out_workers}
