# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private helpers to start Citus's background rebalancer and follow its job to the end.

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

FOLLOW_HINT = ("follow it with SELECT * FROM citus_rebalance_status(), wait for it with SELECT citus_rebalance_wait(), "
               "or stop it with SELECT citus_rebalance_stop()")


def rebalance_start_statement(drain_only: bool = False, shard_transfer_mode: str | None = None,
                              rebalance_strategy: str | None = None) -> Statement:
    """SELECT citus_rebalance_start(...) with only the arguments that differ from Citus's defaults."""
    return citus_call('citus_rebalance_start', rebalance_strategy=rebalance_strategy or None,
                      drain_only=True if drain_only else None, shard_transfer_mode=shard_transfer_mode or None,
                      action='rebalance')


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
