# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The node logic of pgcitus.cluster.citus_node: validation, catalog reads, the plan per case (absent, coordinator,
add, existing), the drain step, and the run. The module file holds only its documentation and argument spec."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    NODE_COLUMNS,
    CitusDB,
    Differences,
    ModuleParams,
    Refusal,
    Statement,
    StepFailed,
    Unit,
    citus_call,
    endpoint,
)
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_rebalance import (
    DEFAULT_TIMEOUT,
    JobFailed,
    JobReport,
    rebalance_start_statement,
    start_and_follow,
)

NODE_BY_ENDPOINT = f"SELECT {NODE_COLUMNS} FROM pg_dist_node WHERE nodename = %s AND nodeport = %s"
COORDINATOR_ROW = (f"SELECT {NODE_COLUMNS} FROM pg_dist_node WHERE groupid = 0 AND noderole = 'primary' "
                   f"ORDER BY nodeid LIMIT 1")
GROUP_PLACEMENTS = (
    "SELECT count(*) AS placements, "
    "coalesce(array_agg(DISTINCT s.logicalrelid::regclass::text ORDER BY s.logicalrelid::regclass::text), "
    "'{}') AS tables, coalesce(max(col.replicationfactor), 0) AS max_rf "
    "FROM pg_dist_placement pl JOIN pg_dist_shard s ON s.shardid = pl.shardid "
    "JOIN pg_dist_partition p ON p.logicalrelid = s.logicalrelid "
    "LEFT JOIN pg_dist_colocation col ON col.colocationid = p.colocationid "
    "WHERE pl.groupid = %s AND p.repmodel <> 't'"
)
SOLE_PLACEMENTS = (
    "SELECT pl.shardid, s.logicalrelid::regclass::text AS table_name FROM pg_dist_placement pl "
    "JOIN pg_dist_shard s ON s.shardid = pl.shardid WHERE pl.groupid = %s AND NOT EXISTS ("
    "SELECT 1 FROM pg_dist_placement o WHERE o.shardid = pl.shardid AND o.groupid <> pl.groupid) "
    "ORDER BY pl.shardid"
)
# Active primaries of other groups that can take shards, and those whose should_have_shards is false while they hold
# placements of distributed tables: citus_rebalance_start(drain_only => true) moves the placements off every node
# that may not have shards (shard_rebalancer.c, MoveShardsAwayFromDisallowedNodes over all placements), so those
# would be drained too. Reference tables and citus local tables are not rebalanced.
OTHER_SHARD_NODES = (
    "SELECT (SELECT count(*) FROM pg_dist_node WHERE isactive AND noderole = 'primary' AND shouldhaveshards "
    "AND groupid <> %s) AS n, coalesce((SELECT array_agg(d.what ORDER BY d.what) FROM (SELECT n.nodename || ':' || "
    "n.nodeport || ' (' || count(*) || ' placements)' AS what FROM pg_dist_node n "
    "JOIN pg_dist_placement pl ON pl.groupid = n.groupid JOIN pg_dist_shard s ON s.shardid = pl.shardid "
    "JOIN pg_dist_partition p ON p.logicalrelid = s.logicalrelid WHERE n.isactive AND n.noderole = 'primary' "
    "AND NOT n.shouldhaveshards AND n.groupid <> %s AND (p.partmethod IN ('h', 'a', 'r') OR (p.partmethod = 'n' "
    "AND p.repmodel <> 't' AND p.colocationid <> 0)) GROUP BY n.nodename, n.nodeport) d), '{}') AS drained"
)



@dataclass(frozen=True)
class NodeParams(ModuleParams):
    """The module's options, once validate() accepted them (the argument spec in plugins/modules/citus_node.py holds
    the same names and defaults)."""
    name: str
    port: int = 5432
    state: str = 'present'
    role: str = 'primary'
    group_id: int | None = None
    primary_name: str | None = None
    primary_port: int = 5432
    cluster: str = 'default'
    should_have_shards: bool | None = None
    coordinator: bool = False
    drain: bool = False
    shard_transfer_mode: str | None = None
    timeout: int = DEFAULT_TIMEOUT

    @property
    def here(self) -> str:
        return endpoint(self.name, self.port)

    @property
    def primary_endpoint(self) -> str:
        return endpoint(self.primary_name or '', self.primary_port)


@dataclass
class NodeState:
    """What the catalogs hold for the request (read_snapshot reads only what the case needs). Rows are pg_dist_node
    rows with NODE_COLUMNS."""
    node: dict[str, Any] | None = None  # the node name:port, if registered
    coordinator: dict[str, Any] | None = None  # the primary of group 0 (coordinator: true)
    primary: dict[str, Any] | None = None  # primary_name:primary_port (a secondary named by its primary)
    placements: int = 0  # placements of the node's group (state: absent)
    tables: list[str] = field(default_factory=list)  # the tables those placements belong to
    max_rf: int = 0  # the highest replication factor among them
    others: int = 0  # active primaries of other groups that should have shards (drain: true)
    drained: list[str] = field(default_factory=list)  # other nodes that a drain would empty too
    sole: list[tuple[int, str]] = field(default_factory=list)  # (shardid, table) held only here (state: disabled)


def validate(params: dict[str, Any]) -> str | None:
    """Reject bad option combinations before connecting. Returns a message or None."""
    name = (params.get('name') or '').strip()
    if not name:
        return "name must be the host name or address of the node, as the coordinator reaches it"
    for opt in ('name', 'primary_name'):
        value = params.get(opt)
        if value and value != value.strip():
            return (f"{opt} {value!r} has spaces around it: remove them (Citus would register them as part of the "
                    f"host name, which no node is reached by)")
    if (params.get('timeout') or 0) < 0:
        return f"timeout {params['timeout']} is invalid: give the seconds to follow the drain, 0 or more"
    for opt in ('port', 'primary_port'):
        value = params.get(opt)
        if value is not None and not 1 <= value <= 65535:
            return f"{opt} {value} is out of range: use 1 to 65535"
    if params.get('group_id') is not None and params.get('primary_name'):
        return "group_id and primary_name are mutually exclusive: give the secondary's group one way"
    if params.get('group_id') is not None and params['group_id'] < 0:
        return f"group_id {params['group_id']} is invalid: use a group id from pg_dist_node (0 is the coordinator)"
    if params.get('drain') and params.get('state') != 'absent':
        return "drain: true only applies with state: absent (it moves the node's shards away before removing it)"
    if params.get('shard_transfer_mode') and not params.get('drain'):
        return "shard_transfer_mode only applies with drain: true"
    if params.get('state') == 'present' and params.get('role') == 'secondary' \
            and params.get('group_id') is None and not params.get('primary_name'):
        return "role: secondary needs group_id or primary_name (the primary it replicates)"
    if params.get('role') == 'primary' and params.get('primary_name'):
        return "primary_name is for role: secondary; a primary has no primary"
    if (params.get('role') == 'primary' or params.get('coordinator')) and params.get('cluster', 'default') != 'default':
        return (f"cluster {params['cluster']} is for secondaries: Citus adds primaries (and the coordinator) to the "
                f"default cluster only")
    if params.get('role') == 'secondary' and params.get('should_have_shards') is not None \
            and params.get('state') != 'absent':
        return "should_have_shards applies to primaries: a secondary serves the shards of its primary's group"
    if params.get('coordinator'):
        if params.get('state') == 'disabled':
            return "the coordinator cannot be disabled (Citus refuses it); use state: present or absent"
        if params.get('role') == 'secondary' or params.get('group_id') not in (None, 0) or params.get('primary_name'):
            return "coordinator: true registers the primary coordinator (group 0): drop role, group_id and primary_name"
    return None


def name_warnings(params: NodeParams) -> list[str]:
    """Names that work only on one machine."""
    if params.state == 'absent' or params.name.strip().lower() != 'localhost':
        return []
    if params.coordinator:
        return ["the coordinator is registered as localhost: Citus then refuses to add workers; use the name the "
                "workers reach the coordinator by, unless this is a single-node cluster"]
    return ["node name localhost means a different server to every node: use the name the coordinator and the other "
            "workers reach it by"]


def new_node(params: NodeParams, groupid: int | None) -> dict[str, Any]:
    """The node as it will be once added (values only Citus knows are None)."""
    shards = params.should_have_shards
    if shards is None:
        # Citus adds every node with shouldhaveshards true (secondaries too), the coordinator with false
        shards = not params.coordinator
    return {
        'nodeid': None,
        'groupid': 0 if params.coordinator else groupid,
        'name': params.name,
        'port': params.port,
        'role': 'primary' if params.coordinator else params.role,
        'cluster': params.cluster,
        'isactive': True,
        'should_have_shards': shards,
        'hasmetadata': None,
        'metadatasynced': None,
    }


def mismatches(params: NodeParams, node: dict[str, Any], wanted_group: int | None) -> Differences:
    """What differs between a registered node and the request (the group only when one was asked for)."""
    diffs = Differences()
    diffs.compare('role', params.role, node['role'])
    diffs.compare('groupid', wanted_group, node['groupid'], label='group')
    diffs.compare('cluster', params.cluster, node['cluster'])
    return diffs


def property_statement(name: str, port: int, value: bool) -> Statement:
    return Statement("SELECT citus_set_node_property(%s, %s, 'shouldhaveshards', %s)", (name, port, value),
                     action='property')


class Drain:
    """The drain step: start the background rebalancer in drain_only mode (or follow the rebalance job already
    running), follow it, then check that no placement of a distributed table is left on the node."""

    def __init__(self, here: str, groupid: int, params: NodeParams):
        self.here, self.groupid = here, groupid
        self.timeout = params.timeout
        self.statement = rebalance_start_statement(drain_only=True, shard_transfer_mode=params.shard_transfer_mode)
        self.statement.action = 'drain'
        self.report: JobReport | None = None

    def left(self, db: CitusDB) -> dict[str, Any]:
        return db.fetchone(GROUP_PLACEMENTS, (self.groupid,)) or {'placements': 0, 'tables': []}

    def __call__(self, db: CitusDB) -> None:
        try:
            self.report = start_and_follow(db, self.statement, self.timeout,
                                           done=lambda d: not int(self.left(d)['placements']))
        except JobFailed as exc:
            self.report = exc.report
            raise
        row = self.left(db)
        if int(row['placements']):
            job = (f"the rebalance job {self.report.job_id} finished ({self.report.moves_text()})"
                   if self.report.job_id is not None else "Citus's rebalancer found no moves")
            raise StepFailed(f"{job} but {row['placements']} shard placements are still on {self.here} (tables: "
                             f"{', '.join(row['tables'] or [])}): no other node may take them (see the warnings); add "
                             f"a worker or set should_have_shards: true on one, then run this task again")

    def result(self) -> dict[str, Any]:
        if self.report is None:  # check mode: Citus plans the moves only when the job starts
            return dict(job_id=None, jobs=[], started=False, state=None, moves_planned=None, moves_done=0, moves=[],
                        seconds=0)
        return self.report.result()


def plan(params: NodeParams, state: NodeState) -> tuple[list[Unit], dict[str, Any]]:
    """Decide what to run, by case. Returns (units, predicted node after). Raises Refusal when the request cannot be
    met safely."""
    node = state.node
    if params.state == 'absent':
        return ([], {}) if node is None else plan_absent(params, state, node)
    wanted_group = wanted_group_id(params, state)
    if node is None:
        return plan_coordinator(params, state) if params.coordinator else plan_add(params, wanted_group)
    return plan_existing(params, state, node, wanted_group)


def wanted_group_id(params: NodeParams, state: NodeState) -> int | None:
    """The group asked for: group_id, or the primary's group for a secondary named by its primary."""
    if not params.primary_name:
        return params.group_id
    if state.primary is None:
        raise Refusal(f"primary {params.primary_endpoint} of secondary {params.here} is not registered: add it first "
                      f"with pgcitus.cluster.citus_node")
    return state.primary['groupid']


def plan_absent(params: NodeParams, state: NodeState, node: dict[str, Any]) -> tuple[list[Unit], dict[str, Any]]:
    """Remove a registered node; with drain: true, move its placements off it first through the rebalancer."""
    name, port, here = params.name, params.port, params.here
    units: list[Unit] = []
    if params.coordinator and node['groupid'] != 0:
        raise Refusal(f"node {here} is a worker in group {node['groupid']}, not the coordinator: "
                      f"drop coordinator: true to remove it")
    placements = int(state.placements or 0) if node['role'] == 'primary' else 0
    if placements:
        check_drain(params, state, placements)
        set_false = bool(node['should_have_shards'])
        if set_false:
            units.append(Unit([property_statement(name, port, False)],
                              done=f"should_have_shards of {here} was set to false (committed on its own, so new "
                                   f"shards stay off it; set should_have_shards: true to undo)"))
        drain = Drain(here, node['groupid'], params)
        units.append(Unit([drain.statement], step=drain,
                          done=f"every shard placement of a distributed table was moved off {here}",
                          partial=f"the moves done stay done and {here} is still registered"
                                  + ('' if set_false else f"; should_have_shards of {here} is false")))
    units.append(Unit([Statement("SELECT citus_remove_node(%s, %s)", (name, port), action='remove')]))
    return units, {}


def check_drain(params: NodeParams, state: NodeState, placements: int) -> None:
    """A node that holds placements is removed only through a drain that can put them elsewhere."""
    here, tables = params.here, ', '.join(state.tables)
    if not params.drain:
        raise Refusal(f"node {here} holds {placements} shard placements (tables: {tables}): use drain: true "
                      f"to move its shards first, nothing was changed")
    others = int(state.others or 0)
    needed = max(int(state.max_rf or 1), 1)
    if others < needed:
        raise Refusal(f"node {here} holds {placements} shard placements (tables: {tables}) and only {others} "
                      f"other active node(s) with should_have_shards can take them ({needed} needed for the "
                      f"replication factor): add a worker first, nothing was changed")
    if state.drained:
        raise Refusal(f"node {here} cannot be drained alone: Citus's drain (citus_rebalance_start with "
                      f"drain_only) moves the placements off every node whose should_have_shards is false, and "
                      f"{', '.join(state.drained)} has should_have_shards false too: set should_have_shards: true on "
                      f"it first (or drain it as well), nothing was changed")


def plan_coordinator(params: NodeParams, state: NodeState) -> tuple[list[Unit], dict[str, Any]]:
    """Register (or rename) the coordinator, group 0, with citus_set_coordinator_host."""
    name, port = params.name, params.port
    coord = state.coordinator
    statements = [Statement("SELECT citus_set_coordinator_host(%s, %s)", (name, port), action='coordinator')]
    after = dict(coord) if coord else new_node(params, 0)
    after.update(name=name, port=port)
    wanted = params.should_have_shards
    current = coord['should_have_shards'] if coord else False
    if wanted is not None and wanted != current:
        statements.append(property_statement(name, port, wanted))
        after['should_have_shards'] = wanted
    return [Unit(statements, transaction=len(statements) > 1)], after


def plan_add(params: NodeParams, wanted_group: int | None) -> tuple[list[Unit], dict[str, Any]]:
    """Add a node that is not registered: a primary worker, or a secondary of a registered primary."""
    name, port = params.name, params.port
    if params.state == 'disabled':
        raise Refusal(f"node {params.here} is not registered, so it cannot be disabled: add it with state: present "
                      f"first")
    cluster = None if params.cluster == 'default' else params.cluster
    if params.role == 'secondary' and params.primary_name:
        statements = [citus_call('citus_add_secondary_node', name, port, params.primary_name, params.primary_port,
                                 nodecluster=cluster, action='add')]
    else:
        statements = [citus_call('citus_add_node', name, port, groupid=wanted_group,
                                 noderole=None if params.role == 'primary' else params.role,
                                 nodecluster=cluster, action='add')]
    if params.role == 'primary' and params.should_have_shards is False:
        statements.append(property_statement(name, port, False))
    return [Unit(statements, transaction=len(statements) > 1)], new_node(params, wanted_group)


def plan_existing(params: NodeParams, state: NodeState, node: dict[str, Any], wanted_group: int | None
                  ) -> tuple[list[Unit], dict[str, Any]]:
    """A registered node: refuse what cannot change in place, then activate, disable or set should_have_shards."""
    name, port, here = params.name, params.port, params.here
    units: list[Unit] = []
    check_registered_as(params, node, wanted_group)
    after = dict(node)
    if params.state == 'present' and not node['isactive']:
        units.append(Unit([Statement("SELECT citus_activate_node(%s, %s)", (name, port), action='activate')],
                          done=f"node {here} was activated"))
        after['isactive'] = True
    if params.state == 'disabled' and node['isactive']:
        if node['role'] == 'primary' and state.sole:
            shardid, table = state.sole[0]
            raise Refusal(f"node {here} holds the only placement of {len(state.sole)} shard(s) (first: shard "
                          f"{shardid} of {table}): move its shards away first (state: absent with drain: true) or "
                          f"add replicas; nothing was changed")
        units.append(Unit([citus_call('citus_disable_node', name, port, synchronous=True, action='disable')],
                          done=f"node {here} was disabled"))
        after['isactive'] = False
    wanted = params.should_have_shards
    if wanted is not None and wanted != node['should_have_shards']:
        units.append(Unit([property_statement(name, port, wanted)]))
        after['should_have_shards'] = wanted
    return units, after


def check_registered_as(params: NodeParams, node: dict[str, Any], wanted_group: int | None) -> None:
    """The role, group and cluster of a registered node cannot change in place: refuse a request that differs."""
    here = params.here
    if params.coordinator and node['groupid'] != 0:
        raise Refusal(f"node {here} is registered as a worker in group {node['groupid']}, not as the coordinator: "
                      f"remove it first (state: absent) to register it as the coordinator")
    if not params.coordinator and node['groupid'] == 0 and node['role'] == 'primary':
        if params.state == 'disabled':
            raise Refusal(f"node {here} is the coordinator, which cannot be disabled")
        raise Refusal(f"node {here} is registered as the coordinator (group 0): set coordinator: true to manage it")
    diffs = Differences() if params.coordinator else mismatches(params, node, wanted_group)
    if diffs:
        raise Refusal(f"node {here} is registered differently: {diffs.text()}. The role, group and cluster of a "
                      f"registered node cannot be changed in place: remove it (state: absent, with drain: true if it "
                      f"holds shards) and add it again")


def read_snapshot(db: CitusDB, params: NodeParams) -> NodeState:
    """The catalog reads the request's case needs, all before any write."""
    state = NodeState(node=db.fetchone(NODE_BY_ENDPOINT, (params.name, params.port)))
    if params.coordinator:
        state.coordinator = db.fetchone(COORDINATOR_ROW)
    if params.primary_name and params.state != 'absent':
        state.primary = db.fetchone(NODE_BY_ENDPOINT, (params.primary_name, params.primary_port))
    node = state.node
    if node is None or node['role'] != 'primary':
        return state
    if params.state == 'absent':
        row = db.fetchone(GROUP_PLACEMENTS, (node['groupid'],))
        state.placements, state.tables, state.max_rf = row['placements'], list(row['tables'] or []), row['max_rf']
        if row['placements'] and params.drain:
            others = db.fetchone(OTHER_SHARD_NODES, (node['groupid'], node['groupid']))
            state.others, state.drained = others['n'], list(others['drained'] or [])
    elif params.state == 'disabled' and node['isactive']:
        state.sole = [(r['shardid'], r['table_name']) for r in db.fetchall(SOLE_PLACEMENTS, (node['groupid'],))]
    return state


def run_node_module(module: Any) -> None:
    """Validate, read the catalogs, plan, run (or render in check mode), and exit the module. With nodes, every node
    is validated before the one connection is opened, then each is read, planned and changed in the order given."""
    many = module.params.get('nodes') is not None
    requests = [dict(module.params, **node) for node in module.params['nodes']] if many else [module.params]
    errors = []
    for request in requests:
        error = validate(request)
        if error:
            errors.append(f"{endpoint(str(request.get('name')), request.get('port') or 5432)}: {error}" if many
                          else error)
    if errors:
        module.fail_json(msg=' '.join(errors) + (' Nothing was changed.' if many else ''))
    if not requests:
        module.exit_json(changed=False, nodes=[], queries=[])
    nodes = [NodeParams.from_params(request) for request in requests]
    for params in nodes:
        for warning in name_warnings(params):
            module.warn(f"{params.here}: {warning}" if many else warning)
    db = CitusDB(module, {'node': nodes[0].here})
    db.require_citus()
    results = []
    for params in nodes:
        results.append(run_node(module, db, params,
                                done=[r['here'] for r in results if r['changed']] if many else None))
    db.close()
    result: dict[str, Any] = dict(changed=any(r['changed'] for r in results), queries=db.queries)
    if many:
        result['nodes'] = [dict(name=r['name'], port=r['port'], changed=r['changed'], node=r['after'],
                                **({'drain': r['drain']} if 'drain' in r else {})) for r in results]
        if module._diff:
            result['diff'] = dict(before={r['here']: r['before'] for r in results},
                                  after={r['here']: r['after'] for r in results})
    else:
        result['node'] = results[0]['after']
        if 'drain' in results[0]:
            result['drain'] = results[0]['drain']
        if module._diff:
            result['diff'] = dict(before=results[0]['before'], after=results[0]['after'])
    module.exit_json(**result)


def run_node(module: Any, db: CitusDB, params: NodeParams, done: list[str] | None) -> dict[str, Any]:
    """Read, plan and change one node over the module's connection. done: with nodes, the nodes changed before this
    one (a refusal names them: they stay changed)."""
    db.context['node'] = params.here
    state = read_snapshot(db, params)
    before = state.node or {}
    if params.coordinator and params.state != 'absent' and not state.node and state.coordinator:
        before = state.coordinator
    try:
        units, after = plan(params, state)
    except Refusal as exc:
        db.close()
        msg = exc.msg
        if done is not None:
            msg = f"{params.here}: {msg} (nodes changed before it in this run: {', '.join(done) or 'none'})"
        module.fail_json(msg=msg, node=before, queries=db.queries if done is not None else [])
    db.run(units)
    changed = bool(units)
    if changed and not module.check_mode:
        after = db.fetchone(NODE_BY_ENDPOINT, (params.name, params.port)) or {}
    result: dict[str, Any] = dict(here=params.here, name=params.name, port=params.port, changed=changed,
                                  before=before, after=after)
    drains = [unit.step for unit in units if isinstance(unit.step, Drain)]
    if drains:
        result['drain'] = drains[0].result()
    return result
