# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: citus_member_problems
short_description: What is wrong with the Citus cluster's members as the inventory declares them
version_added: 0.1.0
author:
  - pgcitus.cluster developers
description:
  - The membership rules that only the inventory can break, stated once for the P(pgcitus.cluster.citus#role) and
    P(pgcitus.cluster.citus_cluster#role) roles, which assert that the list is empty.
  - Exactly one host in C(citus_coordinator) (with O(ha), one or more, each in group 0); no host in both
    C(citus_coordinator) and C(citus_workers); a
    C(citus_node_name:port) of its own for every member; and, with O(host), that host is a member.
positional: _input
options:
  _input:
    description: The members, from P(pgcitus.cluster.citus_members#filter).
    type: list
    elements: dict
    required: true
  host:
    description: An inventory name that must be a member (the host a role runs on).
    type: str
  ha:
    description:
      - High-availability mode (C(citus_ha=patroni)). The coordinator group may have several hosts (a leader and
        its standbys), all in Citus group 0, and every worker needs C(citus_group), an integer of 1 or more. No
        member may declare C(citus_node_state) other than present, nor a worker C(citus_node_should_have_shards)
        false, because Patroni registers the nodes.
    type: bool
    default: false
seealso:
  - plugin: pgcitus.cluster.citus_members
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Check the cluster's members
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join(' ') }}"
    quiet: true
  vars:
    __problems: >-
      {{ hostvars | pgcitus.cluster.citus_members(groups)
      | pgcitus.cluster.citus_member_problems(host=inventory_hostname) }}
'''

RETURN = r'''
_value:
  description: One sentence per problem, each naming the hosts and the fix; empty when the members are right.
  type: list
  elements: str
'''

from collections.abc import Callable
from typing import Any


def _names(hosts: list[str]) -> str:
    return f"{', '.join(hosts[:-1])} and {hosts[-1]}" if len(hosts) > 1 else ''.join(hosts)


def _group_problems(members: list[dict[str, Any]]) -> list[str]:
    """The high-availability rules: coordinators in group 0, each worker in a group of its own number 1 or more, and
    no membership declared (Patroni registers the nodes)."""
    problems = []
    for m in members:
        group = m.get('group')
        if m['coordinator'] and (isinstance(group, bool) or group != 0):
            problems.append(f"{m['host']} is a coordinator: its citus_group must be 0 (or unset), not {group!r}.")
        elif not m['coordinator'] and (isinstance(group, bool) or not isinstance(group, int) or group < 1):
            problems.append(f"{m['host']} is a worker: with citus_ha patroni it needs citus_group, the number (1 or "
                            f"more) of its worker group (got {group!r}).")
        if m.get('state', 'present') != 'present':
            problems.append(f"{m['host']} has citus_node_state {m['state']}: with citus_ha patroni, Patroni registers "
                            f"every host of a group and keeps pg_dist_node right, so the roles add and remove no "
                            f"node. Remove citus_node_state from its variables (the README's high availability "
                            f"section says how to retire a worker group).")
        elif not m['coordinator'] and not m.get('should_have_shards', True):
            problems.append(f"{m['host']} has citus_node_should_have_shards false: with citus_ha patroni, Patroni "
                            f"registers the workers and they get shards. Remove it (and "
                            f"citus_cluster_workers_should_have_shards) from the inventory.")
    return problems


def citus_member_problems(members: list[dict[str, Any]], host: str | None = None, ha: bool = False) -> list[str]:
    problems = []
    coordinators = [m['host'] for m in members if m['coordinator']]
    workers = [m['host'] for m in members if not m['coordinator']]
    if ha:
        if not coordinators:
            problems.append("The inventory needs at least one host in citus_coordinator (has 0).")
        problems.extend(_group_problems(members))
    elif len(coordinators) != 1:
        problems.append(f"The inventory needs exactly one host in citus_coordinator (has {len(coordinators)}"
                        f"{': ' + ', '.join(coordinators) if coordinators else ''}).")
    for both in (h for h in coordinators if h in workers):
        problems.append(f"{both} is in citus_coordinator and in citus_workers: list it in one of them, not both.")
    if host is not None and host not in coordinators + workers:
        problems.append(f"{host} is in neither citus_coordinator nor citus_workers: add it to one of them, or do not "
                        f"run the Citus roles on it.")
    hosts_by_endpoint: dict[str, list[str]] = {}
    for m in members:
        hosts = hosts_by_endpoint.setdefault(f"{m['name']}:{m['port']}", [])
        if m['host'] not in hosts:
            hosts.append(m['host'])
    for key, hosts in hosts_by_endpoint.items():
        if len(hosts) > 1:
            problems.append(f"Each cluster member needs its own citus_node_name:port: {_names(hosts)} "
                            f"{'both' if len(hosts) == 2 else 'all'} have {key}.")
    return problems


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'citus_member_problems': citus_member_problems}
