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
    type: str
    required: true
  cascade_via_foreign_keys:
    description:
      - With O(state=absent), also turn the tables linked to this one by foreign keys into local tables
        (C(undistribute_table) refuses a table with foreign keys otherwise).
    type: bool
    default: false
'''
