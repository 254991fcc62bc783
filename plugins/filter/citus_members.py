# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: citus_members
short_description: The Citus cluster's members, as the roles reach and declare them
version_added: 0.1.0
author:
  - pgcitus.cluster developers
description:
  - Builds, on the controller, one record per member of the inventory's groups C(citus_coordinator) and
    C(citus_workers) (the coordinators first), with every field the P(pgcitus.cluster.citus#role) and
    P(pgcitus.cluster.citus_cluster#role) roles use. It is the one place the defaults of the C(citus_node_*) host
    variables are applied.
  - A host listed in both groups gets two records (one per group), so that
    P(pgcitus.cluster.citus_member_problems#filter) can refuse it.
positional: _input, groups
options:
  _input:
    description: The C(hostvars) of the play.
    type: dict
    required: true
  groups:
    description: The C(groups) of the play.
    type: dict
    required: true
  should_have_shards:
    description:
      - The C(should_have_shards) of the members without a C(citus_node_should_have_shards) host variable (the
        citus_cluster role passes C(citus_cluster_workers_should_have_shards)).
    type: bool
    default: true
  leaving:
    description:
      - Inventory names of workers that leave the cluster, as C(playbooks/scale_in.yml) passes them. Their records get
        C(state) C(absent) and C(drain) true, whatever their host variables say, so the
        P(pgcitus.cluster.citus_cluster#role) role drains them through the background rebalancer and removes them.
      - The coordinator never leaves. A coordinator's record keeps its state even when its name is listed (the
        playbook refuses that before calling the role). Names that are not members are ignored.
    type: list
    elements: str
    default: []
seealso:
  - plugin: pgcitus.cluster.citus_member_problems
    plugin_type: filter
  - module: pgcitus.cluster.citus_node
'''

EXAMPLES = r'''
- name: Show how the other nodes reach each member
  ansible.builtin.debug:
    msg: "{{ hostvars | pgcitus.cluster.citus_members(groups) | map(attribute='name') | list }}"
'''

RETURN = r'''
_value:
  description: One record per member of citus_coordinator, then of citus_workers, in inventory order.
  type: list
  elements: dict
  contains:
    host:
      description: The inventory name.
      type: str
    coordinator:
      description: Whether the record comes from the group citus_coordinator.
      type: bool
    name:
      description: The name the other nodes reach it by, C(citus_node_name) (default C(ansible_host), else the
        inventory name).
      type: raw
    port:
      description: C(citus_node_port) (default C(postgresql_port), else 5432), as an integer (0 when it is not one).
      type: int
    address:
      description:
        - The address it connects from, for C(pg_hba.conf) (C(citus_hba_address)); default the name when that is
          an IPv4 address, else the default route's address from its facts, else an empty string.
      type: raw
    should_have_shards:
      description: C(citus_node_should_have_shards), default the O(should_have_shards) option.
      type: bool
    state:
      description: C(citus_node_state), default C(present); C(absent) for a worker in O(leaving).
      type: raw
    drain:
      description: C(citus_node_drain), default C(false); true for a worker in O(leaving).
      type: bool
    shard_transfer_mode:
      description: C(citus_node_shard_transfer_mode), default null.
      type: raw
    group:
      description:
        - The Citus group of the member in high-availability mode (C(citus_ha=patroni)), C(citus_group), default
          0 for a coordinator, null for a worker without it. The hosts of one group form one Patroni cluster, the
          first of them in inventory order bootstraps it.
      type: raw
'''

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible.plugins.filter.core import to_bool
from jinja2.filters import do_int

# The groups whose hosts are members, and whether that group is the coordinator's.
MEMBER_GROUPS = (('citus_coordinator', True), ('citus_workers', False))
IPV4 = re.compile(r'^[0-9]+([.][0-9]+){3}$')


def _var(hostvars: Mapping[str, Any], name: str, default: Callable[[], Any]) -> Any:
    """A host variable, or the default when it is not defined (Jinja's default(): a null value is kept)."""
    return hostvars[name] if name in hostvars else default()


def _default_address(hostvars: Mapping[str, Any], name: Any) -> Any:
    """The node name when it is an IPv4 address, else the default route's address from the facts, else ''."""
    if IPV4.match(str(name)):
        return name
    facts = _var(hostvars, 'ansible_facts', dict)
    ipv4 = facts.get('default_ipv4') if isinstance(facts, Mapping) else None
    return ipv4.get('address', '') if isinstance(ipv4, Mapping) else ''


def member(host: str, hostvars: Mapping[str, Any], coordinator: bool, should_have_shards: Any = True,
           leaving: bool = False) -> dict[str, Any]:
    """One member's record from its host variables; a leaving worker is absent and drained."""
    name = _var(hostvars, 'citus_node_name', lambda: _var(hostvars, 'ansible_host', lambda: host))
    record = {
        'host': host,
        'coordinator': coordinator,
        'name': name,
        'port': do_int(_var(hostvars, 'citus_node_port', lambda: _var(hostvars, 'postgresql_port', lambda: 5432))),
        'address': _var(hostvars, 'citus_hba_address', lambda: _default_address(hostvars, name)),
        'should_have_shards': to_bool(_var(hostvars, 'citus_node_should_have_shards', lambda: should_have_shards)),
        'state': _var(hostvars, 'citus_node_state', lambda: 'present'),
        'drain': to_bool(_var(hostvars, 'citus_node_drain', lambda: False)),
        'shard_transfer_mode': _var(hostvars, 'citus_node_shard_transfer_mode', lambda: None),
        'group': _var(hostvars, 'citus_group', lambda: 0 if coordinator else None),
    }
    if leaving and not coordinator:
        record.update(state='absent', drain=True)
    return record


def citus_members(hostvars: Mapping[str, Any], groups: Mapping[str, Any], should_have_shards: Any = True,
                  leaving: Iterable[str] | None = None) -> list[dict[str, Any]]:
    gone = set(leaving or ())
    return [member(host, hostvars[host], coordinator, should_have_shards, host in gone)
            for group, coordinator in MEMBER_GROUPS for host in groups.get(group) or []]


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'citus_members': citus_members}
