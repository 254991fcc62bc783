# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: citus_tables_by_db
short_description: Declared tables grouped by database, for one table-module run per database
version_added: 0.1.0
author:
  - pgcitus.cluster developers
description:
  - Groups the items of C(citus_cluster_distributed_tables) or C(citus_cluster_reference_tables) by their C(db) (the
    default database when they have none), in the order the databases first appear, each table keeping its place.
  - Each group's tables have no C(db) key, as the O(pgcitus.cluster.citus_distributed_table#module:tables) option of
    the table modules takes them; the database is the module run's O(pgcitus.cluster.citus_distributed_table#module:db).
positional: _input, default_db
options:
  _input:
    description: The declared tables (each a dict of the table module's options, optionally with C(db)).
    type: list
    elements: dict
    required: true
  default_db:
    description: The database of the tables without C(db).
    type: str
    required: true
seealso:
  - module: pgcitus.cluster.citus_distributed_table
  - module: pgcitus.cluster.citus_reference_table
'''

EXAMPLES = r'''
- name: Declare the distributed tables, one module run per database
  pgcitus.cluster.citus_distributed_table:
    tables: "{{ item.tables }}"
    db: "{{ item.db }}"
  loop: "{{ citus_cluster_distributed_tables | pgcitus.cluster.citus_tables_by_db(citus_cluster_database) }}"
'''

RETURN = r'''
_value:
  description: One item per database, C(db) and C(tables) (the tables of that database, in their declared order).
  type: list
  elements: dict
'''

from collections.abc import Callable
from typing import Any


def citus_tables_by_db(tables: list[dict[str, Any]], default_db: str) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        db = str(table.get('db') or default_db)
        groups.setdefault(db, []).append({key: value for key, value in table.items() if key != 'db'})
    return [{'db': db, 'tables': items} for db, items in groups.items()]


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'citus_tables_by_db': citus_tables_by_db}
