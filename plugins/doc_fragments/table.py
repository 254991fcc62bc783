# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The options both table modules share with the same meaning (table_argument_spec in module_utils/_citus_table.py);
each module documents its own options, and those shared in name only (state, allow_redistribute,
truncate_local_data), itself."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r'''
options:
  name:
    description:
      - The table, optionally schema-qualified (C(public.orders)). Quote mixed-case names as in SQL
        (C(public."Orders")).
      - Required unless O(tables) is given; the two exclude each other.
    type: str
  tables:
    description:
      - Several tables of one database in one module run, over one connection, instead of O(name). Each item takes
        C(name) (required) and the module's other table options, with the same meaning and defaults as for one table;
        the connection options are the module's own.
      - Every item is checked before anything changes (the message names each wrong item). Then the tables are read
        and changed one after the other in the order given, so that a table can be colocated with one before it. A
        refusal or error on one table stops the run; the tables changed before it stay changed, and the message
        names them.
      - Returns RV(tables) instead of RV(table) and RV(rows_copied). The role citus_cluster declares its tables so
        (one module run per database whatever the number of tables).
    type: list
    elements: dict
  cascade_via_foreign_keys:
    description:
      - With O(state=absent), also turn the tables linked to this one by foreign keys into local tables
        (C(undistribute_table) refuses a table with foreign keys otherwise).
    type: bool
    default: false
'''
