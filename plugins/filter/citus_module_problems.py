# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: citus_module_problems
short_description: Check what a role will pass to a pgcitus.cluster module with the module's own checks
version_added: 0.1.0
author:
  - pgcitus.cluster developers
description:
  - For each item, builds the parameters a role passes to the module, applies the module's argument spec (types,
    choices, defaults, as C(AnsibleModule) does) and runs the module's own option checks, the ones it runs before
    connecting. So a role refuses bad input before any host changes, with the rules stated once, in the module code.
  - For M(pgcitus.cluster.citus_distributed_table) and M(pgcitus.cluster.citus_reference_table), an item is a table
    as declared in C(citus_cluster_distributed_tables) or C(citus_cluster_reference_tables) (its keys are the module's
    options).
  - For M(pgcitus.cluster.citus_node), an item is a member from P(pgcitus.cluster.citus_members#filter), and the
    parameters are those the P(pgcitus.cluster.citus_cluster#role) role passes for it in C(tasks/main.yml). The
    coordinator has its name and port with O(pgcitus.cluster.citus_node#module:coordinator=true), a worker that
    stays its state and should_have_shards, a worker declared absent its drain and shard transfer mode.
positional: _input, module
options:
  _input:
    description: The items (tables, or members).
    type: list
    elements: dict
    required: true
  module:
    description: The module the items are for.
    type: str
    required: true
    choices: [citus_node, citus_distributed_table, citus_reference_table]
seealso:
  - module: pgcitus.cluster.citus_node
  - module: pgcitus.cluster.citus_distributed_table
  - module: pgcitus.cluster.citus_reference_table
'''

EXAMPLES = r'''
- name: Show what pgcitus.cluster.citus_distributed_table would refuse in the declared tables
  ansible.builtin.debug:
    msg: >-
      {{ citus_cluster_distributed_tables | pgcitus.cluster.citus_module_problems('citus_distributed_table') }}
'''

RETURN = r'''
_value:
  description:
    - One message per item the module would refuse, the module's message after the table name (or the inventory
      name of the member; C(MODULE item N (no name)) for a table without a name).
    - Three table messages keep the wording the citus_cluster role has always printed (a shard count out of range,
      a shard count with a table to colocate with, a missing distribution column).
  type: list
  elements: str
'''

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

Params = dict[str, Any]


def node_params(member: dict[str, Any]) -> Params:
    """What roles/citus_cluster/tasks/main.yml passes to citus_node for a member (without the connection)."""
    params: Params = {'name': member['name'], 'port': member['port']}
    if member['coordinator']:
        params['coordinator'] = True
    elif member['state'] != 'absent':
        params.update(state=member['state'], should_have_shards=member['should_have_shards'])
    else:
        params.update(state='absent', drain=member['drain'])
        if member['shard_transfer_mode']:
            params['shard_transfer_mode'] = member['shard_transfer_mode']
    return params


def node_name(member: dict[str, Any], index: int, module: str) -> str:
    return str(member['host'])


def table_params(table: dict[str, Any]) -> Params:
    """A table as declared: its keys are the module's options (db is the module's alias of login_db)."""
    return dict(table)


def table_name(table: dict[str, Any], index: int, module: str) -> str:
    return str(table.get('name') or '').strip() or f"{module} item {index} (no name)"


@dataclass(frozen=True)
class ModuleChecks:
    """A module's argument spec and own checks, and how a role's item becomes its parameters and is named."""
    argument_spec: Callable[[], Params]
    check: Callable[[Params], str | None]
    params: Callable[[dict[str, Any]], Params]
    name: Callable[[dict[str, Any], int, str], str]


@functools.cache
def modules() -> dict[str, ModuleChecks]:
    """The modules' checks. Imported on first use, not when Ansible loads the filter: the modules import the
    PostgreSQL driver, and Ansible loads every filter file of the collection in each task's worker that uses any of
    them (tests/unit/plugins/filter/test_filter_imports.py)."""
    from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_node import validate
    from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_table import (
        one_table_spec,
        validate_distributed,
        validate_reference,
    )
    from ansible_collections.pgcitus.cluster.plugins.modules import (
        citus_distributed_table,
        citus_node,
        citus_reference_table,
    )
    return {
        'citus_node': ModuleChecks(citus_node.one_node_spec, validate, node_params, node_name),
        'citus_distributed_table': ModuleChecks(lambda: one_table_spec(citus_distributed_table.argument_spec()),
                                                validate_distributed, table_params, table_name),
        'citus_reference_table': ModuleChecks(lambda: one_table_spec(citus_reference_table.argument_spec()),
                                              validate_reference, table_params, table_name),
    }

# The citus_cluster role's own words for three of the table module's refusals, which its users (and
# molecule/validation) know; the rule itself is the module's.
ROLE_WORDING = (
    (re.compile(r'^shard_count \S+ is out of range: use (\d+) to (\d+)$'),
     'Set shard_count between {0} and {1} for {who}.'),
    (re.compile(r'^colocate_with a table and shard_count cannot be used together'),
     "Drop shard_count or colocate_with for {who}: a table colocated with another gets that table's shard count."),
    (re.compile(r'^column is required with state: present'), 'Set `column` (the distribution column) for {who}.'),
)


def module_problem(module: str, params: Params) -> str | None:
    """The module's message for these parameters (its argument spec as AnsibleModule applies it, then its own
    checks), or None."""
    checks = modules()[module]
    result = ArgumentSpecValidator(checks.argument_spec()).validate(params)
    if not result.error_messages:
        return checks.check(result.validated_parameters)
    if isinstance(result.errors[0], UnsupportedError):
        return f"Unsupported parameters for ({module}) module: {result.errors.msg}"
    return result.errors.msg


def worded(msg: str, who: str) -> str:
    for pattern, words in ROLE_WORDING:
        match = pattern.match(msg)
        if match:
            return words.format(*match.groups(), who=who)
    return f"{who}: {msg}{'' if msg.endswith('.') else '.'}"


def citus_module_problems(items: list[dict[str, Any]], module: str) -> list[str]:
    checks = modules().get(module)
    if checks is None:
        raise AnsibleFilterError(f"citus_module_problems: module must be one of {', '.join(modules())}, got {module}")
    problems = []
    for index, item in enumerate(items, start=1):
        msg = module_problem(module, checks.params(item))
        if msg:
            problems.append(worded(msg, checks.name(item, index, module)))
    return problems


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'citus_module_problems': citus_module_problems}
