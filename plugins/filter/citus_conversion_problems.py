# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: citus_conversion_problems
short_description: Why a single-server Citus cluster cannot be handed to Patroni as the inventory says
version_added: 0.1.0
author:
  - pgcitus.cluster developers
description:
  - The rules of converting a cluster built in single-server mode to C(citus_ha=patroni) with its data kept, stated
    once for the P(pgcitus.cluster.citus#role) role (before any host changes) and the
    P(pgcitus.cluster.postgresql#role) role (before it touches a data directory), which assert that the list is
    empty.
  - Patroni takes over the data directory of each group's first host and clones the group's other hosts from it, so
    only a group's first host may hold a single-server node's data (any other would be replaced by a clone).
  - Patroni registers each worker group's primary in the coordinator's C(pg_dist_node) by the group number in its
    configuration (C(citus_group)), so each worker listed in C(pg_dist_node) must be a host of C(citus_workers), with
    the C(citus_group) of its row there; otherwise Patroni would point a group's shards at another node's data.
positional: _input
options:
  _input:
    description: The members, from P(pgcitus.cluster.citus_members#filter).
    type: list
    elements: dict
    required: true
  single_server:
    description: The inventory names of the members whose data directory holds a single-server Citus node.
    type: list
    elements: str
    required: true
  pg_dist_node:
    description:
      - The coordinator's C(pg_dist_node) rows (C(groupid), C(nodename), C(nodeport), C(noderole)) before the
        conversion. Without it, only the first-host rule is checked.
    type: list
    elements: dict
seealso:
  - plugin: pgcitus.cluster.citus_member_problems
    plugin_type: filter
    description: The membership rules checked before this one.
  - plugin: pgcitus.cluster.citus_members
    plugin_type: filter
'''

EXAMPLES = r'''
# roles/citus/tasks/conversion_check.yml asserts this list is empty before any host changes.
- name: Show why the conversion would be refused
  ansible.builtin.debug:
    msg: >-
      {{ hostvars | pgcitus.cluster.citus_members(groups)
      | pgcitus.cluster.citus_conversion_problems(single_server=['work-1-1', 'work-2-1'],
                                                  pg_dist_node=pg_dist_node_rows) }}
'''

RETURN = r'''
_value:
  description: One sentence per problem, each naming the host and the fix; empty when the conversion is safe.
  type: list
  elements: str
'''

from collections.abc import Callable
from typing import Any


def _group_name(member: dict[str, Any]) -> str:
    return 'the coordinator group' if member['coordinator'] else f"citus_group {member['group']}"


def citus_conversion_problems(members: list[dict[str, Any]], single_server: list[str],
                              pg_dist_node: list[dict[str, Any]] | None = None) -> list[str]:
    problems = []
    single = set(single_server)
    firsts: dict[tuple[bool, Any], str] = {}
    for m in members:
        firsts.setdefault((m['coordinator'], m['group']), m['host'])
    for m in members:
        first = firsts[(m['coordinator'], m['group'])]
        if m['host'] in single and first != m['host']:
            problems.append(f"{m['host']} holds the data of a single-server Citus node, but it is not the first host "
                            f"of {_group_name(m)} ({first} is): Patroni would replace its data with a clone of "
                            f"{first}. List {m['host']} first in its group, or give it the citus_group of its own row "
                            f"in pg_dist_node.")
    if pg_dist_node is None:
        return problems
    by_endpoint = {(m['name'], int(m['port'])): m for m in members if not m['coordinator']}
    for row in pg_dist_node:
        group = int(row['groupid'])
        if group == 0 or row.get('noderole', 'primary') != 'primary':
            continue
        endpoint = f"{row['nodename']}:{row['nodeport']}"
        member = by_endpoint.get((row['nodename'], int(row['nodeport'])))
        if member is None:
            problems.append(f"The coordinator's pg_dist_node lists worker {endpoint} (group {group}), which is no host "
                            f"of citus_workers (by citus_node_name and port): Patroni would leave it unmanaged. Add "
                            f"its host to citus_workers with citus_group {group}, or remove it from the cluster in "
                            f"single-server mode first (playbooks/scale_in.yml).")
        elif member['group'] != group:
            problems.append(f"{member['host']} is in Citus group {group} in the coordinator's pg_dist_node, but its "
                            f"citus_group is {member['group']!r}: set citus_group: {group} for it (Patroni registers "
                            f"a group's primary by that number, and the group's shards are on {endpoint}).")
    listed = {(r['nodename'], int(r['nodeport'])) for r in pg_dist_node if int(r['groupid']) > 0}
    for m in members:
        if m['host'] in single and not m['coordinator'] and (m['name'], int(m['port'])) not in listed:
            problems.append(f"{m['host']} holds the data of a single-server Citus node, but the coordinator's "
                            f"pg_dist_node has no worker {m['name']}:{m['port']}: only the cluster's own workers can "
                            f"be converted. Give it new, empty hosts, or register it in single-server mode first.")
    return problems


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'citus_conversion_problems': citus_conversion_problems}
