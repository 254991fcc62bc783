"""citus_databases on one server: the role's password, new databases, the extension created or updated; check mode,
diff, refusals that change nothing. The scratch databases and role are dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

ROLE = 'pgcitus_test_dbrole'
DATABASES = ['pgcitus_test_db_a', 'pgcitus_test_db_b']


def drop_scratch(citus: Any) -> None:
    for name in DATABASES:
        citus.sql(f'DROP DATABASE IF EXISTS {name} WITH (FORCE)')
    citus.sql(f'DROP ROLE IF EXISTS {ROLE}')


@pytest.fixture
def scratch(citus: Any) -> Iterator[Any]:
    drop_scratch(citus)
    try:
        yield citus
    finally:
        drop_scratch(citus)


def state(citus: Any) -> dict[str, Any]:
    """The databases that exist, the extension's version in each, and the role's stored password."""
    found = {}
    for (name,) in citus.sql('SELECT datname FROM pg_database WHERE datname = ANY(%s)', (DATABASES,)):
        conn = citus.cluster.connect(dbname=name)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
                row = cur.fetchone()
        finally:
            conn.close()
        found[name] = row[0] if row else None
    stored = citus.sql('SELECT rolpassword FROM pg_authid WHERE rolname = %s', (ROLE,))
    return {'databases': found, 'password': stored[0][0] if stored else 'no role'}


def package_version(citus: Any) -> str:
    return citus.scalar("SELECT default_version FROM pg_available_extensions WHERE name = 'citus'")


def test_creates_then_changes_nothing(scratch):
    citus = scratch
    version = package_version(citus)
    args = dict(databases=DATABASES, user=ROLE, password='first secret')
    check = citus.ok('citus_databases', check=True, diff=True, **args)
    assert check['changed'] is True and check['password_changed'] is True
    assert check['queries'] == [f"CREATE ROLE \"{ROLE}\" LOGIN PASSWORD '********'",
                                *(f'CREATE DATABASE "{name}"' for name in DATABASES),
                                *(f'CREATE EXTENSION citus -- in database {name}' for name in DATABASES)]
    assert check['diff']['after']['databases'] == {name: version for name in DATABASES}
    assert 'first secret' not in str(check)
    assert state(citus) == {'databases': {}, 'password': 'no role'}

    done = citus.ok('citus_databases', **args)
    assert done['queries'] == check['queries']
    assert done['databases'] == [dict(name=name, created=True, extension_before=None, extension=version)
                                 for name in DATABASES]
    after = state(citus)
    assert after['databases'] == {name: version for name in DATABASES}
    assert after['password'].startswith('SCRAM-SHA-256$')

    again = citus.ok('citus_databases', diff=True, **args)
    assert again['changed'] is False and again['queries'] == [] and again['password_changed'] is False
    assert again['diff']['before'] == again['diff']['after']
    assert citus.ok('citus_databases', check=True, **args)['changed'] is False
    assert state(citus) == after


def test_password_compared_with_the_stored_verifier(scratch):
    citus = scratch
    citus.sql(f"CREATE ROLE {ROLE} LOGIN PASSWORD 'old secret'")
    stored = state(citus)['password']
    same = citus.ok('citus_databases', databases=[], user=ROLE, password='old secret')
    assert same['changed'] is False and state(citus)['password'] == stored
    # the verifier itself, as postgresql_user accepts it
    assert citus.ok('citus_databases', databases=[], user=ROLE, password=stored)['changed'] is False

    other = citus.ok('citus_databases', databases=[], user=ROLE, password='new secret')
    assert other['password_changed'] is True
    assert other['queries'] == [f"ALTER ROLE \"{ROLE}\" PASSWORD '********'"]
    assert state(citus)['password'] != stored
    assert citus.ok('citus_databases', databases=[], user=ROLE, password='new secret')['changed'] is False

    # an md5 hash stored while the server encrypts with SCRAM is replaced, as postgresql_user does
    conn = citus.cluster.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SET password_encryption = 'md5'")
            cur.execute(f"ALTER ROLE {ROLE} PASSWORD 'new secret'")
    finally:
        conn.close()
    assert state(citus)['password'].startswith('md5')
    assert citus.ok('citus_databases', databases=[], user=ROLE, password='new secret')['password_changed'] is True
    assert state(citus)['password'].startswith('SCRAM-SHA-256$')

    # an empty password means none, as in postgresql_user
    cleared = citus.ok('citus_databases', databases=[], user=ROLE, password='')
    assert cleared['queries'] == [f'ALTER ROLE "{ROLE}" PASSWORD NULL'] and state(citus)['password'] is None
    assert citus.ok('citus_databases', databases=[], user=ROLE, password='')['changed'] is False


def test_older_extension_is_updated(scratch):
    citus = scratch
    version = package_version(citus)
    citus.sql(f'CREATE DATABASE {DATABASES[0]}')
    conn = citus.cluster.connect(dbname=DATABASES[0])
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION citus VERSION '13.1-1'")
    finally:
        conn.close()
    check = citus.ok('citus_databases', check=True, databases=DATABASES[:1])
    assert check['queries'] == [f'ALTER EXTENSION citus UPDATE -- in database {DATABASES[0]}']
    assert state(citus)['databases'] == {DATABASES[0]: '13.1-1'}
    done = citus.ok('citus_databases', databases=DATABASES[:1])
    assert done['databases'] == [dict(name=DATABASES[0], created=False, extension_before='13.1-1',
                                      extension=version)]
    assert state(citus)['databases'] == {DATABASES[0]: version}
    assert citus.ok('citus_databases', databases=DATABASES[:1])['changed'] is False


@pytest.mark.parametrize(('args', 'message'), [
    (dict(databases=DATABASES + DATABASES[:1]), f"databases: {DATABASES[0]} listed more than once"),
    (dict(databases=['']), 'databases: a database name is empty'),
    (dict(databases=DATABASES, password='secret'), 'password is set but user is not'),
    (dict(databases=DATABASES, user=ROLE), 'user is set but password is not'),
])
def test_bad_input_changes_nothing(scratch, args, message):
    msg = scratch.fails('citus_databases', **args)
    assert msg.startswith(message) and msg.endswith('Nothing was changed.'), msg
    assert state(scratch) == {'databases': {}, 'password': 'no role'}


def test_refuses_a_database_without_connections(scratch):
    citus = scratch
    citus.sql(f'CREATE DATABASE {DATABASES[1]} WITH ALLOW_CONNECTIONS false')
    msg = citus.fails('citus_databases', databases=DATABASES, user=ROLE, password='secret')
    assert msg == (f"database {DATABASES[1]} does not allow connections (datallowconn is false): allow them "
                   f"(ALTER DATABASE ... WITH ALLOW_CONNECTIONS true) or leave it out of databases. Nothing was "
                   f"changed."), msg
    assert citus.sql('SELECT datname FROM pg_database WHERE datname = ANY(%s)', (DATABASES,)) == [(DATABASES[1],)]
    assert citus.sql('SELECT 1 FROM pg_roles WHERE rolname = %s', (ROLE,)) == []
    citus.sql(f'ALTER DATABASE {DATABASES[1]} WITH ALLOW_CONNECTIONS true')
