# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""citus_databases: on one server, a login role's password, the databases, and the citus extension in each at the
installed package's version, in one module run (the citus role asks this of every node).

Everything is read first (the role's stored password, which databases exist, the extension's version in each), then
the request is checked, then the changes run in order: the password, the new databases, the extension in each
database. Reading pg_authid needs a superuser, as community.postgresql.postgresql_user does.
"""

from __future__ import annotations

import hmac
import re
from base64 import b64decode
from dataclasses import dataclass, field
from hashlib import md5, pbkdf2_hmac, sha256
from typing import Any

from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import (
    DRIVER,
    CitusDB,
    ModuleParams,
    Refusal,
    Statement,
    Unit,
    citus_common_argument_spec,
)

try:  # the collection depends on community.postgresql; its SASLprep is the one postgresql_user uses
    from ansible_collections.community.postgresql.plugins.module_utils.saslprep import saslprep as _saslprep
except ImportError:  # pragma: no cover - community.postgresql is a dependency of the collection
    _saslprep = None

SCRAM_VERIFIER = re.compile(r'^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$')
MD5_HASH = re.compile(r'^md5[0-9a-f]{32}$')
HIDDEN = '********'


def argument_spec() -> dict[str, Any]:
    spec = citus_common_argument_spec()
    spec.update(
        databases=dict(type='list', elements='str', required=True),
        user=dict(type='str'),
        password=dict(type='str', no_log=True),
    )
    return spec


@dataclass
class DatabasesParams(ModuleParams):
    databases: list[str] = field(default_factory=list)
    user: str | None = None
    password: str | None = None


def sasl_prepared(password: str) -> str:
    """The password as PostgreSQL hashes it: SASLprep'd, or as given when it is ASCII or SASLprep rejects it (what
    pg_saslprep does)."""
    if password.isascii() or _saslprep is None:
        return password
    try:
        return _saslprep(password)
    except Exception:  # PostgreSQL then uses the password as given
        return password


def password_matches(stored: str | None, password: str, user: str, encryption: str) -> bool:
    """Whether a role whose pg_authid.rolpassword is stored would accept password, as the server would set it now
    (password_encryption is encryption). A password given as a SCRAM verifier or an md5 hash is compared as it is;
    an md5 hash stored while the server encrypts with SCRAM does not match (the next ALTER ROLE stores SCRAM)."""
    if password == '':  # no password, as postgresql_user reads an empty one
        return stored is None
    if stored is None:
        return False
    if SCRAM_VERIFIER.match(password) or MD5_HASH.match(password):
        return hmac.compare_digest(password, stored)
    verifier = SCRAM_VERIFIER.match(stored)
    if verifier:
        iterations, salt = int(verifier.group(1)), b64decode(verifier.group(2))
        salted = pbkdf2_hmac('sha256', sasl_prepared(password).encode('utf-8'), salt, iterations)
        client_key = hmac.new(salted, b'Client Key', sha256).digest()
        server_key = hmac.new(salted, b'Server Key', sha256).digest()
        return (hmac.compare_digest(sha256(client_key).digest(), b64decode(verifier.group(3)))
                and hmac.compare_digest(server_key, b64decode(verifier.group(4))))
    if MD5_HASH.match(stored) and encryption == 'md5':
        return hmac.compare_digest('md5' + md5((password + user).encode('utf-8')).hexdigest(), stored)
    return False


def version_key(version: str) -> tuple[int, ...] | None:
    """'13.2-1' -> (13, 2, 1); None for a version that is not numbers (then only PostgreSQL can compare)."""
    parts = re.split(r'[.-]', version)
    return tuple(int(part) for part in parts) if all(part.isdigit() for part in parts) else None


def validate(params: DatabasesParams) -> str | None:
    names = params.databases
    if any(not name for name in names):
        return "databases: a database name is empty: name each database"
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        return f"databases: {', '.join(duplicates)} listed more than once: name each database once"
    if params.password is not None and not params.user:
        return "password is set but user is not: name the role whose password this is (user)"
    if params.user is not None and params.password is None:
        return "user is set but password is not: give the role's password (password), or leave both out"
    return None


@dataclass
class Snapshot:
    """What the server has: the role's stored password (None: no password; missing: no such role), the server's
    password_encryption, the citus package's default version, and the extension's version in each database that
    exists (None: not created)."""
    role_exists: bool = False
    stored_password: str | None = None
    encryption: str = 'scram-sha-256'
    default_version: str | None = None
    extensions: dict[str, str | None] = field(default_factory=dict)


ROLE_QUERY = ("SELECT rolpassword, pg_catalog.current_setting('password_encryption') AS encryption "
              "FROM pg_catalog.pg_authid WHERE rolname = %s")
# One row, whichever databases exist.
DATABASES_QUERY = (
    "SELECT (SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'citus') AS default_version, "
    "coalesce(array_agg(datname::text ORDER BY datname) FILTER (WHERE datallowconn), '{}') AS open, "
    "coalesce(array_agg(datname::text ORDER BY datname) FILTER (WHERE NOT datallowconn), '{}') AS closed "
    "FROM pg_catalog.pg_database WHERE datname = ANY(%s)")


def plan(params: DatabasesParams, state: Snapshot) -> tuple[list[Unit], list[tuple[str, list[Unit]]]]:
    """(units on the first connection: password and new databases, [(database, its extension units)]). Raises
    Refusal when the package's version cannot serve a database."""
    sql = DRIVER.sql
    if state.default_version is None:
        raise Refusal("the citus extension is not available on this server (no citus.control in PostgreSQL's "
                      "extension directory): install the Citus package first (the citus role installs it)")
    wanted = version_key(state.default_version)
    newer = [f"{name} ({version})" for name, version in state.extensions.items()
             if version is not None and wanted is not None and version_key(version) is not None
             and version_key(version) > wanted]
    if newer:
        raise Refusal(f"the citus extension is newer than the installed package's {state.default_version} in "
                      f"database {', '.join(newer)}: install the Citus package of that version or later (a "
                      f"package cannot take the extension back)")
    first: list[Unit] = []
    if params.password is not None and not (
            state.role_exists and password_matches(state.stored_password, params.password, params.user or '',
                                                    state.encryption)):
        verb = 'ALTER ROLE {} PASSWORD %s' if state.role_exists else 'CREATE ROLE {} LOGIN PASSWORD %s'
        value: str | None = params.password or None  # an empty password: none (PASSWORD NULL)
        first.append(Unit([Statement(sql.SQL(verb).format(sql.Identifier(params.user)), (value,),
                                     action='password', shown=verb.replace('{}', f'"{params.user}"')
                                     .replace('%s', f"'{HIDDEN}'" if value else 'NULL'))],
                          done=f"the password of role {params.user} set"))
    per_database: list[tuple[str, list[Unit]]] = []
    for name in params.databases:
        if name not in state.extensions:
            first.append(Unit([Statement(sql.SQL('CREATE DATABASE {}').format(sql.Identifier(name)),
                                         action='create database')], done=f"database {name} created"))
            statement = 'CREATE EXTENSION citus'
        elif state.extensions[name] is None:
            statement = 'CREATE EXTENSION citus'
        elif state.extensions[name] != state.default_version:
            statement = 'ALTER EXTENSION citus UPDATE'
        else:
            continue
        per_database.append((name, [Unit([Statement(statement, action='extension',
                                                    shown=f"{statement} -- in database {name}")],
                                         done=f"{statement} in database {name}")]))
    return first, per_database


def connect(module: Any, db: CitusDB, name: str) -> tuple[CitusDB, str | None]:
    """A connection to database name, its session set up as the first connection's, and the citus extension's
    version there (None: not created), which that set-up query reads."""
    conn = CitusDB(module, dict(db.context, db=name), dbname=name)
    return conn, conn.citus_version()


def read_snapshot(module: Any, db: CitusDB, params: DatabasesParams) -> Snapshot:
    """The snapshot; the extension's version is read in each database that exists, over a connection closed at once
    (one held open would keep, for example, template1 from serving a CREATE DATABASE)."""
    state = Snapshot()
    if params.password is not None:
        row = db.fetchone(ROLE_QUERY, (params.user,))
        state.role_exists = row is not None
        if row:
            stored = row['rolpassword']
            state.stored_password = stored.decode('ascii') if isinstance(stored, bytes) else stored
            state.encryption = row['encryption']
    row = db.fetchone(DATABASES_QUERY, (list(params.databases),))
    state.default_version = row['default_version']
    if row['closed']:
        raise Refusal(f"database {', '.join(row['closed'])} does not allow connections (datallowconn is false): "
                      f"allow them (ALTER DATABASE ... WITH ALLOW_CONNECTIONS true) or leave it out of databases")
    for name in row['open']:
        conn, state.extensions[name] = connect(module, db, name)
        conn.close()
    return state


def run_databases_module(module: Any) -> None:
    params = DatabasesParams.from_params(module.params)
    error = validate(params)
    if error:
        module.fail_json(msg=f"{error}. Nothing was changed.")
    if not params.databases and params.password is None:
        module.exit_json(changed=False, databases=[], password_changed=False, queries=[])
    db = CitusDB(module, {'action': 'read'})
    db.citus_version()
    try:
        state = read_snapshot(module, db, params)
        first, per_database = plan(params, state)
    except Refusal as exc:
        db.close()
        module.fail_json(msg=f"{exc.msg}. Nothing was changed.", queries=[])
    db.run(first)
    done = [unit.done for unit in first]
    for name, units in per_database:
        if module.check_mode:  # a database the run would create has no connection yet: record, as run() does
            db.queries.extend(stmt.shown for unit in units for stmt in unit.statements)
            continue
        conn = connect(module, db, name)[0]
        conn.queries = db.queries  # one list of what ran, in order, on every connection
        # the units without statements only say, if this database's statement fails, what the run did before it
        conn.run([Unit([], done=text) for text in done] + units)
        conn.close()
        done.extend(unit.done for unit in units)
    db.close()
    queries = db.queries
    extended = {name for name, _ in per_database}
    after = {name: state.default_version if name in extended else state.extensions.get(name)
             for name in params.databases}
    password_changed = any(unit.statements[0].action == 'password' for unit in first)
    result: dict[str, Any] = dict(
        changed=bool(queries), password_changed=password_changed, queries=queries,
        databases=[dict(name=name, created=name not in state.extensions, extension=after[name],
                        extension_before=state.extensions.get(name)) for name in params.databases])
    if module._diff:
        result['diff'] = dict(
            before=dict(databases={name: state.extensions[name] for name in params.databases
                                   if name in state.extensions},
                        password='(as asked)' if params.password is not None and not password_changed else
                        '(different)' if params.password is not None else '(not managed)'),
            after=dict(databases=after, password='(as asked)' if params.password is not None else '(not managed)'))
    module.exit_json(**result)
