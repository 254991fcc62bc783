"""Unit tests of the shared Citus module helpers: connection kwargs, rendering, execution (the error translation is in
test_citus_errors.py)."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    Statement,
    Unit,
    conn_kwargs,
    table_facts,
    table_type,
)
from sqltext import plain


def params(**over):
    base = dict(db=None, login_user='postgres', login_password='', login_host='', login_unix_socket='',
                login_port=5432, ssl_mode='prefer', ca_cert=None, ssl_cert=None, ssl_key=None, connect_params={})
    base.update(over)
    return base


@pytest.mark.parametrize('over, expected', [
    ({}, {'user': 'postgres', 'port': 5432, 'sslmode': 'prefer'}),
    ({'db': 'app', 'login_host': '10.0.0.1', 'login_password': 's3cret'},
     {'dbname': 'app', 'host': '10.0.0.1', 'password': 's3cret', 'user': 'postgres', 'port': 5432,
      'sslmode': 'prefer'}),
    ({'login_unix_socket': '/run/postgresql'},
     {'host': '/run/postgresql', 'user': 'postgres', 'port': 5432, 'sslmode': 'prefer'}),
    ({'login_unix_socket': '/run/postgresql', 'login_host': 'db1'},
     {'host': 'db1', 'user': 'postgres', 'port': 5432, 'sslmode': 'prefer'}),
    ({'ca_cert': '/ca.pem', 'ssl_cert': '/c.pem', 'ssl_key': '/k.pem', 'ssl_mode': 'verify-full'},
     {'sslrootcert': '/ca.pem', 'sslcert': '/c.pem', 'sslkey': '/k.pem', 'sslmode': 'verify-full', 'user': 'postgres',
      'port': 5432}),
    ({'connect_params': {'connect_timeout': 5, 'sslmode': 'disable'}},
     {'user': 'postgres', 'port': 5432, 'sslmode': 'disable', 'connect_timeout': 5}),
])
def test_conn_kwargs(over, expected):
    assert conn_kwargs(params(**over)) == expected


def test_common_spec_has_community_postgresql_names():
    spec = _citus.citus_common_argument_spec()
    assert spec['db']['aliases'] == ['login_db']
    assert spec['login_password']['no_log'] is True
    assert spec['login_user']['default'] == 'postgres'
    assert spec['login_port']['default'] == 5432
    assert spec['ca_cert']['aliases'] == ['ssl_rootcert']
    assert set(spec) == {'db', 'login_user', 'login_password', 'login_host', 'login_unix_socket', 'login_port',
                         'ssl_mode', 'ca_cert', 'ssl_cert', 'ssl_key', 'connect_params'}


@pytest.mark.parametrize('query, args, expected', [
    ("SELECT citus_add_node(%s, %s)", ('w1', 5432), "SELECT citus_add_node('w1', 5432)"),
    ("SELECT create_reference_table(%s::regclass)", ("public.o'brien",),
     "SELECT create_reference_table('public.o''brien'::regclass)"),
    ("SELECT citus_set_node_property(%s, %s, 'shouldhaveshards', %s)", ('w1', 5432, False),
     "SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)"),
    ('BEGIN', None, 'BEGIN'),
])
def test_plain(query, args, expected):
    assert plain(query, args) == expected


@pytest.mark.parametrize('partmethod, repmodel, colocationid, expected', [
    (None, None, None, 'local'),
    ('h', 's', 3, 'distributed'),
    ('h', 'c', 3, 'distributed'),
    ('n', 't', 1, 'reference'),
    ('n', 's', 0, 'citus_local'),
    ('n', 's', 7, 'single_shard'),
    ('a', 'c', 0, 'append'),
    ('r', 'c', 0, 'range'),
])
def test_table_type(partmethod, repmodel, colocationid, expected):
    assert table_type(partmethod, repmodel, colocationid) == expected


def test_table_facts():
    assert table_facts(None) == {}
    row = dict(qualified='public.orders', partmethod='h', repmodel='s', colocationid=2, column='customer_id',
               shard_count=32, replication_factor=2)
    assert table_facts(row) == {'name': 'public.orders', 'type': 'distributed', 'column': 'customer_id',
                                'shard_count': 32, 'colocation_id': 2, 'replication_factor': 2}
    ref = dict(qualified='public.customers', partmethod='n', repmodel='t', colocationid=1, column=None,
               shard_count=1, replication_factor=-1)
    assert table_facts(ref)['replication_factor'] is None
    assert table_facts(ref)['type'] == 'reference'
    local = dict(qualified='public.t', partmethod=None, repmodel=None, colocationid=None, column=None,
                 shard_count=0, replication_factor=None)
    assert table_facts(local) == {'name': 'public.t', 'type': 'local', 'column': None, 'shard_count': None,
                                  'colocation_id': None, 'replication_factor': None}


# ---- CitusDB.run with a fake driver -------------------------------------------------------------------------------

class FakeError(Exception):
    def __init__(self, msg):
        super().__init__(msg)
        self.diag = type('D', (), {'message_primary': msg, 'message_detail': None, 'message_hint': None})()
        self.pgcode = 'XX000'


class FakeCursor:
    def __init__(self, conn):
        self.conn = conn
        self.description = None

    def mogrify(self, query, params=None):
        return plain(query, params).encode()

    def execute(self, query, params=None):
        text = plain(query, params)
        self.conn.executed.append(text)
        self.conn.notices.extend(self.conn.notices_for.get(text, []))
        for bad in self.conn.fail_on:
            if bad in text:
                raise FakeError(self.conn.fail_on[bad])


class FakeConn:
    def __init__(self):
        self.executed: list[str] = []
        self.fail_on: dict[str, str] = {}
        self.notices: list[str] = []
        self.notices_for: dict[str, list[str]] = {}
        self.autocommit = False
        self.closed = False

    def cursor(self):
        return FakeCursor(self)

    def close(self):
        self.closed = True


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode
        self.params = params(db='app')
        self.failed = None
        self.warnings: list[str] = []

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, **kw):
        self.failed = kw
        raise Failed(kw['msg'])


@pytest.fixture
def fake(monkeypatch):
    conn = FakeConn()
    monkeypatch.setattr(_citus.DRIVER, 'name', 'psycopg2')
    monkeypatch.setattr(_citus.psycopg2, 'connect', lambda **kw: conn)
    monkeypatch.setattr(_citus.DRIVER, 'error', FakeError)
    return conn


UNITS = [
    Unit([Statement("SELECT undistribute_table(%s::regclass)", ('public.t',), action='undistribute')],
         done='public.t is now a local table'),
    Unit([Statement("SET LOCAL citus.shard_replication_factor = %s", (2,)),
          Statement("SELECT create_distributed_table(%s::regclass, %s)", ('public.t', 'id'), action='distribute')],
         transaction=True),
]
RENDERED = ["SELECT undistribute_table('public.t'::regclass)", 'BEGIN',
            'SET LOCAL citus.shard_replication_factor = 2',
            "SELECT create_distributed_table('public.t'::regclass, 'id')", 'COMMIT']


def test_run_executes_and_records(fake):
    db = _citus.CitusDB(FakeModule())
    assert fake.autocommit is True
    db.run(UNITS)
    assert db.queries == RENDERED
    assert fake.executed == RENDERED


def test_run_check_mode_records_only(fake):
    db = _citus.CitusDB(FakeModule(check_mode=True))
    db.run(UNITS)
    assert db.queries == RENDERED
    assert fake.executed == []


def test_run_failure_in_transaction_rolls_back_and_says_what_was_done(fake):
    fake.fail_on['create_distributed_table'] = 'replication_factor (2) exceeds number of worker nodes (1)'
    module = FakeModule()
    db = _citus.CitusDB(module, {'table': 'public.t'})
    with pytest.raises(Failed):
        db.run(UNITS)
    assert fake.executed[-1] == 'ROLLBACK'
    assert 'COMMIT' not in fake.executed
    msg = module.failed['msg']
    assert 'replication_factor 2 exceeds the 1 nodes' in msg
    assert 'already done before this failure: public.t is now a local table' in msg
    assert fake.closed


def test_run_failure_of_a_unit_that_commits_part_of_its_work_says_so(fake):
    """citus_drain_node commits should_have_shards false in its own transaction: its failure changed something."""
    fake.fail_on['citus_drain_node'] = 'boom'
    module = FakeModule()
    db = _citus.CitusDB(module, {'node': 'w1:5432'})
    drain = Unit([Statement("SELECT citus_drain_node(%s, %s)", ('w1', 5432), action='drain')],
                 partial='should_have_shards of w1:5432 may be false now')
    with pytest.raises(Failed):
        db.run([drain])
    msg = module.failed['msg']
    assert 'nothing was changed' not in msg
    assert msg.endswith('(left by the failed step: should_have_shards of w1:5432 may be false now)'), msg


def test_run_failure_at_commit_is_named_after_the_unit(fake):
    fake.fail_on['COMMIT'] = 'could not commit'
    module = FakeModule()
    db = _citus.CitusDB(module, {'table': 'public.t'})
    with pytest.raises(Failed):
        db.run(UNITS[1:])
    assert module.failed['msg'].startswith('cannot distribute public.t: could not commit')


def test_run_failure_first_unit_says_nothing_changed(fake):
    fake.fail_on['undistribute_table'] = 'cannot undistribute table because the table is not distributed'
    module = FakeModule()
    db = _citus.CitusDB(module, {'table': 'public.t'})
    with pytest.raises(Failed):
        db.run(UNITS)
    assert module.failed['msg'].endswith('(nothing was changed)')
    assert 'ROLLBACK' not in fake.executed


def test_connect_failure_is_one_line(monkeypatch):
    def boom(**kw):
        raise FakeError('connection to server at "10.0.0.9", port 5432 failed: Connection refused\n\tIs the server '
                        'running on that host and accepting TCP/IP connections?\n')
    monkeypatch.setattr(_citus.DRIVER, 'name', 'psycopg2')
    monkeypatch.setattr(_citus.psycopg2, 'connect', boom)
    monkeypatch.setattr(_citus.DRIVER, 'error', FakeError)
    module = FakeModule()
    module.params['login_host'] = '10.0.0.9'
    with pytest.raises(Failed):
        _citus.CitusDB(module)
    assert '\n' not in module.failed['msg']
    assert module.failed['msg'].startswith('unable to connect to database app on 10.0.0.9: ')


def test_missing_psycopg2(monkeypatch):
    monkeypatch.setattr(_citus.DRIVER, 'name', '')
    module = FakeModule()
    with pytest.raises(Failed):
        _citus.CitusDB(module)
    assert 'psycopg2 (or psycopg 3.1 or later)' in module.failed['msg']


def test_driver_selection():
    try:
        _citus.DRIVER.use('nonexistent')
        assert _citus.DRIVER.name == '' and not _citus.DRIVER
        _citus.DRIVER.use(None)
        assert _citus.DRIVER.name == 'psycopg2' and _citus.DRIVER.error is _citus.psycopg2.Error
        assert _citus.DRIVER.sql.Identifier('a', 'b') is not None
    finally:
        _citus.DRIVER.use(None)


def test_run_relays_server_warnings(fake):
    fake.notices_for["SELECT undistribute_table('public.t'::regclass)"] = [
        'NOTICE:  creating a new table for public.t\n', 'WARNING:  foreign key fk_1 will be dropped\n']
    module = FakeModule()
    db = _citus.CitusDB(module, {'table': 'public.t'})
    db.run(UNITS)
    assert module.warnings == ['public.t: foreign key fk_1 will be dropped']


# ---- units with their own step (the drain follows a background job) ------------------------------------------------

def test_a_step_runs_itself_and_only_its_statements_are_recorded_in_check_mode(fake):
    ran = []
    unit = Unit([Statement("SELECT citus_rebalance_start(drain_only => true)")], step=lambda db: ran.append(db))
    db = _citus.CitusDB(FakeModule(check_mode=True))
    db.run([unit])
    assert ran == [] and db.queries == ['SELECT citus_rebalance_start(drain_only => true)'] and fake.executed == []
    db = _citus.CitusDB(FakeModule())
    db.run([unit])
    assert len(ran) == 1 and db.queries == []  # the step records what it runs (CitusDB.execute)


def test_a_failed_step_says_what_was_done_before_and_what_it_left(fake):
    def step(db):
        db.execute(Statement("SELECT citus_rebalance_start(drain_only => true)"))
        raise _citus.StepFailed('the rebalance job 3 failed: Citus says: boom (1 of 2 moves done: ...)')

    module = FakeModule()
    db = _citus.CitusDB(module, {'node': 'w1:5432'})
    units = [Unit([Statement("SELECT citus_set_node_property('w1', 5432, 'shouldhaveshards', false)")],
                  done='should_have_shards of w1:5432 was set to false'),
             Unit([Statement("SELECT citus_rebalance_start(drain_only => true)")], step=step,
                  partial='w1:5432 is still registered')]
    with pytest.raises(Failed):
        db.run(units)
    assert module.failed['msg'] == ('the rebalance job 3 failed: Citus says: boom (1 of 2 moves done: ...) (already '
                                    'done before this failure: should_have_shards of w1:5432 was set to false; left by '
                                    'the failed step: w1:5432 is still registered)')
    assert module.failed['queries'][-1] == 'SELECT citus_rebalance_start(drain_only => true)'


def test_a_db_error_in_a_step_is_translated(fake):
    fake.fail_on['citus_rebalance_start'] = ('cannot use logical replication to transfer shards of the relation events '
                                             "since it doesn't have a REPLICA IDENTITY or PRIMARY KEY")
    module = FakeModule()
    db = _citus.CitusDB(module, {'node': 'w1:5432'})
    stmt = Statement("SELECT citus_rebalance_start(drain_only => true)", action='drain')
    with pytest.raises(Failed):
        db.run([Unit([stmt], step=lambda d: d.execute(stmt))])
    assert module.failed['msg'].startswith('table events has no primary key or replica identity')
    assert module.failed['msg'].endswith('(nothing was changed)')


class SetupCursor(FakeCursor):
    """Answers the session setup query with (extversion, lc_messages)."""

    answer = ('13.2-1', 'C')

    def execute(self, query, params=None):
        super().execute(query, params)
        self.description = [('extversion',), ('lc_messages',)] if query == _citus.SESSION_SETUP else None

    def fetchall(self):
        return [self.answer] if self.description else []


@pytest.mark.parametrize('answer, context', [
    (('13.2-1', 'C'), None),
    (('13.2-1', 'de_DE.UTF-8'), 'de_DE.UTF-8'),
])
def test_citus_version_sets_up_the_session_in_the_same_query(fake, monkeypatch, answer, context):
    monkeypatch.setattr(SetupCursor, 'answer', answer)
    monkeypatch.setattr(FakeConn, 'cursor', lambda self: SetupCursor(self))
    db = _citus.CitusDB(FakeModule())
    assert db.citus_version() == '13.2-1'
    assert fake.executed == [_citus.SESSION_SETUP]  # one round trip: the version read that every module makes
    assert "set_config('lc_messages', 'C', false)" in _citus.SESSION_SETUP
    assert "current_setting('is_superuser') = 'on'" in _citus.SESSION_SETUP
    assert db.lc_messages == answer[1] and db.context.get('lc_messages') == context
