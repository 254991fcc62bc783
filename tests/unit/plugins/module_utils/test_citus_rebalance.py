"""Unit tests of the background rebalancer helpers: starting a job, following it, and what is said when it fails."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import Refusal
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_rebalance import (
    JOB_POLL,
    JOB_TASKS,
    JobFailed,
    JobReport,
    RebalanceParams,
    check_server,
    job_problem,
    placements_after,
    rebalance_start_statement,
    start_and_follow,
    validate_rebalance,
)
from sqltext import plain


class DbError(Exception):
    def __init__(self, msg):
        super().__init__(msg)
        self.diag = type('D', (), {'message_primary': msg, 'message_detail': None, 'message_hint': None})()


def task(task_id, status, shard, message='', retry=None):
    return dict(task_id=task_id, status=status, command=f"SELECT pg_catalog.citus_move_shard_placement({shard},2,4,"
                f"'auto')", message=message, retry_count=retry, table_name='orders', source='w1:5432',
                target='w3:5432')


class FakeJobs:
    """A CitusDB stand-in: citus_rebalance_start answers from `starts`, each look at a job pops from `states`."""

    def __init__(self, starts, states, tasks):
        self.starts = list(starts)
        self.states = {job: list(seq) for job, seq in states.items()}
        self.tasks = tasks
        self.queries: list[str] = []
        self.polls: list[int] = []

    def execute(self, stmt):
        self.queries.append(plain(stmt.query, stmt.params))
        answer = self.starts.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [{'citus_rebalance_start': answer}]

    def fetchone(self, query, params=None):
        assert query == JOB_POLL
        job = params[0]
        self.polls.append(job)
        seq = self.states[job]
        return {'job_id': job, 'state': seq.pop(0) if len(seq) > 1 else seq[0]}

    def fetchall(self, query, params=None):
        assert query == JOB_TASKS
        return self.tasks.get(params[0], [])


class Clock:
    def __init__(self):
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def db_error(monkeypatch):
    monkeypatch.setattr(_citus.DRIVER, 'error', DbError)


DRAIN = rebalance_start_statement(drain_only=True)


@pytest.mark.parametrize('kwargs, text', [
    ({}, 'SELECT citus_rebalance_start()'),
    ({'drain_only': True}, 'SELECT citus_rebalance_start(drain_only => true)'),
    ({'drain_only': True, 'shard_transfer_mode': 'block_writes'},
     "SELECT citus_rebalance_start(drain_only => true, shard_transfer_mode => 'block_writes')"),
    ({'rebalance_strategy': 'by_shard_count'}, "SELECT citus_rebalance_start(rebalance_strategy => 'by_shard_count')"),
    ({'parallel_transfer_reference_tables': True, 'parallel_transfer_colocated_shards': None},
     'SELECT citus_rebalance_start(parallel_transfer_reference_tables => true)'),
    ({'parallel_transfer_reference_tables': False, 'parallel_transfer_colocated_shards': True},
     'SELECT citus_rebalance_start(parallel_transfer_reference_tables => false, '
     'parallel_transfer_colocated_shards => true)'),
])
def test_start_statement(kwargs, text):
    stmt = rebalance_start_statement(**kwargs)
    assert plain(stmt.query, stmt.params) == text


def test_follows_the_job_it_started_until_it_finishes():
    db = FakeJobs([7], {7: ['scheduled', 'running', 'running', 'finished']},
                  {7: [task(1, 'done', 102008), task(2, 'done', 102009)]})
    clock = Clock()
    report = start_and_follow(db, DRAIN, 60, clock=clock, sleep=clock.sleep)
    assert db.queries == ['SELECT citus_rebalance_start(drain_only => true)']
    assert db.polls == [7, 7, 7, 7]
    assert clock.sleeps == [0.1, 0.2, 0.4]  # growing waits between looks
    assert report.result() == dict(job_id=7, jobs=[7], started=True, state='finished', moves_planned=2, moves_done=2,
                                   moves=[dict(shard=102008, table='orders', source='w1:5432', target='w3:5432'),
                                          dict(shard=102009, table='orders', source='w1:5432', target='w3:5432')],
                                   seconds=0.7)


def test_no_moves_available_is_not_a_job():
    db = FakeJobs([None], {}, {})
    report = start_and_follow(db, DRAIN, 60)
    assert report.job_id is None and report.jobs == [] and db.polls == []


def test_a_job_already_running_is_followed_not_started_twice():
    running = DbError('A rebalance is already running as job 5')
    db = FakeJobs([running, 9], {5: ['running', 'finished'], 9: ['finished']},
                  {5: [task(1, 'done', 102010)], 9: [task(2, 'done', 102011)]})
    clock = Clock()
    report = start_and_follow(db, DRAIN, 60, done=lambda d: False, clock=clock, sleep=clock.sleep)
    assert db.queries == ['SELECT citus_rebalance_start(drain_only => true)'] * 2
    assert report.jobs == [5, 9] and report.job_id == 9 and report.started is True
    assert [m['shard'] for m in report.moves] == [102010, 102011] and report.moves_done == report.moves_planned == 2


def test_a_job_already_running_that_did_the_work_is_enough():
    db = FakeJobs([DbError('A rebalance is already running as job 5')], {5: ['finished']}, {})
    report = start_and_follow(db, DRAIN, 60, done=lambda d: True)
    assert report.jobs == [5] and report.started is False and len(db.queries) == 1


def test_another_start_error_propagates():
    db = FakeJobs([DbError('cannot use logical replication to transfer shards of the relation events')], {}, {})
    with pytest.raises(DbError):
        start_and_follow(db, DRAIN, 60)


def test_a_failed_job_says_what_citus_said_and_what_moved():
    db = FakeJobs([3], {3: ['running', 'failed']},
                  {3: [task(1, 'done', 102008), task(2, 'error', 102009, 'ERROR: shard 102009 already exists in the '
                                                                         'target node'),
                       task(3, 'unscheduled', 102010)]})
    clock = Clock()
    with pytest.raises(JobFailed) as err:
        start_and_follow(db, DRAIN, 60, clock=clock, sleep=clock.sleep)
    msg = err.value.msg
    assert msg.startswith('the rebalance job 3 failed: Citus says: ERROR: shard 102009 already exists'), msg
    assert '1 of 3 moves done: shard 102008 of orders from w1:5432 to w3:5432' in msg
    assert err.value.report.moves_done == 1 and '\n' not in msg


def test_a_timeout_says_the_job_keeps_running_and_how_to_follow_or_stop_it():
    db = FakeJobs([4], {4: ['running']}, {4: [task(1, 'done', 102008), task(2, 'running', 102009),
                                              task(3, 'runnable', 102010, 'could not connect', retry=2)]})
    clock = Clock()
    with pytest.raises(JobFailed) as err:
        start_and_follow(db, DRAIN, 5, clock=clock, sleep=clock.sleep)
    msg = err.value.msg
    assert 'the rebalance job 4 did not finish within 5 seconds (1 of 3 moves done: shard 102008' in msg, msg
    assert 'the last task error: could not connect' in msg
    assert 'keeps running in the background' in msg and 'citus_rebalance_status()' in msg
    assert 'citus_rebalance_wait()' in msg and 'citus_rebalance_stop()' in msg
    assert clock.now == pytest.approx(105.0) and sum(clock.sleeps) == pytest.approx(5.0)


def test_timeout_zero_looks_once():
    db = FakeJobs([4], {4: ['running']}, {})
    clock = Clock()
    with pytest.raises(JobFailed):
        start_and_follow(db, DRAIN, 0, clock=clock, sleep=clock.sleep)
    assert db.polls == [4] and clock.sleeps == []


@pytest.mark.parametrize('state, fragment', [
    ('finished', None),
    ('cancelled', 'was cancelled (citus_rebalance_stop or citus_job_cancel)'),
    ('missing', 'is gone from pg_dist_background_job'),
])
def test_job_problem(state, fragment):
    problem = job_problem(JobReport(job_id=2, state=state), 60)
    assert problem is None if fragment is None else fragment in problem


# --- the citus_rebalance module's pure parts -----------------------------------------------------------------------

CITUS_13_2_ARGUMENTS = ['drain_only', 'parallel_transfer_colocated_shards', 'parallel_transfer_reference_tables',
                        'rebalance_strategy', 'shard_transfer_mode']
CITUS_13_1_ARGUMENTS = ['drain_only', 'rebalance_strategy', 'shard_transfer_mode']
STRATEGIES = [{'name': 'by_disk_size', 'default_strategy': False}, {'name': 'by_shard_count', 'default_strategy': True}]


@pytest.mark.parametrize('params, fragment', [
    ({'timeout': -5}, 'timeout -5 is invalid'),
    ({'state': 'stopped', 'drain_only': True}, 'drain_only only applies with state: balanced'),
    ({'state': 'stopped', 'parallel_transfer_colocated_shards': False},
     'parallel_transfer_colocated_shards only applies with state: balanced'),
    ({'state': 'stopped', 'rebalance_strategy': 'by_disk_size', 'shard_transfer_mode': 'auto'},
     'rebalance_strategy, shard_transfer_mode only apply with state: balanced'),
    ({'rebalance_strategy': ''}, 'rebalance_strategy is empty'),
])
def test_validate_rebalance_refuses(params, fragment):
    msg = validate_rebalance({'state': 'balanced', 'timeout': 60, **params})
    assert msg is not None and fragment in msg


@pytest.mark.parametrize('params', [
    {}, {'state': 'stopped'}, {'timeout': 0}, {'drain_only': True, 'shard_transfer_mode': 'block_writes'},
    {'rebalance_strategy': 'by_disk_size', 'parallel_transfer_reference_tables': True},
])
def test_validate_rebalance_accepts(params):
    assert validate_rebalance({'state': 'balanced', 'timeout': 60, **params}) is None


def test_parallel_options_are_passed_only_where_the_server_has_them():
    params = RebalanceParams(parallel_transfer_reference_tables=False)
    assert params.parallel(CITUS_13_2_ARGUMENTS) == {'parallel_transfer_reference_tables': False,
                                                     'parallel_transfer_colocated_shards': None}
    assert params.parallel(CITUS_13_1_ARGUMENTS) == {'parallel_transfer_reference_tables': None,
                                                     'parallel_transfer_colocated_shards': None}


@pytest.mark.parametrize('params, arguments, fragment', [
    (RebalanceParams(parallel_transfer_colocated_shards=True), CITUS_13_1_ARGUMENTS,
     'parallel_transfer_colocated_shards need Citus 13.2 or later (this server has Citus 13.1.0'),
    (RebalanceParams(rebalance_strategy='by_luck'), CITUS_13_2_ARGUMENTS,
     'rebalance_strategy by_luck is not in pg_dist_rebalance_strategy: use one of by_disk_size, by_shard_count'),
])
def test_check_server_refuses(params, arguments, fragment):
    with pytest.raises(Refusal) as err:
        check_server(params, arguments, STRATEGIES, '13.1.0')
    assert fragment in err.value.msg


@pytest.mark.parametrize('params', [
    RebalanceParams(), RebalanceParams(parallel_transfer_colocated_shards=False),
    RebalanceParams(rebalance_strategy='by_disk_size', parallel_transfer_reference_tables=True),
])
def test_check_server_accepts(params):
    check_server(params, CITUS_13_2_ARGUMENTS if params.parallel_transfer_reference_tables else CITUS_13_1_ARGUMENTS,
                 STRATEGIES, '13.2.2')


def test_placements_after_applies_each_planned_move():
    before = {'w1:5432': 16, 'w2:5432': 16, 'w3:5432': 0}
    plan = [{'source': 'w1:5432', 'target': 'w3:5432'}, {'source': 'w2:5432', 'target': 'w3:5432'},
            {'source': 'w1:5432', 'target': 'w3:5432'}]
    assert placements_after(before, plan) == {'w1:5432': 14, 'w2:5432': 15, 'w3:5432': 3}
    assert before['w3:5432'] == 0  # the reading is not changed
