"""Unit tests of the error translation: one-line connection failures and Citus/PostgreSQL errors."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_errors import (
    PgErrorInfo,
    connect_error,
    error_info,
    messages_in_english,
    one_line,
    translate_error,
)


def test_one_line():
    assert one_line('connection to server failed:\n\tConnection refused\n  Is the server running?') == \
        'connection to server failed: Connection refused Is the server running?'


class Translation(NamedTuple):
    info: PgErrorInfo
    context: dict[str, Any]
    fragments: list[str]  # each must appear in the message


# Error texts exactly as Citus 13.2 prints them (../shared/citus-13.2-api.md) -> expected fragments of the message.
TRANSLATIONS = [Translation._make(case) for case in [
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
]]


@pytest.mark.parametrize('info, context, fragments', TRANSLATIONS, ids=[t.info.primary[:40] for t in TRANSLATIONS])
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
    info = error_info(FakePgError('ERROR:  table "users" is already distributed\n'), ['WARNING: x\n'])
    assert info.primary == 'table "users" is already distributed'
    assert info.sqlstate == '42P16'
    assert info.notices == ['WARNING: x']


def test_error_info_without_diag():
    info = error_info(RuntimeError('ERROR: boom\nLINE 1'))
    assert info.primary == 'boom'


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
    msg = connect_error(text)
    assert '\n' not in msg
    for fragment in fragments:
        assert fragment in msg, msg
    assert msg.count('failed:') <= 1, msg


# ---- English server messages (issue 10 item 10) ---------------------------------------------------------------------

@pytest.mark.parametrize('value, english', [
    ('C', True), ('C.UTF-8', True), ('c.utf8', True), ('POSIX', True), ('en_US.UTF-8', True), ('', True),
    ('de_DE.UTF-8', False), ('fr_FR', False), ('ja_JP.eucJP', False),
])
def test_messages_in_english(value, english):
    assert messages_in_english(value) is english


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
