# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The clone logic of pgcitus.cluster.citus_clone_node: a streaming replica of a worker registered as its clone
(citus_add_clone_node), and promoted with Citus 13.2's snapshot-based split (citus_promote_clone_and_rebalance). The
module file holds only its documentation and argument spec; docs/snapshot-scale-out.md says what Citus checks."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    DRIVER,
    NODE_COLUMNS,
    CitusDB,
    ModuleParams,
    Refusal,
    Statement,
    StepFailed,
    Unit,
    citus_call,
    endpoint,
)
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_errors import error_info, translate_error

CLONE_BY_ENDPOINT = (f"SELECT {NODE_COLUMNS}, nodeisclone AS clone, nodeprimarynodeid AS primary_nodeid "
                     f"FROM pg_dist_node WHERE nodename = %s AND nodeport = %s")
HAS_CLONE_FUNCTIONS = "SELECT to_regproc('pg_catalog.citus_add_clone_node') IS NOT NULL AS present"
# What the promotion would move, read before it: Citus looks the strategy up only after pg_promote(), so a wrong
# name must fail here, while the replica still streams (docs/snapshot-scale-out.md).
SPLIT_PLAN = ("SELECT table_name::text AS table, shardid AS shard, shard_size AS size, "
              "CASE placement_node WHEN 'Clone Node' THEN 'clone' ELSE 'primary' END AS placement "
              "FROM get_snapshot_based_node_split_plan(%s, %s, %s, %s, %s) ORDER BY 4, 2")
CLONE_ID = "(SELECT nodeid FROM pg_dist_node WHERE nodename = %s AND nodeport = %s)"


@dataclass(frozen=True)
class CloneParams(ModuleParams):
    name: str
    port: int = 5432
    primary_name: str | None = None
    primary_port: int = 5432
    state: str = 'promoted'
    rebalance_strategy: str | None = None
    catchup_timeout: int = 300
    cleanup: bool = True

    @property
    def here(self) -> str:
        return endpoint(self.name, self.port)

    @property
    def primary(self) -> str:
        return endpoint(self.primary_name or '', self.primary_port)


def validate(params: dict[str, Any]) -> str | None:
    """The options' own problems, before any connection."""
    if not (params.get('name') or '').strip():
        return "name is empty: set it to the replica's host name, as the coordinator and the primary reach it"
    for option in ('port', 'primary_port'):
        if not 1 <= params[option] <= 65535:
            return f"{option} {params[option]} is not a TCP port (1 to 65535)"
    if params['state'] != 'absent':
        if not (params.get('primary_name') or '').strip():
            return (f"primary_name is required with state {params['state']}: set it to the registered worker whose "
                    f"streaming replica {params['name']} is")
        if (params['primary_name'], params['primary_port']) == (params['name'], params['port']):
            return (f"name and primary_name are the same node ({endpoint(params['name'], params['port'])}): the clone "
                    f"is a streaming replica of that worker, on another host or port")
    if params['catchup_timeout'] < 1:
        return f"catchup_timeout {params['catchup_timeout']} is not a number of seconds (1 or more)"
    return None


def promote_statement(params: CloneParams) -> Statement:
    """citus_promote_clone_and_rebalance, the clone found by name, so that check mode can show it before the clone is
    registered."""
    named = [('rebalance_strategy', params.rebalance_strategy), ('catchup_timeout_seconds', params.catchup_timeout)]
    parts = [CLONE_ID] + [f"{name} => %s" for name, value in named if value is not None]
    values = (params.name, params.port) + tuple(value for _, value in named if value is not None)
    return Statement(f"SELECT citus_promote_clone_and_rebalance({', '.join(parts)})", values, action='promote')


@dataclass
class Promotion:
    """The promotion step: the split plan (which checks the strategy, changing nothing), then the promotion, then the
    deferred drops of each node's copy of the other's shards."""
    params: CloneParams
    plan: list[dict[str, Any]] | None = None
    seconds: float = 0.0

    def statements(self) -> list[Statement]:
        cleanup = Statement('CALL citus_cleanup_orphaned_resources()', action='cleanup')
        return [promote_statement(self.params)] + ([cleanup] if self.params.cleanup else [])

    def __call__(self, db: CitusDB) -> None:
        started = time.monotonic()
        try:
            db.cursor.execute(SPLIT_PLAN, plan_params(self.params))
            names = [d[0] for d in db.cursor.description]
            self.plan = [dict(zip(names, row, strict=True)) for row in db.cursor.fetchall()]
        except DRIVER.error as exc:
            raise StepFailed(translate_error(error_info(exc), {**db.context, 'action': 'split'})) from exc
        for statement in self.statements():
            db.execute(statement)
        self.seconds = round(time.monotonic() - started, 1)


def plan_params(params: CloneParams) -> tuple[Any, ...]:
    return params.primary_name, params.primary_port, params.name, params.port, params.rebalance_strategy


def describe(node: dict[str, Any]) -> str:
    if node['clone']:
        return f"an inactive clone of node id {node['primary_nodeid']}"
    return f"a{'n active' if node['isactive'] else 'n inactive'} {node['role']} node of group {node['groupid']}"


def plan_absent(params: CloneParams, node: dict[str, Any] | None) -> list[Unit]:
    if node is None:
        return []
    if not node['clone'] or node['isactive']:
        raise Refusal(f"node {params.here} is {describe(node)}, not a clone that was never promoted: state absent "
                      f"only forgets such clones; remove a worker with pgcitus.cluster.citus_node (state: absent, "
                      f"drain: true)")
    return [Unit([citus_call('citus_remove_clone_node', params.name, params.port, action='remove_clone')])]


def plan_clone(params: CloneParams, node: dict[str, Any] | None, primary: dict[str, Any] | None
               ) -> tuple[list[Unit], Promotion | None]:
    """present: registered as the clone of primary; promoted: registered, then promoted (the split)."""
    if node is not None and not node['clone'] and node['role'] == 'primary' and node['isactive']:
        return [], None  # promoted already (or a worker of its own): nothing left to do
    if node is not None and not node['clone']:
        raise Refusal(f"node {params.here} is registered as {describe(node)}, not as a clone: remove it with "
                      f"pgcitus.cluster.citus_node (state: absent) before registering it as a clone")
    if primary is None:
        raise Refusal(f"primary {params.primary} is not registered on the coordinator: set primary_name and "
                      f"primary_port to the worker that {params.name} streams from")
    if node is not None and node['primary_nodeid'] != primary['nodeid']:
        raise Refusal(f"node {params.here} is registered as the clone of node id {node['primary_nodeid']}, not of "
                      f"{params.primary} (node id {primary['nodeid']}): set primary_name and primary_port to its "
                      f"primary, or forget the clone with state: absent")
    if primary['role'] != 'primary' or not primary['isactive'] or not primary['should_have_shards'] \
            or primary['groupid'] == 0:
        coordinator = ' (the coordinator)' if primary['groupid'] == 0 else ''
        raise Refusal(f"{params.primary} is {describe(primary)}{coordinator}"
                      f"{'' if primary['should_have_shards'] else ' that may not have shards'}: a clone needs an "
                      f"active worker that holds shards as its primary")
    units = []
    if node is None:
        units.append(Unit([citus_call('citus_add_clone_node', params.name, params.port, params.primary_name,
                                      params.primary_port, action='clone')],
                          done=f"{params.here} registered as the clone of {params.primary}"))
    if params.state != 'promoted':
        return units, None
    promotion = Promotion(params)
    units.append(Unit(promotion.statements(), step=promotion,
                      partial=(f"if Citus says {params.here} was promoted, it no longer streams from "
                               f"{params.primary}: forget the clone (state: absent) and make a new replica")))
    return units, promotion


def run_clone_module(module: Any) -> None:
    """Validate, read the catalogs, plan, run (or render in check mode), and exit the module."""
    error = validate(module.params)
    if error:
        module.fail_json(msg=error)
    params = CloneParams.from_params(module.params)
    db = CitusDB(module, {'node': params.here})
    version = db.require_citus()
    if not db.fetchone(HAS_CLONE_FUNCTIONS)['present']:
        db.close()
        module.fail_json(msg=f"Citus {version} has no clone nodes (citus_add_clone_node came with Citus 13.2): "
                             f"upgrade Citus, or scale out with pgcitus.cluster.citus_node and citus_rebalance")
    node = db.fetchone(CLONE_BY_ENDPOINT, (params.name, params.port))
    before = node or {}
    promotion = None
    try:
        if params.state == 'absent':
            units = plan_absent(params, node)
        else:
            primary = db.fetchone(CLONE_BY_ENDPOINT, (params.primary_name, params.primary_port))
            units, promotion = plan_clone(params, node, primary)
    except Refusal as exc:
        db.close()
        module.fail_json(msg=exc.msg, node=before, queries=[])
    plan: list[dict[str, Any]] = []
    if promotion is not None and module.check_mode and node is not None:
        # Citus plans the split of a registered clone only
        plan = db.fetchall(SPLIT_PLAN, plan_params(params), action='split')
    db.run(units)
    if promotion is not None and promotion.plan is not None:
        plan = promotion.plan
    changed = bool(units)
    after = before
    if changed and not module.check_mode:
        after = db.fetchone(CLONE_BY_ENDPOINT, (params.name, params.port)) or {}
    db.close()
    promoted = bool(after) and not after.get('clone') and after.get('role') == 'primary' and bool(after.get('isactive'))
    result: dict[str, Any] = dict(changed=changed, node=after, plan=plan, promoted=promoted,
                                  seconds=promotion.seconds if promotion else 0.0, queries=db.queries)
    if module._diff:
        result['diff'] = dict(before=before, after=after)
    module.exit_json(**result)
