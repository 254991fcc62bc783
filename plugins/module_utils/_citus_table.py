# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private planning logic of citus_distributed_table and citus_reference_table.

Pure functions over catalog snapshots (unit tested without a server) plus the reads that fill a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    Cast,
    CitusDB,
    Differences,
    ModuleParams,
    Refusal,
    Statement,
    Unit,
    citus_call,
    citus_common_argument_spec,
    count_rows,
    read_table,
    table_facts,
)
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_errors import (
    REPLICATION_FACTOR_MAX,
    REPLICATION_FACTOR_MIN,
    SHARD_COUNT_MAX,
    SHARD_COUNT_MIN,
)

COLOCATE_KEYWORDS = ('default', 'none')

COLUMN_QUERY = (
    "SELECT a.atttypid::bigint AS type_oid, format_type(a.atttypid, a.atttypmod) AS type "
    "FROM pg_catalog.pg_attribute a WHERE a.attrelid = %s::oid AND a.attname = %s AND a.attnum > 0 "
    "AND NOT a.attisdropped"
)
SETTINGS_QUERY = ("SELECT current_setting('citus.shard_count') AS shard_count, "
                  "current_setting('citus.shard_replication_factor') AS replication_factor")
NODES_QUERY = ("SELECT count(*) AS registered, count(*) FILTER (WHERE isactive AND noderole = 'primary' "
               "AND shouldhaveshards) AS shard_nodes FROM pg_dist_node")
FOREIGN_KEYS_QUERY = (
    "SELECT conname::text || ' (' || conrelid::regclass::text || ' -> ' || confrelid::regclass::text || ')' AS fk "
    "FROM pg_catalog.pg_constraint WHERE contype = 'f' AND (conrelid = %s::oid OR confrelid = %s::oid) ORDER BY 1")
COLOCATED_QUERY = ("SELECT logicalrelid::regclass::text AS name FROM pg_dist_partition WHERE colocationid = %s "
                   "AND logicalrelid::oid <> %s::oid ORDER BY 1")


@dataclass
class TablePlan:
    units: list[Unit] = field(default_factory=list)
    after: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TableParams(ModuleParams):
    """The options of either table module, once validated (table_argument_spec and the modules' own options hold the
    same names and defaults; citus_reference_table has none of the distribution options)."""
    name: str
    state: str = 'present'
    db: str | None = None
    allow_redistribute: bool = False
    truncate_local_data: bool = False
    cascade_via_foreign_keys: bool = False
    column: str | None = None
    shard_count: int | None = None
    colocate_with: str = 'default'
    replication_factor: int | None = None
    concurrently: bool = False
    cascade_to_colocated: bool | None = None


@dataclass
class TableState:
    """What the catalogs hold for the request (read_snapshot reads only what the case needs)."""
    db: str | None = None  # the database, for messages
    table: dict[str, Any] | None = None  # TABLE_QUERY row of the table (read_table), None if it does not exist
    foreign_keys: list[str] = field(default_factory=list)  # its foreign keys, when it may be undistributed
    nodes: dict[str, Any] = field(default_factory=dict)  # NODES_QUERY: registered nodes, nodes that take shards
    colocated: list[str] = field(default_factory=list)  # the other tables of its colocation group
    settings: dict[str, Any] = field(default_factory=dict)  # SETTINGS_QUERY: the session's shard count and factor
    column: dict[str, Any] | None = None  # COLUMN_QUERY row of the distribution column, None if it has none
    target: dict[str, Any] | None = None  # TABLE_QUERY row of the colocate_with table
    same_column_in_target: bool = False  # the table has a column named like the target's distribution column
    rows: int = 0  # its rows, counted only when a change is planned


def table_argument_spec(**own: dict[str, Any]) -> dict[str, Any]:
    """The argument spec of both table modules: the connection and name, the module's own options, then the
    options both share (allow_redistribute, truncate_local_data, cascade_via_foreign_keys, state), and tables: a list
    of tables, each with name and the same table options (TABLE_MODULE_RULES: name or tables)."""
    spec = citus_common_argument_spec()
    connection = set(spec)
    spec['name'] = dict(type='str')
    spec.update(own)
    spec.update(
        allow_redistribute=dict(type='bool', default=False),
        truncate_local_data=dict(type='bool', default=False),
        cascade_via_foreign_keys=dict(type='bool', default=False),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )
    per_table = {key: dict(value) for key, value in spec.items() if key not in connection}
    per_table['name'] = dict(type='str', required=True)
    spec['tables'] = dict(type='list', elements='dict', options=per_table)
    return spec


def one_table_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A table module's argument spec for one table: name required, no tables (what each item of tables is checked
    with, and how the citus_module_problems filter checks a role's table)."""
    one = {key: value for key, value in spec.items() if key != 'tables'}
    one['name'] = dict(spec['name'], required=True)
    return one


# One table (name and its options) or several in one run (tables), never both.
TABLE_MODULE_RULES: dict[str, Any] = dict(required_one_of=[('name', 'tables')], mutually_exclusive=[('name', 'tables')])


def is_keyword(colocate_with: str | None) -> bool:
    return colocate_with is None or colocate_with.strip().lower() in COLOCATE_KEYWORDS


def validate_distributed(params: dict[str, Any]) -> str | None:
    """Reject bad option combinations before connecting."""
    if not (params.get('name') or '').strip():
        return "name must name a table (schema-qualified allowed, e.g. public.orders)"
    present = params.get('state', 'present') == 'present'
    colocate = params.get('colocate_with') or 'default'
    if not present:
        given = [opt for opt in ('column', 'shard_count', 'replication_factor', 'cascade_to_colocated')
                 if params.get(opt) is not None]
        given += [opt for opt in ('concurrently', 'truncate_local_data') if params.get(opt)]
        if not is_keyword(colocate) or colocate.strip().lower() == 'none':
            given.append('colocate_with')
        if given:
            return (f"{', '.join(given)} only appl{'ies' if len(given) == 1 else 'y'} with state: present; "
                    f"state: absent turns the table back into a local table, rows kept")
        return None
    if params.get('cascade_via_foreign_keys'):
        return "cascade_via_foreign_keys only applies with state: absent (it undistributes the linked tables too)"
    if not (params.get('column') or '').strip():
        return "column is required with state: present: name the distribution column (e.g. customer_id)"
    if params.get('cascade_to_colocated') is not None and not params.get('allow_redistribute'):
        return ("cascade_to_colocated only applies with allow_redistribute: true (it is passed to "
                "alter_distributed_table)")
    shard_count = params.get('shard_count')
    if shard_count is not None and not SHARD_COUNT_MIN <= shard_count <= SHARD_COUNT_MAX:
        return f"shard_count {shard_count} is out of range: use {SHARD_COUNT_MIN} to {SHARD_COUNT_MAX}"
    rf = params.get('replication_factor')
    if rf is not None and not REPLICATION_FACTOR_MIN <= rf <= REPLICATION_FACTOR_MAX:
        return f"replication_factor {rf} is out of range: use {REPLICATION_FACTOR_MIN} to {REPLICATION_FACTOR_MAX}"
    if shard_count is not None and not is_keyword(colocate):
        return ("colocate_with a table and shard_count cannot be used together: the table takes the shard count of "
                f"{colocate}; remove shard_count")
    if params.get('concurrently') and rf is not None and rf > 1:
        return ("concurrently: true cannot create replicated shards (Citus refuses replication factor > 1 for "
                "create_distributed_table_concurrently): drop concurrently or replication_factor")
    if not is_keyword(colocate) and colocate.strip() == params['name'].strip():
        return "colocate_with names the table itself: name another distributed table, or use default or none"
    return None


def validate_reference(params: dict[str, Any]) -> str | None:
    if not (params.get('name') or '').strip():
        return "name must name a table (schema-qualified allowed, e.g. public.customers)"
    if params.get('state') == 'absent' and params.get('truncate_local_data'):
        return "truncate_local_data only applies with state: present"
    if params.get('state', 'present') == 'present' and params.get('cascade_via_foreign_keys'):
        return "cascade_via_foreign_keys only applies with state: absent (it undistributes the linked tables too)"
    return None


def wanted_distribution(params: TableParams, settings: dict[str, Any], target: dict[str, Any] | None
                        ) -> dict[str, Any]:
    """Shard count and replication factor the table will have once created."""
    if target:
        shard_count = target.get('shard_count')
        rf = params.replication_factor or target.get('replication_factor')
    else:
        shard_count = params.shard_count or int(settings.get('shard_count') or 32)
        rf = params.replication_factor or int(settings.get('replication_factor') or 1)
    return {'shard_count': shard_count, 'replication_factor': rf}


def distributed_differences(params: TableParams, current: dict[str, Any], target: dict[str, Any] | None
                            ) -> Differences:
    """How an existing Citus table differs from the request (empty: as asked)."""
    diffs = Differences()
    kind = current['type']
    if kind != 'distributed':
        labels = {'reference': 'it is a reference table', 'single_shard': 'it is a single-shard distributed table',
                  'append': 'it is append-distributed', 'range': 'it is range-distributed'}
        diffs.add('type', 'distributed', kind, sentence=labels.get(kind, f"it is a {kind} table"))
        return diffs
    if current.get('column') != params.column:
        diffs.add('column', params.column, current.get('column'), label='distribution column')
    diffs.compare('shard_count', params.shard_count, current.get('shard_count'))
    if target is not None and current.get('colocation_id') != target.get('colocation_id'):
        diffs.add('colocation_id', target.get('colocation_id'), current.get('colocation_id'),
                  sentence=f"it is not colocated with {target['name']} (colocation group "
                           f"{current.get('colocation_id')}, {target['name']} is in {target.get('colocation_id')})")
    diffs.compare('replication_factor', params.replication_factor, current.get('replication_factor'))
    return diffs


def create_distributed_units(params: TableParams, qualified: str, rows: int, set_rf: int | None,
                             target_name: str | None) -> list[Unit]:
    """create_distributed_table[_concurrently] (with SET LOCAL, or SET for the concurrent form, of the replication
    factor) and the truncation of the hidden local copy when asked."""
    concurrently = bool(params.concurrently)
    func = 'create_distributed_table_concurrently' if concurrently else 'create_distributed_table'
    colocate = (params.colocate_with or 'default').strip()
    colocate_with = target_name or (colocate.lower() if colocate.lower() != 'default' else None)
    create = citus_call(func, Cast(qualified, 'regclass'), params.column, colocate_with=colocate_with,
                        shard_count=params.shard_count, action='distribute')
    truncate = Statement("SELECT truncate_local_data_after_distributing_table(%s::regclass)", (qualified,),
                         action='truncate')
    wants_truncate = bool(params.truncate_local_data) and rows > 0
    if concurrently:
        # not allowed in a transaction block, so no SET LOCAL: the setting is SET for the module's session, then
        # RESET, so that the next table of a run (tables) gets the server's default again
        statements = [create]
        if set_rf is not None:
            statements = [Statement("SET citus.shard_replication_factor = %s", (set_rf,)), create,
                          Statement("RESET citus.shard_replication_factor")]
        units = [Unit(statements, done=f"{qualified} was distributed by {params.column}")]
        if wants_truncate:
            units.append(Unit([truncate]))
        return units
    statements = []
    if set_rf is not None:
        statements.append(Statement("SET LOCAL citus.shard_replication_factor = %s", (set_rf,)))
    statements.append(create)
    if wants_truncate:
        statements.append(truncate)
    return [Unit(statements, transaction=len(statements) > 1)]


def check_foreign_keys(state: TableState, qualified: str, cascade: bool, why: str | None = None) -> None:
    """undistribute_table refuses a table linked by foreign keys unless it cascades: say so before anything runs."""
    fks = state.foreign_keys or []
    if not fks or cascade:
        return
    if why:
        raise Refusal(f"{qualified} must be undistributed to change {why}, and Citus refuses that for a table linked "
                      f"by foreign keys ({', '.join(fks)}): drop those foreign keys, redistribute, then add them "
                      f"again; nothing was changed")
    raise Refusal(f"{qualified} is linked to other tables by foreign keys ({', '.join(fks)}): set "
                  f"cascade_via_foreign_keys: true to turn the linked tables into local tables too, or drop the "
                  f"foreign keys first; nothing was changed")


def undistribute_unit(qualified: str, kind: str, cascade: bool = False) -> Unit:
    return Unit([citus_call('undistribute_table', Cast(qualified, 'regclass'),
                            cascade_via_foreign_keys=True if cascade else None, action='undistribute')],
                done=f"{qualified} was undistributed and is now a local table with all its rows (it was a {kind} "
                     f"table); fix the cause and run the task again")


def missing_table(params: TableParams, state: TableState) -> TablePlan:
    """The plan for a table that does not exist: nothing to undistribute (absent), a refusal (present)."""
    if params.state == 'absent':
        return TablePlan(warnings=[f"table {params.name} does not exist; nothing to undistribute"])
    raise Refusal(f"table {params.name} does not exist in database {state.db or '(default)'}: create it "
                  f"first (check the name and schema)")


@dataclass
class Distribution:
    """What a present distributed table is asked to become, read once and shared by the create, alter and
    recreate cases."""
    qualified: str
    current: dict[str, Any]  # table_facts of the table as it is
    rows: int
    column: str
    target: dict[str, Any] | None  # table_facts of colocate_with, when it names a table
    settings: dict[str, Any]
    wanted: dict[str, Any]  # shard_count and replication_factor once distributed
    set_rf: int | None  # replication factor to SET for the create call, when not the session's
    after: dict[str, Any]

    @property
    def target_name(self) -> str | None:
        return self.target['name'] if self.target else None


def plan_distributed(params: TableParams, state: TableState) -> TablePlan:
    """citus_distributed_table's plan, by case: missing, undistribute, create, nothing, alter, recreate."""
    row = state.table
    if row is None:
        return missing_table(params, state)
    if params.state == 'absent':
        return plan_undistribute(params, state, row)
    result = TablePlan()
    dist = read_distribution(params, state, row, result)
    if dist.current['type'] in ('local', 'citus_local'):
        return plan_create(params, state, dist, result)
    diffs = distributed_differences(params, dist.current, dist.target)
    if not diffs:
        result.after = dist.current
        return result
    if not params.allow_redistribute:
        raise Refusal(f"table {dist.qualified} is already distributed differently: {diffs.text()}. Set "
                      f"allow_redistribute: true to redistribute it (rows are kept), nothing was changed")
    check_nodes(state, dist.wanted['replication_factor'], dist.qualified)
    rf_changes = params.replication_factor is not None \
        and params.replication_factor != dist.current.get('replication_factor')
    if dist.current['type'] == 'distributed' and not rf_changes:
        return plan_alter(params, state, dist, result)
    return plan_recreate(params, state, dist, diffs, result)


def plan_undistribute(params: TableParams, state: TableState, row: dict[str, Any]) -> TablePlan:
    """state: absent: undistribute a distributed table; leave local tables and reference tables alone."""
    result = TablePlan()
    current = table_facts(row)
    qualified = row['qualified']
    if current['type'] in ('local', 'citus_local'):
        result.after = current
        return result
    if current['type'] == 'reference':
        result.warnings.append(f"{qualified} is a reference table, not a distributed table; it was left as it "
                               f"is (use pgcitus.cluster.citus_reference_table with state: absent to make it "
                               f"local)")
        result.after = current
        return result
    cascade = bool(params.cascade_via_foreign_keys)
    check_foreign_keys(state, qualified, cascade)
    result.units = [undistribute_unit(qualified, current['type'], cascade)]
    result.units[0].done = ''
    result.after = {**current, 'type': 'local', 'column': None, 'shard_count': None, 'colocation_id': None,
                    'replication_factor': None}
    return result


def read_distribution(params: TableParams, state: TableState, row: dict[str, Any],
                      result: TablePlan) -> Distribution:
    """Check the column and the colocation target, and work out the distribution asked for."""
    check_relkind(row)
    qualified, column = row['qualified'], params.column
    if state.column is None:
        raise Refusal(f"table {qualified} has no column {column}: set column to one of its columns")
    target = colocation_target(params, state, qualified, result)
    settings = state.settings or {}
    wanted = wanted_distribution(params, settings, target)
    set_rf = params.replication_factor
    if set_rf is None and target is not None and target.get('replication_factor') \
            and target['replication_factor'] != int(settings.get('replication_factor') or 1):
        set_rf = target['replication_factor']
    after = {'name': qualified, 'type': 'distributed', 'column': column, 'shard_count': wanted['shard_count'],
             'colocation_id': target['colocation_id'] if target else None,
             'replication_factor': wanted['replication_factor']}
    return Distribution(qualified, table_facts(row), int(state.rows or 0), column, target, settings, wanted,
                        set_rf, after)


def colocation_target(params: TableParams, state: TableState, qualified: str,
                      result: TablePlan) -> dict[str, Any] | None:
    """The table colocate_with names (None for default/none), refused when it cannot be colocated with."""
    colocate = (params.colocate_with or 'default').strip()
    if is_keyword(colocate):
        return None
    column = params.column
    target_row = state.target
    if target_row is None:
        raise Refusal(f"colocate_with table {colocate} does not exist: create and distribute it first")
    target = table_facts(target_row)
    if target['type'] != 'distributed':
        raise Refusal(f"colocate_with table {target['name']} is a {target['type']} table, not a hash-distributed "
                      f"table: distribute it first (order the tasks so it comes before {qualified})")
    mine = state.column
    if target_row.get('column_type_oid') is not None and mine['type_oid'] != target_row['column_type_oid']:
        raise Refusal(f"cannot colocate {qualified} with {target['name']}: {qualified}.{column} is {mine['type']} "
                      f"but {target['name']} is distributed by {target['column']} ({target_row['column_type']}); "
                      f"distribute {qualified} by a column of type {target_row['column_type']} that holds the "
                      f"same values as {target['name']}.{target['column']}, or set colocate_with: none")
    rf = params.replication_factor
    if rf is not None and target.get('replication_factor') not in (None, rf):
        raise Refusal(f"replication_factor {rf} differs from the replication factor "
                      f"{target['replication_factor']} of {target['name']}: colocated tables share it; drop "
                      f"replication_factor or make them equal")
    # a column named like the other table's distribution column probably holds its values (order_items.customer_id
    # vs orders.customer_id); 'id' is every table's own key by convention, so it says nothing
    if state.same_column_in_target and column != target['column'] and target['column'] != 'id':
        result.warnings.append(
            f"{qualified} is distributed by {column} while {target['name']} is distributed by {target['column']}, "
            f"and {qualified} also has a column {target['column']}: colocation only helps joins on the "
            f"distribution columns, so check that {column} holds the values of {target['name']}.{target['column']}")
    return target


def plan_create(params: TableParams, state: TableState, dist: Distribution, result: TablePlan) -> TablePlan:
    """A local (or Citus local) table: distribute it."""
    check_nodes(state, dist.wanted['replication_factor'], dist.qualified)
    result.units = create_distributed_units(params, dist.qualified, dist.rows, dist.set_rf, dist.target_name)
    result.after = dist.after
    return result


def plan_alter(params: TableParams, state: TableState, dist: Distribution, result: TablePlan) -> TablePlan:
    """A hash-distributed table with the same replication factor: alter_distributed_table changes it in place."""
    current, target, qualified = dist.current, dist.target, dist.qualified
    shard_count_changes = params.shard_count is not None \
        and params.shard_count != current.get('shard_count')
    colocated = state.colocated or []
    cascade = params.cascade_to_colocated
    if shard_count_changes and colocated and cascade is None:
        raise Refusal(f"{qualified} shares its colocation group with {', '.join(colocated)}: set "
                      f"cascade_to_colocated: true to change their shard count too, or false to break the "
                      f"colocation; nothing was changed")
    alter = citus_call(
        'alter_distributed_table', Cast(qualified, 'regclass'),
        distribution_column=dist.column if current.get('column') != dist.column else None,
        shard_count=params.shard_count if shard_count_changes else None,
        colocate_with=dist.target_name,
        cascade_to_colocated=bool(cascade) if cascade is not None and (shard_count_changes or target is not None)
        else None,
        action='alter')
    keep_rf = current.get('replication_factor') or 1
    if keep_rf != int(dist.settings.get('replication_factor') or 1):
        result.units = [Unit([Statement("SET LOCAL citus.shard_replication_factor = %s", (keep_rf,)), alter],
                             transaction=True)]
    else:
        result.units = [Unit([alter])]
    after = dict(dist.after, replication_factor=keep_rf)
    if params.shard_count is None and target is None:
        after['shard_count'] = current.get('shard_count')  # alter_distributed_table keeps the shard count
    result.after = after
    return result


def plan_recreate(params: TableParams, state: TableState, dist: Distribution, diffs: Differences,
                  result: TablePlan) -> TablePlan:
    """Another kind of table, or a new replication factor: undistribute (rows kept), then distribute again."""
    current = dist.current
    check_foreign_keys(state, dist.qualified, False, why=diffs.text())
    set_rf = dist.set_rf
    if set_rf is None:
        set_rf = current.get('replication_factor') if current['type'] == 'distributed' else None
    result.units = [undistribute_unit(dist.qualified, current['type'])] + create_distributed_units(
        params, dist.qualified, dist.rows, set_rf, dist.target_name)
    result.after = dist.after
    return result


RELKINDS = {'r': 'table', 'p': 'partitioned table', 'f': 'foreign table', 'v': 'view', 'm': 'materialized view',
            'S': 'sequence', 'i': 'index', 'I': 'partitioned index', 'c': 'composite type', 't': 'TOAST table'}


def check_relkind(row: dict[str, Any]) -> None:
    """Only tables can be Citus tables: refuse a view, sequence or index by its name before Citus does."""
    kind = row.get('relkind') or 'r'
    if kind not in ('r', 'p', 'f'):
        raise Refusal(f"{row['qualified']} is a {RELKINDS.get(kind, kind)}, not a table: name a table")


def check_nodes(state: TableState, rf: int | None, qualified: str) -> None:
    nodes = state.nodes or {}
    if 'registered' in nodes and int(nodes['registered']) == 0:
        raise Refusal(f"no node is registered on the coordinator: register the coordinator (pgcitus.cluster.citus_node "
                      f"with coordinator: true) and the workers before distributing {qualified}; distributing now "
                      f"would register the coordinator as localhost and block adding workers")
    if rf is not None and 'shard_nodes' in nodes and rf > int(nodes['shard_nodes']):
        raise Refusal(f"replication_factor {rf} exceeds the {nodes['shard_nodes']} nodes that can hold shards: add "
                      f"workers with pgcitus.cluster.citus_node or lower replication_factor")


def plan_reference(params: TableParams, state: TableState) -> TablePlan:
    row = state.table
    if row is None:
        return missing_table(params, state)
    result = TablePlan()
    current = table_facts(row)
    qualified = row['qualified']
    rows = int(state.rows or 0)
    local_after = {**current, 'type': 'local', 'column': None, 'shard_count': None, 'colocation_id': None,
                   'replication_factor': None}
    if params.state == 'absent':
        if current['type'] == 'reference':
            check_foreign_keys(state, qualified, bool(params.cascade_via_foreign_keys))
            result.units = [undistribute_unit(qualified, 'reference', bool(params.cascade_via_foreign_keys))]
            result.units[0].done = ''
            result.after = local_after
        else:
            if current['type'] not in ('local', 'citus_local'):
                result.warnings.append(f"{qualified} is a {current['type']} table, not a reference table; it was left "
                                       f"as it is (use pgcitus.cluster.citus_distributed_table with state: absent to "
                                       f"make it local)")
            result.after = current
        return result

    if current['type'] == 'reference':
        result.after = current
        return result
    check_relkind(row)
    after = {'name': qualified, 'type': 'reference', 'column': None, 'shard_count': 1, 'colocation_id': None,
             'replication_factor': None}
    create = [Statement("SELECT create_reference_table(%s::regclass)", (qualified,), action='reference')]
    if params.truncate_local_data and rows > 0:
        create.append(Statement("SELECT truncate_local_data_after_distributing_table(%s::regclass)", (qualified,),
                                action='truncate'))
    create_unit = Unit(create, transaction=len(create) > 1)
    if current['type'] in ('local', 'citus_local'):
        check_nodes(state, None, qualified)
        result.units = [create_unit]
        result.after = after
        return result
    if not params.allow_redistribute:
        raise Refusal(f"table {qualified} is a {current['type']} table (distributed by {current.get('column')}): set "
                      f"allow_redistribute: true to turn it into a reference table (rows are kept), nothing was "
                      f"changed")
    check_nodes(state, None, qualified)
    check_foreign_keys(state, qualified, False, why=f"a {current['type']} table into a reference table")
    result.units = [undistribute_unit(qualified, current['type']), create_unit]
    result.after = after
    return result


def read_snapshot(db: CitusDB, params: TableParams, distributed: bool) -> TableState:
    """Catalog reads for a table module (all before any write)."""
    state = TableState(db=params.db, table=read_table(db, params.name))
    row = state.table
    if row is not None and row.get('partmethod') and (params.state == 'absent' or params.allow_redistribute):
        state.foreign_keys = [r['fk'] for r in db.fetchall(FOREIGN_KEYS_QUERY, (row['oid'], row['oid']))]
    if row is None or params.state != 'present':
        return state
    state.nodes = db.fetchone(NODES_QUERY)
    if distributed and row.get('colocationid'):
        state.colocated = [r['name'] for r in db.fetchall(COLOCATED_QUERY, (row['colocationid'], row['oid']))]
    if distributed:
        state.settings = db.fetchone(SETTINGS_QUERY)
        state.column = db.fetchone(COLUMN_QUERY, (row['oid'], params.column))
        colocate = (params.colocate_with or 'default').strip()
        if not is_keyword(colocate):
            state.target = read_table(db, colocate)
            target = state.target
            if target and target.get('column'):
                state.same_column_in_target = db.fetchone(COLUMN_QUERY, (row['oid'], target['column'])) is not None
    return state


def run_table_module(module: Any, validate: Callable[[dict[str, Any]], str | None],
                     plan: Callable[[TableParams, TableState], TablePlan], distributed: bool) -> None:
    """The whole run of citus_distributed_table / citus_reference_table: validate, read, plan, run, report. With
    tables, every table is validated before the one connection is opened, then each is read, planned and changed in
    the order given (a table may be colocated with one before it)."""
    many = module.params.get('tables') is not None
    requests = ([dict(module.params, **table) for table in module.params['tables']] if many
                else [module.params])
    errors = []
    for request in requests:
        error = validate(request)
        if error:
            errors.append(f"{request['name']}: {error}" if many else error)
    if errors:
        module.fail_json(msg=' '.join(errors) + (' Nothing was changed.' if many else ''))
    if not requests:
        module.exit_json(changed=False, tables=[], queries=[])
    db = CitusDB(module, {'table': requests[0]['name']})
    db.require_citus()
    results = []
    for request in requests:
        results.append(run_table(module, db, TableParams.from_params(request), plan, distributed,
                                 done=[r['name'] for r in results if r['changed']] if many else None))
    db.close()
    changed = any(r['changed'] for r in results)
    result: dict[str, Any] = dict(changed=changed, queries=db.queries)
    if many:
        result['tables'] = [dict(name=r['name'], changed=r['changed'], table=r['after'], rows_copied=r['rows'])
                            for r in results]
        if module._diff:
            result['diff'] = dict(before={r['name']: r['before'] for r in results},
                                  after={r['name']: r['after'] for r in results})
    else:
        result.update(table=results[0]['after'], rows_copied=results[0]['rows'])
        if module._diff:
            result['diff'] = dict(before=results[0]['before'], after=results[0]['after'])
    module.exit_json(**result)


def run_table(module: Any, db: CitusDB, params: TableParams, plan: Callable[[TableParams, TableState], TablePlan],
              distributed: bool, done: list[str] | None) -> dict[str, Any]:
    """Read, plan and change one table over the module's connection. done: with tables, the tables changed before
    this one (a refusal names them: they stay changed)."""
    db.context['table'] = params.name
    state = read_snapshot(db, params, distributed)
    before = table_facts(state.table)
    rows = 0
    try:
        result_plan = plan(params, state)
        if result_plan.units:
            # every change copies the rows; count them only then (they also decide truncate_local_data)
            state.rows = rows = count_rows(db, state.table)
            result_plan = plan(params, state)
    except Refusal as exc:
        db.close()
        msg = exc.msg
        if done is not None:
            msg = (f"{params.name}: {msg} (tables changed before it in this run: "
                   f"{', '.join(done) if done else 'none'})")
        module.fail_json(msg=msg, table=before, queries=db.queries)
    for warning in result_plan.warnings:
        module.warn(warning)
    db.context['table'] = state.table['qualified'] if state.table else params.name
    db.run(result_plan.units)
    changed = bool(result_plan.units)
    after = result_plan.after
    if changed and not module.check_mode:
        after = table_facts(read_table(db, params.name))
    return dict(name=params.name, changed=changed, before=before, after=after, rows=rows)
