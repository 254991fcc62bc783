# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Citus's background rebalancer: starting a job and following it to the end (citus_node's drain and the
citus_rebalance module both use these), then the citus_rebalance module's run.

Not a public API. citus_rebalance_start() schedules one background task per shard group move
(``SELECT pg_catalog.citus_move_shard_placement(shardid, source nodeid, target nodeid, 'mode')``) and returns the
job id, or NULL with the NOTICE "No moves available for rebalancing". Only one rebalance job runs at a time: a second
start fails with "A rebalance is already running as job N", and that job is followed instead of starting another.
The job ends as finished, failed or cancelled; its tasks keep Citus's error text in their message.

Everything goes through a CitusDB (plugins/module_utils/_citus.py), the one connection layer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    ModuleParams,
    Refusal,
    Statement,
    StepFailed,
    citus_call,
)
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_errors import error_info, one_line

DEFAULT_TIMEOUT = 3600
ENDED = ('finished', 'cancelled', 'failed')
ALREADY_RUNNING = re.compile(r'A rebalance is already running as job (?P<job>\d+)')
MOVE_COMMAND = re.compile(r'citus_move_shard_placement\((?P<shard>\d+),\s*(?P<source>\d+),\s*(?P<target>\d+)')
POLL_FIRST = 0.1  # seconds before the second look; doubled after each look up to POLL_MAX
POLL_MAX = 2.0

# One look at the job. citus_rebalance_status() shows the newest rebalance job (and is what Citus documents for
# following one); pg_dist_background_job answers for an older job id.
JOB_POLL = (
    "SELECT j.job_id, coalesce(s.state::text, j.state::text) AS state, "
    "(SELECT count(*) FROM pg_catalog.pg_dist_background_task t WHERE t.job_id = j.job_id "
    "AND t.command LIKE '%%citus_move_shard_placement(%%') AS moves_planned, "
    "(SELECT count(*) FROM pg_catalog.pg_dist_background_task t WHERE t.job_id = j.job_id "
    "AND t.command LIKE '%%citus_move_shard_placement(%%' AND t.status::text = 'done') AS moves_done "
    "FROM pg_catalog.pg_dist_background_job j "
    "LEFT JOIN pg_catalog.citus_rebalance_status() s ON s.job_id = j.job_id "
    "WHERE j.job_id = %s"
)
# The tasks of a job with the names of what each move touches (read once, when the job is left).
JOB_TASKS = (
    "SELECT t.task_id, t.status::text AS status, t.command, t.message, t.retry_count, "
    "sh.logicalrelid::regclass::text AS table_name, src.nodename || ':' || src.nodeport AS source, "
    "dst.nodename || ':' || dst.nodeport AS target "
    "FROM pg_catalog.pg_dist_background_task t "
    "LEFT JOIN LATERAL (SELECT regexp_match(t.command, "
    r"'citus_move_shard_placement\((\d+),\s*(\d+),\s*(\d+)') AS m) x ON true "
    "LEFT JOIN pg_catalog.pg_dist_shard sh ON sh.shardid = (x.m)[1]::bigint "
    "LEFT JOIN pg_catalog.pg_dist_node src ON src.nodeid = (x.m)[2]::int "
    "LEFT JOIN pg_catalog.pg_dist_node dst ON dst.nodeid = (x.m)[3]::int "
    "WHERE t.job_id = %s ORDER BY t.task_id"
)

SHARD_TRANSFER_MODES = ('auto', 'force_logical', 'block_writes')


def job_argument_spec() -> dict[str, Any]:
    """The options of a module that runs a rebalance job (citus_rebalance, and citus_node's drain)."""
    return dict(shard_transfer_mode=dict(type='str', choices=list(SHARD_TRANSFER_MODES)),
                timeout=dict(type='int', default=DEFAULT_TIMEOUT))


FOLLOW_HINT = ("follow it with SELECT * FROM citus_rebalance_status(), wait for it with SELECT citus_rebalance_wait(), "
               "or stop it with SELECT citus_rebalance_stop()")


def rebalance_start_statement(drain_only: bool = False, shard_transfer_mode: str | None = None,
                              rebalance_strategy: str | None = None, **parallel: bool | None) -> Statement:
    """SELECT citus_rebalance_start(...) with only the arguments given; parallel: Citus 13.2's
    parallel_transfer_reference_tables / parallel_transfer_colocated_shards (None: not passed)."""
    return citus_call('citus_rebalance_start', rebalance_strategy=rebalance_strategy or None,
                      drain_only=True if drain_only else None, shard_transfer_mode=shard_transfer_mode or None,
                      **parallel, action='rebalance')


class JobFailed(StepFailed):
    """The job failed, was cancelled, or did not end in time; msg says what Citus said and what was moved."""

    def __init__(self, msg: str, report: JobReport):
        super().__init__(msg)
        self.report = report


@dataclass
class JobReport:
    """What one or more followed jobs did."""
    job_id: int | None = None  # the last job followed
    jobs: list[int] = field(default_factory=list)  # every job followed, in order
    started: bool = False  # whether this run started the last job (False: it was already running)
    state: str | None = None
    moves_planned: int = 0
    moves_done: int = 0
    moves: list[dict[str, Any]] = field(default_factory=list)  # the moves done
    pending: list[dict[str, Any]] = field(default_factory=list)  # the moves not done (yet)
    error: str = ''  # Citus's message of the failed (or retrying) task
    seconds: float = 0.0

    def result(self) -> dict[str, Any]:
        return dict(job_id=self.job_id, jobs=list(self.jobs), started=self.started, state=self.state,
                    moves_planned=self.moves_planned,
                    moves_done=self.moves_done, moves=list(self.moves), seconds=round(self.seconds, 1))

    def moves_text(self) -> str:
        if not self.moves:
            return "no move was done"
        listed = ', '.join(f"shard {m['shard']} of {m['table']} from {m['source']} to {m['target']}"
                           for m in self.moves)
        return f"{self.moves_done} of {self.moves_planned} moves done: {listed}"


def _move(task: dict[str, Any]) -> dict[str, Any] | None:
    m = MOVE_COMMAND.search(task.get('command') or '')
    if not m:
        return None
    return dict(shard=int(m.group('shard')), table=task.get('table_name'),
                source=task.get('source') or f"node {m.group('source')}",
                target=task.get('target') or f"node {m.group('target')}")


def read_tasks(db: Any, job_id: int, report: JobReport) -> None:
    """Add the job's moves (done and not) and the error of its failed task to report."""
    errors, retrying = [], []
    for task in db.fetchall(JOB_TASKS, (job_id,)):
        move = _move(task)
        status = task.get('status')
        message = one_line(task.get('message') or '')
        if status == 'error' and message:
            errors.append(message)
        elif message and task.get('retry_count') and status != 'done':
            retrying.append(message)
        if move is None:
            continue
        (report.moves if status == 'done' else report.pending).append(move)
    report.moves_planned = len(report.moves) + len(report.pending)
    report.moves_done = len(report.moves)
    report.error = (errors or retrying or [''])[0]


def follow(db: Any, job_id: int, deadline: float, report: JobReport,
           clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> JobReport:
    """Look at the job until it ends or the deadline (a clock() value) passes; fill report with what it did."""
    interval = POLL_FIRST
    state = None
    while True:
        row = db.fetchone(JOB_POLL, (job_id,))
        state = row['state'] if row else 'missing'
        if state in ENDED or state == 'missing' or clock() >= deadline:
            break
        sleep(max(0.0, min(interval, deadline - clock())))
        interval = min(interval * 2, POLL_MAX)
    report.job_id, report.state = job_id, state
    report.jobs.append(job_id)
    prior = (list(report.moves), list(report.pending))
    report.moves, report.pending = [], []
    read_tasks(db, job_id, report)
    report.moves = prior[0] + report.moves  # moves of a job followed before this one come first
    report.moves_planned += len(prior[0])
    report.moves_done += len(prior[0])
    return report


def job_problem(report: JobReport, timeout: float) -> str | None:
    """Why a followed job is not a success, in words (None when it finished)."""
    job = report.job_id
    said = f": Citus says: {report.error}" if report.error else ''
    if report.state == 'finished':
        return None
    if report.state == 'failed':
        return f"the rebalance job {job} failed{said} ({report.moves_text()})"
    if report.state == 'cancelled':
        return (f"the rebalance job {job} was cancelled (citus_rebalance_stop or citus_job_cancel){said} "
                f"({report.moves_text()})")
    if report.state == 'missing':
        return f"the rebalance job {job} is gone from pg_dist_background_job ({report.moves_text()})"
    last = f"; the last task error: {report.error}" if report.error else ''
    return (f"the rebalance job {job} did not finish within {timeout:g} seconds ({report.moves_text()}{last}): it "
            f"keeps running in the background; {FOLLOW_HINT}; run this task again to follow it to the end")


def start_and_follow(db: Any, statement: Statement, timeout: float,
                     done: Callable[[Any], bool] | None = None,
                     clock: Callable[[], float] = time.monotonic,
                     sleep: Callable[[float], None] = time.sleep) -> JobReport:
    """Start a rebalance (recorded in db.queries) and follow its job until it ends, or follow the one already running.

    After following a job that was already running, done(db) says whether its work covers what was asked (then
    nothing new is started); otherwise the rebalance is started once more. Raises JobFailed when a job fails, is
    cancelled or is still running at the timeout; a DB error of citus_rebalance_start propagates.
    """
    begin = clock()
    deadline = begin + timeout
    report = JobReport()
    for attempt in range(2):
        try:
            rows = db.execute(statement)
        except _citus.DRIVER.error as exc:  # the driver's error class, chosen at run time
            m = ALREADY_RUNNING.search(error_info(exc).primary)
            if not m or attempt:
                raise
            report.started = False
            follow(db, int(m.group('job')), deadline, report, clock, sleep)
            report.seconds = clock() - begin
            problem = job_problem(report, timeout)
            if problem:
                raise JobFailed(problem, report) from None
            if done is None or done(db):
                return report
            continue
        job = next(iter(rows[0].values())) if rows else None
        report.seconds = clock() - begin
        if job is None:  # NOTICE: No moves available for rebalancing
            return report
        report.started = True
        follow(db, int(job), deadline, report, clock, sleep)
        report.seconds = clock() - begin
        problem = job_problem(report, timeout)
        if problem:
            raise JobFailed(problem, report)
        return report
    return report  # pragma: no cover - the loop returns or raises


# --- the citus_rebalance module ----------------------------------------------------------------------------------

# The rebalance job that is not over, if any (Citus runs one at a time).
RUNNING_JOB = ("SELECT job_id, state::text AS state FROM pg_catalog.pg_dist_background_job "
               "WHERE job_type = 'rebalance' AND state::text IN ('scheduled', 'running', 'cancelling', 'failing') "
               "ORDER BY job_id DESC LIMIT 1")
# The moves Citus would make (one row per shard: a move carries the colocated shards along).
PLAN_MOVES = (
    "SELECT table_name::text AS table, shardid AS shard, shard_size AS size, "
    "sourcename || ':' || sourceport AS source, targetname || ':' || targetport AS target "
    "FROM pg_catalog.get_rebalance_table_shards_plan(drain_only => %s, rebalance_strategy => %s) "
    "ORDER BY shardid")
START_ARGUMENTS = ("SELECT coalesce(array_agg(DISTINCT a ORDER BY a), '{}') AS names FROM pg_catalog.pg_proc p, "
                   "unnest(p.proargnames) a WHERE p.proname = 'citus_rebalance_start' "
                   "AND p.pronamespace = 'pg_catalog'::regnamespace")
# Shard placements per primary node: what a rebalance changes, and what the diff shows.
PLACEMENTS = ("SELECT n.nodename || ':' || n.nodeport AS node, count(pl.shardid) AS placements "
              "FROM pg_catalog.pg_dist_node n LEFT JOIN pg_catalog.pg_dist_placement pl ON pl.groupid = n.groupid "
              "WHERE n.noderole = 'primary' GROUP BY n.nodename, n.nodeport ORDER BY 1")
JOB_STATE = "SELECT state::text AS state FROM pg_catalog.pg_dist_background_job WHERE job_id = %s"
STRATEGIES = "SELECT name::text AS name, default_strategy FROM pg_catalog.pg_dist_rebalance_strategy ORDER BY name"
PARALLEL_OPTIONS = ('parallel_transfer_reference_tables', 'parallel_transfer_colocated_shards')
BALANCED_ONLY = ('rebalance_strategy', 'shard_transfer_mode') + PARALLEL_OPTIONS


@dataclass(frozen=True)
class RebalanceParams(ModuleParams):
    """citus_rebalance's options (the argument spec in plugins/modules/citus_rebalance.py)."""
    state: str = 'balanced'
    rebalance_strategy: str | None = None
    drain_only: bool = False
    shard_transfer_mode: str | None = None
    parallel_transfer_reference_tables: bool | None = None
    parallel_transfer_colocated_shards: bool | None = None
    wait: bool = True
    timeout: int = DEFAULT_TIMEOUT

    def parallel(self, server_arguments: list[str]) -> dict[str, bool | None]:
        """The parallel transfer options to pass: those given, when the server's citus_rebalance_start has them."""
        return {name: getattr(self, name) if name in server_arguments else None for name in PARALLEL_OPTIONS}


def validate_rebalance(params: dict[str, Any]) -> str | None:
    """Reject bad option combinations before connecting."""
    if (params.get('timeout') or 0) < 0:
        return f"timeout {params['timeout']} is invalid: give the seconds to follow the job, 0 or more"
    if params.get('state') == 'stopped':
        given = [name for name in BALANCED_ONLY if params.get(name) is not None]
        given += ['drain_only'] if params.get('drain_only') else []
        if given:
            return (f"{', '.join(given)} only appl{'ies' if len(given) == 1 else 'y'} with state: balanced; "
                    f"state: stopped stops the running rebalance job")
    if params.get('rebalance_strategy') is not None and not params['rebalance_strategy'].strip():
        return "rebalance_strategy is empty: name a strategy of pg_dist_rebalance_strategy, or leave it out"
    return None


def check_server(params: RebalanceParams, arguments: list[str], strategies: list[dict[str, Any]],
                 version: str) -> None:
    """Refuse what this server cannot do, before anything runs."""
    missing = [name for name in PARALLEL_OPTIONS if getattr(params, name) and name not in arguments]
    if missing:
        raise Refusal(f"{', '.join(missing)} need Citus 13.2 or later (this server has Citus {version}, whose "
                      f"citus_rebalance_start has no such argument): leave {'it' if len(missing) == 1 else 'them'} "
                      f"out or upgrade Citus")
    names = [row['name'] for row in strategies]
    if params.rebalance_strategy is not None and params.rebalance_strategy not in names:
        raise Refusal(f"rebalance_strategy {params.rebalance_strategy} is not in pg_dist_rebalance_strategy: use one "
                      f"of {', '.join(names)} (or add it with citus_add_rebalance_strategy)")


class Rebalance:
    """The step that starts the rebalance and, with wait, follows its job to the end."""

    def __init__(self, params: RebalanceParams, arguments: list[str]):
        self.params = params
        self.statement = rebalance_start_statement(params.drain_only, params.shard_transfer_mode,
                                                   params.rebalance_strategy, **params.parallel(arguments))
        self.report = JobReport()

    def __call__(self, db: Any) -> None:
        if not self.params.wait:
            rows = db.execute(self.statement)
            job = next(iter(rows[0].values())) if rows else None
            self.report.job_id, self.report.started = job, job is not None
            self.report.state = 'scheduled' if job is not None else None
            return
        try:
            self.report = start_and_follow(db, self.statement, self.params.timeout)
        except JobFailed as exc:
            self.report = exc.report
            raise


def read_placements(db: Any) -> dict[str, int]:
    return {row['node']: int(row['placements']) for row in db.fetchall(PLACEMENTS)}


def placements_after(before: dict[str, int], plan: list[dict[str, Any]]) -> dict[str, int]:
    """The placements per node once the plan's moves are done (what check mode predicts)."""
    after = dict(before)
    for move in plan:
        after[move['source']] = after.get(move['source'], 0) - 1
        after[move['target']] = after.get(move['target'], 0) + 1
    return after


def rebalance_result(report: JobReport, plan: list[dict[str, Any]]) -> dict[str, Any]:
    """What the module returns: the job followed (or started), its moves, and the plan it was asked to carry out."""
    result = report.result()
    result['plan'] = plan
    return result


def exit_module(module: Any, db: Any, changed: bool, report: JobReport, plan: list[dict[str, Any]],
                before: dict[str, int], after: dict[str, int] | None = None) -> None:
    """Close the connection and exit with the result (and, in diff mode, the placements per node before and
    after: read again after a real change, predicted from the plan in check mode)."""
    if module._diff:
        if after is None:
            after = read_placements(db) if changed and not module.check_mode else placements_after(before, plan)
        diff = dict(diff=dict(before=dict(placements=before), after=dict(placements=after)))
    else:
        diff = {}
    db.close()
    module.exit_json(changed=changed, queries=db.queries, **rebalance_result(report, plan), **diff)


def run_rebalance_module(module: Any) -> None:
    """Validate, read the running job and the plan, start (or follow, or stop) the rebalance, and exit."""
    error = validate_rebalance(module.params)
    if error:
        module.fail_json(msg=error)
    params = RebalanceParams.from_params(module.params)
    db = _citus.CitusDB(module, {})
    version = db.require_citus()
    running = db.fetchone(RUNNING_JOB)
    before = read_placements(db) if module._diff else {}
    if params.state == 'stopped':
        stop_running(module, db, running, before)
    arguments = list(db.fetchone(START_ARGUMENTS)['names'] or [])
    try:
        check_server(params, arguments, db.fetchall(STRATEGIES), version)
    except Refusal as exc:
        db.close()
        module.fail_json(msg=exc.msg, queries=[])
    report = JobReport()
    if running is not None:
        report = follow_running(module, db, params, running, before)
    plan = read_plan(db, params)
    if not plan:
        exit_module(module, db, False, report, plan, before, after=before)
    step = Rebalance(params, arguments)
    db.run([_citus.Unit([step.statement], step=step)])
    if report.jobs:  # the job that was running first: its moves come before the new job's
        step.report.jobs = report.jobs + step.report.jobs
        step.report.moves = report.moves + step.report.moves
    exit_module(module, db, module.check_mode or step.report.job_id is not None, step.report, plan, before)


def read_plan(db: Any, params: RebalanceParams) -> list[dict[str, Any]]:
    return [dict(row, shard=int(row['shard']), size=int(row['size'] or 0))
            for row in db.fetchall(PLAN_MOVES, (params.drain_only, params.rebalance_strategy))]


def follow_running(module: Any, db: Any, params: RebalanceParams, running: dict[str, Any],
                   before: dict[str, int]) -> JobReport:
    """A rebalance job is already running: follow it (with wait) instead of starting another. Without wait, or in
    check mode, report it and change nothing."""
    job = int(running['job_id'])
    if module.check_mode or not params.wait:
        exit_module(module, db, False, JobReport(job_id=job, jobs=[job], state=running['state']),
                    read_plan(db, params), before, after=before)
    report = follow(db, job, time.monotonic() + params.timeout, JobReport())
    problem = job_problem(report, params.timeout)
    if problem:
        db.close()
        module.fail_json(msg=problem, queries=db.queries, **rebalance_result(report, []))
    return report


def stop_running(module: Any, db: Any, running: dict[str, Any] | None, before: dict[str, int]) -> None:
    """state: stopped: stop the running rebalance job (the moves done stay done); nothing to do when none runs."""
    if running is None or running['state'] == 'cancelling':
        job = None if running is None else int(running['job_id'])
        exit_module(module, db, False, JobReport(job_id=job, jobs=[job] if job else [],
                                                 state=running and running['state']), [], before, after=before)
    job = int(running['job_id'])
    db.run([_citus.Unit([Statement("SELECT citus_rebalance_stop()", action='stop')])])
    report = JobReport(job_id=job, jobs=[job], state=running['state'])
    if not module.check_mode:
        report.state = db.fetchone(JOB_STATE, (job,))['state']
        read_tasks(db, job, report)
    exit_module(module, db, True, report, [], before, after=before)
