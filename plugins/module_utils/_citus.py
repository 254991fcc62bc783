# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Private helpers shared by the pgcitus.cluster Citus modules.

Not a public API: the leading underscore marks it private to this collection.

One connection per module run (autocommit; explicit BEGIN/COMMIT where several statements must be
all-or-nothing), reads of the Citus catalogs, a plan of write units that is executed or, in check
mode, only rendered. The translation of Citus/PostgreSQL errors into one-line messages that say what to do
is in _citus_errors.
"""

from __future__ import annotations

import contextlib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_errors import (
    CITUS_ROLE_HINT,
    connect_error,
    error_info,
    messages_in_english,
    one_line,
    translate_error,
)

PSYCOPG_IMPORT_ERROR: str | None = None
psycopg2: Any = None
psycopg: Any = None
try:
    import psycopg2
    import psycopg2.extensions
except ImportError:  # pragma: no cover - exercised only where psycopg2 is absent
    PSYCOPG_IMPORT_ERROR = traceback.format_exc()
try:
    import psycopg  # psycopg 3, used when psycopg2 is absent (3.1 or later: client-side binding cursors)
    from psycopg import ClientCursor as _ClientCursor

    if tuple(int(part) for part in psycopg.__version__.split('.')[:2]) < (3, 1):
        psycopg = None
except ImportError:
    psycopg = None


class _NoDriverError(Exception):
    """Stands in for the driver's error class when no driver is installed."""


@dataclass
class Driver:
    """The PostgreSQL driver the modules use: its name ('' when none is installed), its error class and its sql
    module. One object holds the choice; tests switch it with use()."""
    name: str = ''
    error: Any = _NoDriverError
    sql: Any = None

    def use(self, name: str | None) -> None:
        """Select 'psycopg2' (preferred), 'psycopg' (psycopg 3) or None (what is installed)."""
        if name is None:
            name = 'psycopg2' if psycopg2 is not None else 'psycopg' if psycopg is not None else ''
        if name == 'psycopg2' and psycopg2 is not None:
            from psycopg2 import sql as _sql
            self.name, self.error, self.sql = 'psycopg2', psycopg2.Error, _sql
        elif name == 'psycopg' and psycopg is not None:
            from psycopg import sql as _sql
            self.name, self.error, self.sql = 'psycopg', psycopg.Error, _sql
        else:
            self.name, self.error, self.sql = '', _NoDriverError, None

    def __bool__(self) -> bool:
        return bool(self.name)


DRIVER = Driver()
DRIVER.use(None)


def citus_common_argument_spec() -> dict[str, Any]:
    """Connection options, with community.postgresql's names and meaning."""
    return dict(
        db=dict(type='str', aliases=['login_db']),
        login_user=dict(type='str', default='postgres'),
        login_password=dict(type='str', default='', no_log=True),
        login_host=dict(type='str', default=''),
        login_unix_socket=dict(type='str', default=''),
        login_port=dict(type='int', default=5432),
        ssl_mode=dict(type='str', default='prefer',
                      choices=['allow', 'disable', 'prefer', 'require', 'verify-ca', 'verify-full']),
        ca_cert=dict(type='str', aliases=['ssl_rootcert']),
        ssl_cert=dict(type='path'),
        ssl_key=dict(type='path'),
        connect_params=dict(type='dict', default={}),
    )


def conn_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """libpq keyword arguments from the module parameters (empty values are left to libpq's defaults)."""
    mapping = {
        'db': 'dbname',
        'login_user': 'user',
        'login_password': 'password',
        'login_host': 'host',
        'login_port': 'port',
        'ssl_mode': 'sslmode',
        'ca_cert': 'sslrootcert',
        'ssl_cert': 'sslcert',
        'ssl_key': 'sslkey',
    }
    kw = {libpq: params[opt] for opt, libpq in mapping.items() if params.get(opt) not in (None, '')}
    if params.get('login_unix_socket') and kw.get('host') in (None, 'localhost'):
        kw['host'] = params['login_unix_socket']
    kw.update(params.get('connect_params') or {})
    return kw


def endpoint(name: str, port: int) -> str:
    return f"{name}:{port}"


# ---------------------------------------------------------------------------------------------
# Plans: what a module will run, as units (a single statement, or a transaction), rendered in
# check mode and executed otherwise.
# ---------------------------------------------------------------------------------------------

@dataclass
class Statement:
    query: Any  # str or a psycopg sql.Composable
    params: tuple | dict | None = None
    action: str = ''  # for error translation
    shown: str = ''  # what queries records instead of the statement (one that carries a password)


@dataclass
class Unit:
    """Statements that succeed or fail together."""
    statements: list[Statement]
    transaction: bool = False
    done: str = ''  # what the unit achieved, said when a later unit fails
    partial: str = ''  # what the unit may leave when it fails itself (a function that commits part of its work)
    # A step that runs its statements itself through CitusDB.execute (e.g. starts a background job and follows it);
    # in check mode only `statements` are recorded. It raises StepFailed (or a subclass' like) with a message.
    step: Callable[[CitusDB], None] | None = None


@dataclass(frozen=True)
class Cast:
    """A call argument sent with a type cast, e.g. Cast('public.orders', 'regclass') renders %s::regclass."""
    value: Any
    type: str


def citus_call(function: str, *args: Any, action: str = '', **named: Any) -> Statement:
    """SELECT function(args..., name => value, ...): the one way to build a call of a Citus function.

    Positional arguments are always sent; named arguments that are None are left out, so that Citus applies its
    own default (and a server without that parameter is not sent it).
    """
    parts, params = [], []
    items = [(None, value) for value in args] + [(name, value) for name, value in named.items() if value is not None]
    for name, value in items:
        placeholder = '%s'
        if isinstance(value, Cast):
            placeholder, value = f'%s::{value.type}', value.value
        parts.append(placeholder if name is None else f'{name} => {placeholder}')
        params.append(value)
    return Statement(f"SELECT {function}({', '.join(parts)})", tuple(params) or None, action=action)


class ModuleParams:
    """Base of a module's typed options (a dataclass): from_params takes the module's own options from module.params,
    the unset ones (None) left to the class's defaults, the connection options left out."""

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Any:
        return cls(**{f.name: params[f.name] for f in fields(cls) if params.get(f.name) is not None})


@dataclass(frozen=True)
class Difference:
    """One way the catalog differs from the request: the parameter's name, the wanted and the actual value."""
    name: str
    wanted: Any
    actual: Any
    label: str = ''  # how a message names it; default: the name with spaces
    sentence: str = ''  # the whole sentence, where "<label> is <actual> (asked: <wanted>)" does not fit

    def __str__(self) -> str:
        return self.sentence or f"{self.label or self.name.replace('_', ' ')} is {self.actual} (asked: {self.wanted})"


class Differences:
    """The differences found, after community.docker's DifferenceTracker: the refusal message is built from these
    entries, never from prose."""

    def __init__(self) -> None:
        self._items: list[Difference] = []

    def add(self, name: str, wanted: Any, actual: Any, label: str = '', sentence: str = '') -> None:
        self._items.append(Difference(name, wanted, actual, label, sentence))

    def compare(self, name: str, wanted: Any, actual: Any, label: str = '', sentence: str = '') -> None:
        """Record a difference when a value was asked for (not None) and the catalog has another."""
        if wanted is not None and wanted != actual:
            self.add(name, wanted, actual, label, sentence)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def sentences(self) -> list[str]:
        return [str(item) for item in self._items]

    def text(self) -> str:
        return '; '.join(self.sentences())



class StepFailed(Exception):
    """A unit's own step failed after it began changing things; msg says what Citus said and what was done."""

    def __init__(self, msg: str):
        super().__init__(msg)
        self.msg = msg


class Refusal(Exception):
    """A request the module refuses; nothing was changed."""

    def __init__(self, msg: str):
        super().__init__(msg)
        self.msg = msg


# The extension's version, and lc_messages C for the session where the login may set it (superuser-only), so that
# server messages come in the English that translate_error matches; otherwise the session's value, to say why.
SESSION_SETUP = (
    "SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'citus') AS extversion, "
    "CASE WHEN pg_catalog.current_setting('is_superuser') = 'on' "
    "THEN pg_catalog.set_config('lc_messages', 'C', false) "
    "ELSE pg_catalog.current_setting('lc_messages') END AS lc_messages"
)


class CitusDB:
    """One autocommit connection, with reads, recorded writes and error translation."""

    def __init__(self, module: Any, context: dict[str, Any] | None = None, dbname: str | None = None):
        """dbname: connect to this database instead of the module's db option."""
        self.module = module
        self.check_mode: bool = bool(module.check_mode)
        self.queries: list[str] = []
        self.context: dict[str, Any] = dict(context or {})
        self.context.setdefault('db', dbname or module.params.get('db'))
        self.conn = None
        self.lc_messages: str | None = None  # the session's, once citus_version() has run
        self._sink: list[str] = []
        if not DRIVER:
            module.fail_json(msg=missing_required_lib('psycopg2 (or psycopg 3.1 or later)'),
                             exception=PSYCOPG_IMPORT_ERROR)
        kwargs = conn_kwargs(module.params)
        if dbname:
            kwargs['dbname'] = dbname
        try:
            if DRIVER.name == 'psycopg2':
                self.conn = psycopg2.connect(**kwargs)
                self.conn.autocommit = True
            else:
                self.conn = psycopg.connect(**kwargs, autocommit=True, cursor_factory=_ClientCursor)
                self.conn.add_notice_handler(
                    lambda diag: self._sink.append(f"{diag.severity}:  {diag.message_primary}"))
        except DRIVER.error as exc:
            where = kwargs.get('host') or 'the local socket'
            module.fail_json(msg=f"unable to connect to database {kwargs.get('dbname', '(default)')} on {where}: "
                                 f"{connect_error(exc)}")
        self.cursor = self.conn.cursor()

    def notices(self) -> list[str]:
        """Server notices and warnings of the statements since the last clear_notices()."""
        if DRIVER.name == 'psycopg2':
            return list(getattr(self.conn, 'notices', None) or [])
        return list(self._sink)

    def clear_notices(self) -> None:
        if DRIVER.name == 'psycopg2':
            if getattr(self.conn, 'notices', None) is not None:
                del self.conn.notices[:]
        else:
            self._sink.clear()

    # -- helpers ------------------------------------------------------------------------------
    def render(self, query: Any, params: tuple | dict | None = None) -> str:
        text = self.cursor.mogrify(query, params)
        return text.decode('utf-8', 'replace') if isinstance(text, bytes) else str(text)

    def _fail(self, exc: BaseException, context: dict[str, Any], suffix: str = '') -> None:
        info = error_info(exc, self.notices())
        msg = translate_error(info, {**self.context, **context})
        self.close()
        self.module.fail_json(msg=f"{msg}{suffix}", queries=self.queries)

    def fetchall(self, query: Any, params: tuple | dict | None = None, **context: Any) -> list[dict[str, Any]]:
        """Run a read-only query; rows as dicts. Not recorded in queries."""
        try:
            self.clear_notices()
            self.cursor.execute(query, params)
            if self.cursor.description is None:
                return []
            names = [d[0] for d in self.cursor.description]
            return [{n: row[i] for i, n in enumerate(names)} for row in self.cursor.fetchall()]
        except DRIVER.error as exc:
            self._fail(exc, {'action': 'read', **context})
        return []  # pragma: no cover

    def try_fetchall(self, query: Any, params: tuple | dict | None = None
                     ) -> tuple[list[dict[str, Any]], str | None]:
        """Run a read-only query that may fail without failing the module: (rows, None) or ([], one-line error)."""
        try:
            self.cursor.execute(query, params)
            names = [d[0] for d in self.cursor.description or []]
            return [{n: row[i] for i, n in enumerate(names)} for row in self.cursor.fetchall()], None
        except DRIVER.error as exc:
            return [], translate_error(error_info(exc), {**self.context, 'action': 'read'})

    def fetchone(self, query: Any, params: tuple | dict | None = None, **context: Any) -> dict[str, Any] | None:
        rows = self.fetchall(query, params, **context)
        return rows[0] if rows else None

    def citus_version(self) -> str | None:
        """The citus extension's version (None: not installed), and the session set up for English server messages:
        the first query of every module, so that setting lc_messages costs no extra round trip."""
        row = self.fetchone(SESSION_SETUP)
        if row is None:  # pragma: no cover - the query always returns a row
            return None
        self.lc_messages = row['lc_messages']
        if not messages_in_english(self.lc_messages):
            self.context['lc_messages'] = self.lc_messages
        else:
            self.context.pop('lc_messages', None)
        return row['extversion']

    def require_citus(self) -> str:
        version = self.citus_version()
        if version is None:
            where = self.module.params.get('login_host') or 'this server'
            self.close()
            self.module.fail_json(msg=f"the citus extension is not installed in database "
                                      f"{self.context.get('db') or '(default)'} on {where}: {CITUS_ROLE_HINT} "
                                      f"(it creates the extension) and point db at that database")
        return version

    def execute(self, stmt: Statement) -> list[dict[str, Any]]:
        """Run one write statement (recorded in queries); rows as dicts. A DB error propagates to the caller."""
        self.queries.append(self.render(stmt.query, stmt.params))
        self.clear_notices()
        self.cursor.execute(stmt.query, stmt.params)
        self._relay_warnings()
        if self.cursor.description is None:
            return []
        names = [d[0] for d in self.cursor.description]
        return [{n: row[i] for i, n in enumerate(names)} for row in self.cursor.fetchall()]

    @staticmethod
    def _failure_suffix(units: list[Unit], index: int) -> str:
        done = [u.done for u in units[:index] if u.done]
        notes = [f"already done before this failure: {'; '.join(done)}"] if done else []
        if units[index].partial:
            notes.append(f"left by the failed step: {units[index].partial}")
        return f" ({'; '.join(notes)})" if notes else ' (nothing was changed)'

    def run(self, units: list[Unit]) -> None:
        """Execute units in order (or, in check mode, only record them)."""
        for index, unit in enumerate(units):
            statements = list(unit.statements)
            unit_action = next((stmt.action for stmt in statements if stmt.action), '')
            if unit.step is not None and not self.check_mode:
                try:
                    unit.step(self)
                except DRIVER.error as exc:
                    self._fail(exc, {'action': unit_action}, self._failure_suffix(units, index))
                except StepFailed as exc:
                    self.close()
                    self.module.fail_json(msg=f"{exc.msg}{self._failure_suffix(units, index)}", queries=self.queries)
                continue
            if unit.transaction:
                statements = [Statement('BEGIN')] + statements + [Statement('COMMIT')]
            in_tx = False
            for stmt in statements:
                rendered = stmt.shown or self.render(stmt.query, stmt.params)
                self.queries.append(rendered)
                if self.check_mode:
                    continue
                try:
                    self.clear_notices()
                    self.cursor.execute(stmt.query, stmt.params)
                    if rendered == 'BEGIN':
                        in_tx = True
                    self._relay_warnings()
                except DRIVER.error as exc:
                    if in_tx:
                        with contextlib.suppress(DRIVER.error):
                            self.cursor.execute('ROLLBACK')
                    self._fail(exc, {'action': stmt.action or unit_action}, self._failure_suffix(units, index))

    def _relay_warnings(self) -> None:
        """Pass the server's WARNINGs (e.g. foreign keys Citus drops) on as module warnings."""
        for notice in self.notices():
            text = one_line(notice)
            if text.startswith('WARNING:'):
                self.module.warn(f"{self.context.get('table') or self.context.get('node') or 'server'}: "
                                 f"{text[len('WARNING:'):].strip()}")

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # closing must never raise to the user
                self.conn.close()
            self.conn = None


# ---------------------------------------------------------------------------------------------
# Catalog reads shared by the modules.
# ---------------------------------------------------------------------------------------------

NODE_COLUMNS = ("nodeid, groupid, nodename AS name, nodeport AS port, noderole::text AS role, "
                "nodecluster::text AS cluster, isactive, shouldhaveshards AS should_have_shards, hasmetadata, "
                "metadatasynced")

TABLE_QUERY = (
    "SELECT c.oid::bigint AS oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified, "
    "n.nspname AS schema, c.relname AS relname, c.relkind::text AS relkind, "
    "p.partmethod::text AS partmethod, p.repmodel::text AS repmodel, p.colocationid, "
    "CASE WHEN p.partkey IS NOT NULL AND p.partkey <> '' "
    "THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END AS column, "
    "(SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = c.oid) AS shard_count, "
    "col.replicationfactor AS replication_factor, col.distributioncolumntype::bigint AS column_type_oid, "
    "format_type(col.distributioncolumntype, NULL) AS column_type "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid "
    "LEFT JOIN pg_dist_colocation col ON col.colocationid = p.colocationid "
    "WHERE c.oid = pg_catalog.to_regclass(%s)"
)


def table_type(partmethod: str | None, repmodel: str | None, colocationid: int | None) -> str:
    """Citus kind of a table from its pg_dist_partition row (None: not in Citus metadata)."""
    if not partmethod:
        return 'local'
    if partmethod == 'n':
        if repmodel == 't':
            return 'reference'
        if not colocationid:
            return 'citus_local'
        return 'single_shard'
    return {'h': 'distributed', 'a': 'append', 'r': 'range'}.get(partmethod, 'distributed')


def table_facts(row: dict[str, Any] | None) -> dict[str, Any]:
    """The `table` return value from a TABLE_QUERY row."""
    if not row:
        return {}
    kind = table_type(row.get('partmethod'), row.get('repmodel'), row.get('colocationid'))
    in_citus = kind not in ('local',)
    rf = row.get('replication_factor')
    return {
        'name': row['qualified'],
        'type': kind,
        'column': row.get('column') if in_citus else None,
        'shard_count': int(row['shard_count']) if in_citus and row.get('shard_count') is not None else None,
        'colocation_id': row.get('colocationid') if in_citus and row.get('colocationid') else None,
        'replication_factor': int(rf) if in_citus and rf is not None and int(rf) > 0 else None,
    }


def read_table(db: CitusDB, name: str) -> dict[str, Any] | None:
    return db.fetchone(TABLE_QUERY, (name,), table=name)


def count_rows(db: CitusDB, row: dict[str, Any]) -> int:
    sql = DRIVER.sql
    query = sql.SQL('SELECT count(*) AS n FROM {}').format(sql.Identifier(row['schema'], row['relname']))
    res = db.fetchone(query, None, table=row['qualified'])
    return int(res['n']) if res else 0
