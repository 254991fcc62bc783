#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: citus_distributed_table
short_description: Distribute a table across Citus workers, or turn it back into a local table
version_added: 0.1.0
description:
  - Makes a table a hash-distributed Citus table with C(create_distributed_table), declaratively.
  - Reads C(pg_dist_partition), C(pg_dist_shard) and C(pg_dist_colocation) first and acts only on a difference.
  - A table that is already distributed as asked is left alone. A table distributed differently (distribution column,
    shard count, colocation, replication factor), or a reference table, is refused with a message naming the
    differences, unless O(allow_redistribute=true).
  - A table with rows is distributed with its rows; RV(rows_copied) says how many.
options:
  column:
    description:
      - The distribution column, exactly as named in the table. Required with O(state=present).
    type: str
  shard_count:
    description:
      - Number of shards (1 to 64000). Not set means C(citus.shard_count) (32 by default) when the table is created, and
        no comparison for a table that is already distributed.
      - Cannot be combined with O(colocate_with) naming a table (the table takes that table's shard count).
    type: int
  colocate_with:
    description:
      - V(default) joins an existing colocation group with the same shard count, replication factor and column type;
        V(none) starts a new group; a table name puts the table in that table's group (same shard placement, so joins
        on the distribution columns stay local).
      - V(default) and V(none) apply when the table is created and are not compared afterwards; a table name is
        compared (same C(colocationid)).
      - The distribution column must have the type of the other table's distribution column.
    type: str
    default: default
  replication_factor:
    description:
      - Number of copies of each shard (1 to 100, at most the number of nodes that can hold shards).
      - Citus has no such argument. The module sets C(citus.shard_replication_factor) with C(SET LOCAL) in the
        transaction that calls C(create_distributed_table) (with O(concurrently=true), which cannot run in a
        transaction, with C(SET) for the module's own session, and C(RESET) after it).
      - Not set means C(citus.shard_replication_factor) (1 by default), or the factor of the table named in
        O(colocate_with).
    type: int
  concurrently:
    description:
      - Use C(create_distributed_table_concurrently), which keeps the table writable while it is distributed. It runs
        outside a transaction and cannot create replicated shards (O(replication_factor) above 1 is refused).
    type: bool
    default: false
  truncate_local_data:
    description:
      - After distributing a table that had rows, remove the local copy Citus leaves hidden on the coordinator with
        C(truncate_local_data_after_distributing_table). Only acts in the run that distributes the table.
    type: bool
    default: false
  allow_redistribute:
    description:
      - Allow changing how an existing Citus table is distributed. Uses C(alter_distributed_table) when only the
        column, shard count or colocation changes; C(undistribute_table) then C(create_distributed_table) otherwise
        (a reference table, or a new replication factor). Rows are kept.
    type: bool
    default: false
  cascade_to_colocated:
    description:
      - With O(allow_redistribute=true), whether a new shard count (or colocation) also applies to the tables
        colocated with this one (V(true)), or breaks the colocation (V(false)); passed to C(alter_distributed_table).
      - Not set, a shard count change of a table that shares its colocation group is refused with a message naming
        the other tables.
    type: bool
  state:
    description:
      - V(present) distributes the table as asked.
      - V(absent) turns a distributed table back into a local table with C(undistribute_table), keeping all rows. A
        reference table or a local table is left as it is.
    type: str
    choices: [ present, absent ]
    default: present
extends_documentation_fragment:
  - pgcitus.cluster.citus
  - pgcitus.cluster.table
  - pgcitus.cluster.attributes.changes
  - pgcitus.cluster.attributes.actiongroup_citus
notes:
  - Register the coordinator and the workers (M(pgcitus.cluster.citus_node)) before distributing tables; the module
    refuses to distribute while no node is registered, because Citus would then register the coordinator as
    C(localhost).
  - Colocating with a table whose distribution column has another type is refused before anything runs. Colocating
    by a column of the same type but other values (for example C(order_items.order_id) with C(orders) distributed by
    C(customer_id)) is accepted by Citus; the module warns when the table also has a column named like the other
    table's distribution column.
seealso:
  - module: pgcitus.cluster.citus_reference_table
  - module: pgcitus.cluster.citus_node
  - module: pgcitus.cluster.citus_info
  - name: create_distributed_table
    description: The Citus function this module calls.
    link: https://docs.citusdata.com/en/stable/develop/api_udf.html#create-distributed-table
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Distribute users by id
  pgcitus.cluster.citus_distributed_table:
    name: users
    column: id
    db: app

- name: Distribute orders by customer_id with 32 shards, each stored twice
  pgcitus.cluster.citus_distributed_table:
    name: public.orders
    column: customer_id
    shard_count: 32
    replication_factor: 2
    db: app

- name: Colocate order_items with orders (order_items.customer_id holds the same values)
  pgcitus.cluster.citus_distributed_table:
    name: public.order_items
    column: customer_id
    colocate_with: public.orders
    db: app

- name: Distribute several tables in one module run (one connection; order_items after the table it joins)
  pgcitus.cluster.citus_distributed_table:
    tables:
      - {name: public.orders, column: customer_id, shard_count: 32}
      - {name: public.order_items, column: customer_id, colocate_with: public.orders}
    db: app

- name: Change the shard count of users, keeping its rows
  pgcitus.cluster.citus_distributed_table:
    name: users
    column: id
    shard_count: 64
    allow_redistribute: true
    db: app

- name: Turn users back into a local table on the coordinator
  pgcitus.cluster.citus_distributed_table:
    name: users
    state: absent
    db: app
'''

RETURN = r'''
table:
  description:
    - The table after the run (in check mode, as it would be; values Citus picks are V(null)); empty when the table
      does not exist.
    - C(type) is V(distributed), V(reference), V(local) (not a Citus table), V(citus_local), V(single_shard),
      V(append) or V(range).
  returned: with O(name)
  type: dict
  sample:
    name: public.orders
    type: distributed
    column: customer_id
    shard_count: 32
    colocation_id: 2
    replication_factor: 2
rows_copied:
  description: Rows copied into the shards (or back into the local table with O(state=absent)) by this run; 0 when
    nothing was copied.
  returned: with O(name)
  type: int
  sample: 1000
tables:
  description:
    - With O(tables), one item per table in the order given, each with C(name), C(changed), C(rows_copied) and
      C(table) (as RV(table) and RV(rows_copied) are for one table).
  returned: with O(tables)
  type: list
  elements: dict
  sample:
    - name: public.orders
      changed: false
      rows_copied: 0
      table: {name: public.orders, type: distributed, column: customer_id, shard_count: 32, colocation_id: 2,
              replication_factor: 2}
queries:
  description: The statements that changed something (or would, in check mode), with their parameters inline.
  returned: always
  type: list
  elements: str
  sample:
    - BEGIN
    - SET LOCAL citus.shard_replication_factor = 2
    - SELECT create_distributed_table('public.orders'::regclass, 'customer_id', shard_count => 32)
    - COMMIT
'''

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_table import (
    TABLE_MODULE_RULES,
    plan_distributed,
    run_table_module,
    table_argument_spec,
    validate_distributed,
)


def argument_spec() -> dict[str, Any]:
    return table_argument_spec(
        column=dict(type='str'),
        shard_count=dict(type='int'),
        colocate_with=dict(type='str', default='default'),
        replication_factor=dict(type='int'),
        concurrently=dict(type='bool', default=False),
        cascade_to_colocated=dict(type='bool'),
    )


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True, **TABLE_MODULE_RULES)
    run_table_module(module, validate_distributed, plan_distributed, distributed=True)


if __name__ == '__main__':
    main()
