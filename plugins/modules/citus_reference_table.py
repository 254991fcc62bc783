#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: citus_reference_table
short_description: Make a table a Citus reference table (a copy on every node), or a local table again
version_added: 0.1.0
description:
  - Makes a table a Citus reference table with C(create_reference_table), declaratively; small tables that every
    distributed table joins with (customers, countries) belong there.
  - Reads C(pg_dist_partition) first and acts only on a difference.
  - A hash-distributed table is turned into a reference table only with O(allow_redistribute=true); rows are kept.
options:
  allow_redistribute:
    description:
      - Allow turning a distributed table into a reference table (C(undistribute_table) then
        C(create_reference_table)). Rows are kept.
    type: bool
    default: false
  truncate_local_data:
    description:
      - After making a table that had rows a reference table, remove the local copy Citus leaves hidden on the
        coordinator with C(truncate_local_data_after_distributing_table). Only acts in the run that creates it.
    type: bool
    default: false
  state:
    description:
      - V(present) makes the table a reference table.
      - V(absent) turns a reference table back into a local table with C(undistribute_table), keeping all rows. A
        distributed table or a local table is left as it is.
    type: str
    choices: [ present, absent ]
    default: present
extends_documentation_fragment:
  - pgcitus.cluster.citus
  - pgcitus.cluster.table
  - pgcitus.cluster.attributes.changes
  - pgcitus.cluster.attributes.actiongroup_citus
notes:
  - Register the coordinator and the workers (M(pgcitus.cluster.citus_node)) first; the module refuses to create a
    reference table while no node is registered.
  - Reference tables have no replication factor; Citus keeps one copy on every node.
seealso:
  - module: pgcitus.cluster.citus_distributed_table
  - module: pgcitus.cluster.citus_info
  - name: create_reference_table
    description: The Citus function this module calls.
    link: https://docs.citusdata.com/en/stable/develop/api_udf.html#create-reference-table
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Make customers a reference table
  pgcitus.cluster.citus_reference_table:
    name: public.customers
    db: app

- name: Make several reference tables in one module run
  pgcitus.cluster.citus_reference_table:
    tables:
      - name: public.customers
      - name: public.countries
    db: app

- name: Turn customers back into a local table
  pgcitus.cluster.citus_reference_table:
    name: public.customers
    state: absent
    db: app
'''

RETURN = r'''
table:
  description:
    - The table after the run (in check mode, as it would be; values Citus picks are V(null)); empty when the table
      does not exist.
  returned: with O(name)
  type: dict
  sample:
    name: public.customers
    type: reference
    column: null
    shard_count: 1
    colocation_id: 1
    replication_factor: null
rows_copied:
  description: Rows copied into the reference table's shards (or back into the local table with O(state=absent)) by
    this run; 0 when nothing was copied.
  returned: with O(name)
  type: int
  sample: 250
tables:
  description:
    - With O(tables), one item per table in the order given, each with C(name), C(changed), C(rows_copied) and
      C(table) (as RV(table) and RV(rows_copied) are for one table).
  returned: with O(tables)
  type: list
  elements: dict
  sample:
    - name: public.customers
      changed: true
      rows_copied: 250
      table: {name: public.customers, type: reference, column: null, shard_count: 1, colocation_id: 1,
              replication_factor: null}
queries:
  description: The statements that changed something (or would, in check mode), with their parameters inline.
  returned: always
  type: list
  elements: str
  sample: ["SELECT create_reference_table('public.customers'::regclass)"]
'''

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_table import (
    TABLE_MODULE_RULES,
    plan_reference,
    run_table_module,
    table_argument_spec,
    validate_reference,
)


def argument_spec() -> dict[str, Any]:
    return table_argument_spec()


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, **TABLE_MODULE_RULES)
    run_table_module(module, validate_reference, plan_reference, distributed=False)


if __name__ == '__main__':
    main()
