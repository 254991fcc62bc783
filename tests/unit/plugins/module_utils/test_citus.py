"""Unit tests of the shared Citus module helpers: connection kwargs, error translation, rendering, execution."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus, _citus_errors
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    Statement,
    Unit,
    conn_kwargs,
    table_facts,
    table_type,
)
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_errors import (
    PgErrorInfo,
    one_line,
    translate_error,
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


def test_one_line():
    assert one_line('connection to server failed:\n\tConnection refused\n  Is the server running?') == \
        'connection to server failed: Connection refused Is the server running?'


# Error texts exactly as Citus 13.2 prints them (../shared/citus-13.2-api.md) -> expected fragments of the message.
TRANSLATIONS = [
    (PgErrorInfo('connection to the remote node postgres@127.0.0.1:9799 failed with the following error: '
                 'Connection refused'), {'action': 'add', 'node': '127.0.0.1:9799'},
     ['cannot reach 127.0.0.1:9799', 'Connection refused', 'PostgreSQL runs there']),
    (PgErrorInfo('connection to the remote node postgres@w1:5432 failed with the following error: server does not '
                 'support SSL, but SSL was required'), {'action': 'add'},
     ['w1:5432 does not accept SSL', 'citus.node_conninfo', 'enable ssl']),
    (PgErrorInfo('connection to the remote node postgres@w1:5432 failed with the following error: FATAL:  password '
                 'authentication failed for user "postgres"'), {},
     ['cannot authenticate as postgres to w1:5432', '.pgpass', 'pgcitus.cluster.citus role']),
    (PgErrorInfo('failure on connection marked as essential: w2:5432',
                 notices=['WARNING:  function assign_distributed_transaction_id(integer, integer, unknown) does not '
                          'exist']), {'action': 'add', 'db': 'app'},
     ['w2:5432 has no citus extension in database app', 'run the pgcitus.cluster.citus role on it']),
    (PgErrorInfo('failure on connection marked as essential: w2:5432'), {'db': 'app'},
     ['lost its connection to w2:5432', 'run the pgcitus.cluster.citus role on it']),
    (PgErrorInfo('cannot add a worker node when the coordinator hostname is set to localhost'), {},
     ['registered as localhost', 'coordinator: true']),
    (PgErrorInfo('Node cannot add itself as a worker.'), {'node': 'c1:5432'},
     ['c1:5432 is the coordinator itself', 'coordinator: true']),
    (PgErrorInfo('group 3 already has a primary node'), {'node': 'w3:5432'}, ['group 3 already', 'role: secondary']),
    (PgErrorInfo('cannot remove or disable the node w1:5432 because because it contains the only shard placement '
                 'for shard 102008', detail='One of the table(s) that prevents the operation complete successfully '
                 'is public.users'), {'action': 'remove'},
     ['only placement of shard 102008', 'public.users', 'use drain: true']),
    (PgErrorInfo('cannot remove or disable the node w1:5432 because because it contains the only shard placement '
                 'for shard 102008'), {'action': 'disable'}, ['only placement of shard 102008', 'before disabling']),
    (PgErrorInfo('node at "w9:5432" does not exist'), {}, ['w9:5432 is not registered']),
    (PgErrorInfo('table "users" is already distributed'), {}, ['users is already a Citus table', 'allow_redistribute']),
    (PgErrorInfo('relation "t_missing" does not exist'), {'db': 'app'},
     ['table t_missing does not exist in database app', 'create it first']),
    (PgErrorInfo('relation "pg_dist_node" does not exist'), {'db': 'app'},
     ['citus extension is not installed in database app']),
    (PgErrorInfo('column "b" of relation "t_nocol" does not exist'), {}, ['table t_nocol has no column b']),
    (PgErrorInfo('cannot colocate tables orders and ev',
                 detail="Distribution column types don't match for orders and ev."), {},
     ['cannot colocate ev with orders', "Distribution column types don't match", 'colocate_with: none']),
    (PgErrorInfo('Cannot use colocate_with with a table and shard_count at the same time'), {},
     ['cannot be used together', 'remove shard_count']),
    (PgErrorInfo('70000 is outside the valid range for parameter "shard_count" (1 .. 64000)'), {},
     ['shard_count 70000 is out of range', '1 to 64000']),
    (PgErrorInfo('replication_factor (3) exceeds number of worker nodes (2)'), {},
     ['replication_factor 3 exceeds the 2 nodes', 'lower replication_factor']),
    (PgErrorInfo('function create_distributed_table(unknown, unknown, shard_count => integer, replication_factor => '
                 'integer) does not exist'), {},
     ['has no replication_factor argument', "module's replication_factor option"]),
    (PgErrorInfo('cannot undistribute table because the table is not distributed'), {'table': 'public.t'},
     ['public.t is not distributed']),
    (PgErrorInfo("this call doesn't change any properties of the table"), {'table': 'public.t'},
     ['nothing to change on public.t']),
    (PgErrorInfo('cannot replicate reference tables in a transaction that modified node metadata'), {},
     ['separate tasks']),
    (PgErrorInfo('operation is not allowed on this node'), {}, ['not the Citus coordinator']),
    (PgErrorInfo('Citus can only be loaded via shared_preload_libraries'), {}, ['shared_preload_libraries',
                                                                                 'restart PostgreSQL']),
    (PgErrorInfo("cannot use logical replication to transfer shards of the relation events since it doesn't have a "
                 "REPLICA IDENTITY or PRIMARY KEY"), {}, ['events has no primary key', 'block_writes']),
    (PgErrorInfo('function citus_add_node(unknown, integer) does not exist'), {'db': 'app'},
     ['citus_add_node does not exist in database app', 'pgcitus.cluster.citus role']),
    (PgErrorInfo('permission denied for function citus_add_node', sqlstate='42501'), {},
     ['permission denied', 'superuser']),
    (PgErrorInfo('cascade_to_colocated parameter is necessary', detail='this table is colocated with some other '
                 'tables'), {'table': 'public.orders'}, ['public.orders shares its colocation group',
                                                         'cascade_to_colocated: true']),
    (PgErrorInfo('cannot complete operation because table orders has a foreign key'), {},
     ['orders is linked to other tables by foreign keys', 'cascade_via_foreign_keys: true']),
    (PgErrorInfo('cannot complete operation because table customers is referenced by a foreign key'), {},
     ['customers is linked to other tables by foreign keys']),
    (PgErrorInfo('cannot distribute relation "events_2026" which is partition of "events"'), {},
     ['events_2026 is a partition of events: distribute events instead']),
    (PgErrorInfo('cannot create constraint on "orders"', detail='Distributed relations cannot have UNIQUE, EXCLUDE, '
                 'or PRIMARY KEY constraints that do not include the partition column (with an equality operator if '
                 'EXCLUDE).'), {}, ['orders has a primary key or unique constraint without the distribution column']),
    (PgErrorInfo('cannot create foreign key constraint', detail='Foreign keys are supported in two cases, either in '
                 'between two colocated tables including partition column in the same ordinal in the both tables or '
                 'from distributed to reference tables'), {'table': 'public.order_items'},
     ['a foreign key of public.order_items cannot be kept', 'make the referenced table a reference table']),
    (PgErrorInfo('no worker nodes are available for placing shards', hint='Add more worker nodes.'), {},
     ['no active worker node can hold shards']),
    (PgErrorInfo('cannot distribute a table concurrently when citus.shard_replication_factor > 1'), {},
     ['set replication_factor: 1, or drop concurrently']),
    (PgErrorInfo('disabling the first worker node in the metadata is not allowed'), {'action': 'disable',
                                                                                     'node': 'w1:5432'},
     ['cannot disable node w1:5432: disabling the first worker node']),
    (PgErrorInfo('maximum number of prepared transactions reached', hint='Increase max_prepared_transactions '
                 '(currently 20).'), {}, ['raise max_prepared_transactions on every node', 'restart PostgreSQL']),
    (PgErrorInfo('something unexpected', detail='More about it', hint='Try this'), {'action': 'drain', 'node': 'w1:1'},
     ['cannot drain node w1:1: something unexpected. More about it. Try this']),
]


@pytest.mark.parametrize('info, context, fragments', TRANSLATIONS, ids=[t[0].primary[:40] for t in TRANSLATIONS])
def test_translate_error(info, context, fragments):
    msg = translate_error(info, context)
    assert '\n' not in msg
    for fragment in fragments:
        assert fragment in msg, msg


class FakeDiag:
    message_primary = 'table "users" is already distributed'
    message_detail = None
    message_hint = None


class FakePgError(Exception):
    pgcode = '42P16'
    diag = FakeDiag()


def test_error_info_from_psycopg_error():
    info = _citus_errors.error_info(FakePgError('ERROR:  table "users" is already distributed\n'), ['WARNING: x\n'])
    assert info.primary == 'table "users" is already distributed'
    assert info.sqlstate == '42P16'
    assert info.notices == ['WARNING: x']


def test_error_info_without_diag():
    info = _citus_errors.error_info(RuntimeError('ERROR: boom\nLINE 1'))
    assert info.primary == 'boom'


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
    monkeypatch.setattr(_citus, 'DRIVER', 'psycopg2')
    monkeypatch.setattr(_citus.psycopg2, 'connect', lambda **kw: conn)
    monkeypatch.setattr(_citus, 'DB_ERROR', FakeError)
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
    monkeypatch.setattr(_citus, 'DRIVER', 'psycopg2')
    monkeypatch.setattr(_citus.psycopg2, 'connect', boom)
    monkeypatch.setattr(_citus, 'DB_ERROR', FakeError)
    module = FakeModule()
    module.params['login_host'] = '10.0.0.9'
    with pytest.raises(Failed):
        _citus.CitusDB(module)
    assert '\n' not in module.failed['msg']
    assert module.failed['msg'].startswith('unable to connect to database app on 10.0.0.9: ')


PW = 'connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "app"\n'


@pytest.mark.parametrize('text, fragments', [
    # libpq tries SSL and then plain with sslmode=prefer: the same failure twice, said once
    (PW + PW, ['password authentication failed for user "app": check login_user and login_password']),
    ('connection to server at "127.0.0.1", port 5432 failed: fe_sendauth: no password supplied\n',
     ['no password supplied: check login_user and login_password']),
    ('connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "nope" does not exist\n',
     ['database "nope" does not exist: set db to an existing database']),
    ('connection to server at "127.0.0.1", port 5432 failed: FATAL:  role "bob" does not exist\n',
     ['role "bob" does not exist: set login_user to an existing role']),
    ('connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the server running on that host '
     'and accepting TCP/IP connections?\n', ['Connection refused', 'check login_host and login_port']),
    ('could not translate host name "nohost" to address: Name or service not known\n',
     ['check login_host and login_port']),
    ('connection to server on socket "/tmp/.s.PGSQL.5432" failed: No such file or directory\n',
     ['check login_unix_socket and login_port']),
    ('connection to server at "127.0.0.1", port 5432 failed: FATAL:  no pg_hba.conf entry for host "127.0.0.1", '
     'user "app", database "app", no encryption\n', ['add a pg_hba.conf rule']),
    ('connection to server at "127.0.0.1", port 5432 failed: server does not support SSL, but SSL was required\n',
     ['check ssl_mode']),
    ('invalid dsn: invalid connection option "bogus"\n', ['invalid connection option "bogus": check connect_params']),
    ('connection to server at "h", port 5432 failed: FATAL:  permission denied for database "app"\n',
     ['permission denied for database "app"']),
])
def test_connect_error(text, fragments):
    msg = _citus_errors.connect_error(text)
    assert '\n' not in msg
    for fragment in fragments:
        assert fragment in msg, msg
    assert msg.count('failed:') <= 1, msg


def test_missing_psycopg2(monkeypatch):
    monkeypatch.setattr(_citus, 'HAS_PSYCOPG', False)
    module = FakeModule()
    with pytest.raises(Failed):
        _citus.CitusDB(module)
    assert 'psycopg2 (or psycopg 3.1 or later)' in module.failed['msg']


def test_driver_selection():
    try:
        _citus.use_driver('nonexistent')
        assert _citus.DRIVER == '' and _citus.HAS_PSYCOPG is False
        _citus.use_driver(None)
        assert _citus.DRIVER == 'psycopg2' and _citus.DB_ERROR is _citus.psycopg2.Error
        assert _citus.sql.Identifier('a', 'b') is not None
    finally:
        _citus.use_driver(None)


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


# ---- English server messages (issue 10 item 10) ---------------------------------------------------------------------

@pytest.mark.parametrize('value, english', [
    ('C', True), ('C.UTF-8', True), ('c.utf8', True), ('POSIX', True), ('en_US.UTF-8', True), ('', True),
    ('de_DE.UTF-8', False), ('fr_FR', False), ('ja_JP.eucJP', False),
])
def test_messages_in_english(value, english):
    assert _citus_errors.messages_in_english(value) is english


def test_an_untranslated_message_says_why():
    info = PgErrorInfo('Knoten nicht gefunden')
    msg = translate_error(info, {'action': 'remove', 'node': 'w1:5432', 'lc_messages': 'de_DE.UTF-8'})
    assert msg.startswith('cannot remove node w1:5432: Knoten nicht gefunden (server messages are in '
                          'lc_messages=de_DE.UTF-8, so this one could not be translated')
    assert 'connect as a superuser' in msg and 'set lc_messages to C' in msg
    assert translate_error(info, {'action': 'remove', 'node': 'w1:5432', 'lc_messages': 'C'}) == \
        'cannot remove node w1:5432: Knoten nicht gefunden'
    # a translated message needs no note
    assert 'lc_messages' not in translate_error(PgErrorInfo('node at "w1:5432" does not exist'),
                                                {'lc_messages': 'de_DE.UTF-8'})


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
