# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Translation of Citus/PostgreSQL errors into one-line messages that say what to do (private to this collection).

Pure code (no connection, no driver), so every rule is unit tested. Texts are the ones Citus 13.2 prints. Each
domain (remote connections, nodes, tables, the rest) is a table of (matcher, builder) rules, in the shape of
_CONNECT_HINTS: the first rule whose matcher fits and whose builder gives a text wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The ranges Citus accepts, here because its out-of-range messages are translated with them; the table modules'
# own checks (validate_distributed) quote the same constants.
SHARD_COUNT_MIN = 1
SHARD_COUNT_MAX = 64000
REPLICATION_FACTOR_MIN = 1
REPLICATION_FACTOR_MAX = 100

CITUS_ROLE_HINT = "run the pgcitus.cluster.citus role on it"


def one_line(text: Any) -> str:
    """Collapse a (possibly multi-line) message into one line."""
    return ' '.join(str(text).split())


_CONNECT_HINTS = (
    (r'password authentication failed|no password supplied', "check login_user and login_password"),
    (r'no pg_hba\.conf entry', "add a pg_hba.conf rule for this client on the server, or connect as another user"),
    (r'database "[^"]*" does not exist', "set db to an existing database (the one that holds the citus extension)"),
    (r'role "[^"]*" does not exist', "set login_user to an existing role"),
    (r'on socket', "check login_unix_socket and login_port, and that PostgreSQL runs on this host"),
    (r'Connection refused|could not translate host name|timeout expired|No route to host|Network is unreachable',
     "check login_host and login_port, and that PostgreSQL runs and listens there"),
    (r'SSL|certificate', "check ssl_mode, ca_cert, ssl_cert and ssl_key"),
    (r'invalid dsn|invalid connection option|invalid sslmode|invalid integer value',
     "check connect_params and the connection options"),
)


def connect_error(text: Any) -> str:
    """One line from a failed connection: libpq's reason (said once; with sslmode=prefer libpq tries twice and
    repeats it) and the module options to fix."""
    parts: list[str] = []
    for part in re.split(r'(?=connection to server )', one_line(text)):
        part = part.strip()
        if part and part not in parts:
            parts.append(part)
    reason = ' '.join(parts)
    hint = next((fix for pattern, fix in _CONNECT_HINTS if re.search(pattern, reason)), '')
    return f"{reason}: {hint}" if hint else reason


@dataclass
class PgErrorInfo:
    primary: str
    detail: str = ''
    hint: str = ''
    sqlstate: str = ''
    notices: list[str] = field(default_factory=list)


def error_info(exc: BaseException, notices: list[str] | None = None) -> PgErrorInfo:
    """Pull the parts of a psycopg error (primary message, detail, hint, SQLSTATE)."""
    diag = getattr(exc, 'diag', None)
    primary = getattr(diag, 'message_primary', None) if diag is not None else None
    if not primary:
        text = str(exc).strip()
        primary = text.splitlines()[0] if text else type(exc).__name__
        if primary.startswith('ERROR:'):
            primary = primary[len('ERROR:'):].strip()
    return PgErrorInfo(
        primary=one_line(primary),
        detail=one_line(getattr(diag, 'message_detail', None) or '') if diag is not None else '',
        hint=one_line(getattr(diag, 'message_hint', None) or '') if diag is not None else '',
        sqlstate=(getattr(exc, 'pgcode', None) or getattr(exc, 'sqlstate', None) or '') if diag is not None else '',
        notices=[one_line(n) for n in (notices or [])],
    )


def messages_in_english(lc_messages: str | None) -> bool:
    """Whether a session's lc_messages gives the English server messages translate_error matches ('' is unknown:
    the server's environment decides)."""
    value = (lc_messages or '').strip().lower()
    return value in ('', 'c', 'posix', 'en') or value.startswith(('c.', 'en_', 'en.', 'en@'))


def untranslated_note(lc_messages: str | None) -> str:
    """Why a message fell through to the generic text, when the session's messages are not in English."""
    if messages_in_english(lc_messages):
        return ''
    return (f" (server messages are in lc_messages={lc_messages}, so this one could not be translated: connect as a "
            f"superuser, which the module switches to lc_messages C, or set lc_messages to C for the login role, for "
            f"translated hints)")


@dataclass
class ErrorContext:
    """What the failing step was about (from translate_error's context dict)."""
    node: str = ''
    table: str = ''
    db: str = 'the target database'
    action: str = ''
    lc_messages: str | None = None

    @classmethod
    def of(cls, context: dict[str, Any] | None) -> ErrorContext:
        ctx = context or {}
        return cls(node=ctx.get('node', ''), table=ctx.get('table', ''), db=ctx.get('db') or 'the target database',
                   action=ctx.get('action', ''), lc_messages=ctx.get('lc_messages'))


# A rule is (matcher, builder). The matcher is a compiled pattern searched in the primary message (the builder gets
# the match), or a predicate on the whole PgErrorInfo, for the sqlstate (the builder gets True). The builder gets
# (match, info, context) and may return None to let the later rules try.
Builder = Callable[[Any, PgErrorInfo, ErrorContext], 'str | None']
Rule = tuple['re.Pattern[str] | Callable[[PgErrorInfo], bool]', Builder]


def _text(literal: str) -> re.Pattern[str]:
    """A pattern for a fixed piece of a message (found anywhere in it)."""
    return re.compile(re.escape(literal))


def _starts(literal: str) -> re.Pattern[str]:
    """A pattern for the fixed start of a message."""
    return re.compile('^' + re.escape(literal))


def _detail(info: PgErrorInfo) -> str:
    return f" ({info.detail})" if info.detail else ''


# --- Remote connections: the coordinator failed to reach or log in to another node -------------------------------

_REMOTE = re.compile(r'connection to the remote node (?P<user>[^@\s]+)@(?P<hp>\S+?) '
                     r'failed with the following error: (?P<err>.*)')
_ESSENTIAL = re.compile(r'failure on connection marked as essential: (?P<hp>\S+)')


def _remote(m: re.Match[str], info: PgErrorInfo, c: ErrorContext) -> str:
    hp, user, err = m.group('hp'), m.group('user'), one_line(m.group('err'))
    low = err.lower()
    if 'does not support ssl' in low:
        return (f"{hp} does not accept SSL but citus.node_conninfo requires it ({err}): enable ssl on that "
                f"server ({CITUS_ROLE_HINT}) or relax citus.node_conninfo")
    if ('password authentication failed' in low or 'no password supplied' in low
            or 'fe_sendauth' in low or 'authentication failed' in low):
        return (f"the coordinator cannot authenticate as {user} to {hp} ({err}): give the coordinator "
                f"credentials for it (~postgres/.pgpass or pg_dist_authinfo) and a pg_hba.conf rule on {hp}; "
                f"{CITUS_ROLE_HINT}")
    if 'pg_hba.conf' in low:
        return (f"{hp} refuses the coordinator ({err}): add a pg_hba.conf rule for the coordinator on {hp}; "
                f"{CITUS_ROLE_HINT}")
    return (f"the coordinator cannot reach {hp} ({err}): check that PostgreSQL runs there, listens on an "
            f"address the coordinator can reach, and that name and port are right")


def _essential(m: re.Match[str], info: PgErrorInfo, c: ErrorContext) -> str:
    hp = m.group('hp')
    if any('assign_distributed_transaction_id' in n or 'does not exist' in n for n in info.notices):
        return (f"{hp} has no citus extension in database {c.db}: {CITUS_ROLE_HINT} "
                f"(CREATE EXTENSION citus) before adding it")
    return (f"the coordinator lost its connection to {hp} ({info.primary}): if {hp} has no citus extension in "
            f"database {c.db}, {CITUS_ROLE_HINT}; otherwise check its server log")


REMOTE_RULES: tuple[Rule, ...] = (
    (_REMOTE, _remote),
    (_ESSENTIAL, _essential),
)

# --- Nodes: adding, removing, disabling workers and the coordinator ------------------------------------------------

# "because (?:because )?": Citus 13.2's own message really doubles the word ("... the node w1:5432 because because it
# contains the only shard placement ..."); the optional second one keeps the rule working once Citus fixes it.
_NOT_STREAMING = re.compile(r'clone (?P<clone>\S+) is not connected to primary (?P<primary>\S+)')
_NO_CATCH_UP = re.compile(r'Clone (?P<clone>\S+) failed to catch up with primary (?P<primary>\S+) within (?P<s>\d+) '
                          r'seconds')
_ONLY_PLACEMENT = re.compile(
    r'cannot remove or disable the node (?P<hp>\S+) because (?:because )?it contains the only shard placement '
    r'for shard (?P<shard>\d+)')
_GROUP_HAS_PRIMARY = re.compile(r'group (?P<group>\d+) already has a primary node')
_NODE_MISSING = re.compile(r'node at "(?P<hp>[^"]+)" does not exist')


def _only_placement(m: re.Match[str], info: PgErrorInfo, c: ErrorContext) -> str:
    hp, shard = m.group('hp'), m.group('shard')
    if c.action == 'disable':
        return (f"node {hp} holds the only placement of shard {shard}{_detail(info)}: move its shards away first "
                f"(state: absent with drain: true) before disabling it")
    return (f"node {hp} holds the only placement of shard {shard}{_detail(info)}: use drain: true to move its shards "
            f"first")


NODE_RULES: tuple[Rule, ...] = (
    (_text('cannot add a worker node when the coordinator hostname is set to localhost'), lambda m, info, c: (
        "the coordinator is registered as localhost, so workers cannot be added: register it under a name "
        "the workers can reach with pgcitus.cluster.citus_node (coordinator: true) first")),
    (_text('Node cannot add itself as a worker'), lambda m, info, c: (
        f"{c.node or 'this node'} is the coordinator itself: register it with coordinator: true, not as a worker")),
    (_GROUP_HAS_PRIMARY, lambda m, info, c: (
        f"group {m.group('group')} already has a primary node: add {c.node or 'the node'} with "
        f"role: secondary, or choose another group_id")),
    (_ONLY_PLACEMENT, _only_placement),
    (_NOT_STREAMING, lambda m, info, c: (
        f"clone {m.group('clone')} is not streaming from primary {m.group('primary')} as the primary's "
        f"pg_stat_replication shows it: make the replica stream from that worker (pg_basebackup -R), and set "
        f"application_name={m.group('clone').rsplit(':', 1)[0]} in its primary_conninfo, so that Citus finds it by "
        f"name")),
    (_NO_CATCH_UP, lambda m, info, c: (
        f"clone {m.group('clone')} did not replay the WAL of {m.group('primary')} within {m.group('s')} seconds (its "
        f"primary's writes were blocked meanwhile; nothing was promoted): raise catchup_timeout, or wait until the "
        f"replica is close behind")),
    (_NODE_MISSING, lambda m, info, c: (
        f"node {m.group('hp')} is not registered on the coordinator; nothing to do for it")),
    (_text('cannot replicate reference tables in a transaction that modified node metadata'), lambda m, info, c: (
        "Citus cannot replicate reference tables in a transaction that changed node metadata: run the node "
        "change and the reference table change in separate tasks")),
    (_text('operation is not allowed on this node'), lambda m, info, c: (
        "this server is not the Citus coordinator: point login_host and login_port at the coordinator")),
)

# --- Tables: distributing, converting, altering, moving shards -----------------------------------------------------

_ALREADY = re.compile(r'table "(?P<t>[^"]+)" is already distributed')
_NO_COLUMN = re.compile(r'column "(?P<c>[^"]+)" of relation "(?P<t>[^"]+)" does not exist')
_NO_RELATION = re.compile(r'relation "(?P<t>[^"]+)" does not exist')
_COLOCATE = re.compile(r'cannot colocate tables (?P<a>\S+) and (?P<b>\S+)')
_SHARD_RANGE = re.compile(r'(?P<n>-?\d+) is outside the valid range for parameter "shard_count"')
_RF_EXCEEDS = re.compile(r'replication_factor \((?P<rf>\d+)\) exceeds number of worker nodes \((?P<n>\d+)\)')
_RF_ARGUMENT = re.compile(r'function create_distributed_table\(.*replication_factor.*\) does not exist')
_NO_IDENTITY = re.compile(r'relation (?P<t>\S+) since it doesn\'t have a REPLICA IDENTITY or PRIMARY KEY')
_FOREIGN_KEY = re.compile(r'cannot complete operation because table (?P<t>\S+) (?:has|is referenced by) a foreign key')
_PARTITION = re.compile(r'cannot distribute relation "(?P<t>[^"]+)" which is partition of "(?P<p>[^"]+)"')
_CONSTRAINT = re.compile(r'cannot create constraint on "(?P<t>[^"]+)"')
_CONCURRENT_RF = re.compile(r'distribute a table concurrently when citus\.shard_replication_factor > 1'
                            r'|concurrent table distribution only when citus\.shard_replication_factor = 1')
_BAD_NAME = re.compile(r'invalid name syntax|improper relation name|improper qualified name')


def _no_relation(m: re.Match[str], info: PgErrorInfo, c: ErrorContext) -> str:
    if m.group('t').startswith('pg_dist_'):
        return f"the citus extension is not installed in database {c.db}: {CITUS_ROLE_HINT}"
    return f"table {m.group('t')} does not exist in database {c.db}: create it first (check name and schema)"


def _constraint(m: re.Match[str], info: PgErrorInfo, c: ErrorContext) -> str | None:
    if 'partition column' not in info.detail:
        return None
    return (f"table {m.group('t')} has a primary key or unique constraint without the distribution column: add the "
            f"column to it (e.g. PRIMARY KEY (customer_id, id)) or distribute by a column it contains")


TABLE_RULES: tuple[Rule, ...] = (
    (_RF_ARGUMENT, lambda m, info, c: (
        "create_distributed_table has no replication_factor argument: use this module's replication_factor "
        "option, which sets citus.shard_replication_factor for the transaction")),
    (_ALREADY, lambda m, info, c: (
        f"table {m.group('t')} is already a Citus table: set allow_redistribute: true to change how it is "
        f"distributed (rows are kept)")),
    (_NO_COLUMN, lambda m, info, c: (
        f"table {m.group('t')} has no column {m.group('c')}: set column to one of its columns")),
    (_NO_RELATION, _no_relation),
    (_COLOCATE, lambda m, info, c: (
        f"cannot colocate {m.group('b')} with {m.group('a')}{_detail(info)}: distribute {m.group('b')} by a column "
        f"of the same type as the distribution column of {m.group('a')}, or set colocate_with: none")),
    (_text('Cannot use colocate_with with a table and shard_count at the same time'), lambda m, info, c: (
        "colocate_with a table and shard_count cannot be used together: the shard count of the table named "
        "in colocate_with applies; remove shard_count")),
    (_SHARD_RANGE, lambda m, info, c: (
        f"shard_count {m.group('n')} is out of range: use {SHARD_COUNT_MIN} to {SHARD_COUNT_MAX}")),
    (_RF_EXCEEDS, lambda m, info, c: (
        f"replication_factor {m.group('rf')} exceeds the {m.group('n')} nodes that can hold shards: add "
        f"workers with pgcitus.cluster.citus_node or lower replication_factor")),
    (_text('cannot undistribute table because the table is not distributed'), lambda m, info, c: (
        f"table {c.table or '(unknown)'} is not distributed; there is nothing to undistribute")),
    (_text("this call doesn't change any properties of the table"), lambda m, info, c: (
        f"alter_distributed_table found nothing to change on {c.table or 'the table'}")),
    (_text('cascade_to_colocated parameter is necessary'), lambda m, info, c: (
        f"{c.table or 'the table'} shares its colocation group with other tables: set cascade_to_colocated: "
        f"true to change their shard count too, or false to break the colocation")),
    (_FOREIGN_KEY, lambda m, info, c: (
        f"table {m.group('t')} is linked to other tables by foreign keys, so Citus cannot convert it alone: "
        f"set cascade_via_foreign_keys: true to convert the linked tables too, or drop the foreign keys first")),
    (_PARTITION, lambda m, info, c: (
        f"{m.group('t')} is a partition of {m.group('p')}: distribute {m.group('p')} instead (its partitions follow)")),
    (_CONSTRAINT, _constraint),
    (_starts('cannot create foreign key constraint'), lambda m, info, c: (
        f"a foreign key of {c.table or 'the table'} cannot be kept by Citus ({info.detail or info.primary}): make "
        f"the referenced table a reference table, or colocate both tables by the columns of the foreign key, "
        f"before distributing this one")),
    (_text('no worker nodes are available for placing shards'), lambda m, info, c: (
        "no active worker node can hold shards: add workers with pgcitus.cluster.citus_node (or set "
        "should_have_shards: true on one)")),
    (_CONCURRENT_RF, lambda m, info, c: (
        "create_distributed_table_concurrently needs a replication factor of 1 but "
        "citus.shard_replication_factor is higher on this server: set replication_factor: 1, or drop "
        "concurrently")),
    (_NO_IDENTITY, lambda m, info, c: (
        f"table {m.group('t')} has no primary key or replica identity, so its shards cannot be moved "
        f"online: add a primary key, or set shard_transfer_mode: block_writes")),
    (_BAD_NAME, lambda m, info, c: (
        f"{c.table or 'the name'} is not a valid table name (schema.table, quote identifiers with \"): "
        f"{info.primary}")),
)

# --- The rest: the citus extension and server settings, permissions ------------------------------------------------

_NO_FUNCTION = re.compile(r'function (?P<f>(?:citus_|create_|undistribute_|alter_distributed_|master_|'
                          r'get_rebalance_|column_to_column_name|truncate_local_)\w*)\(.*\) does not exist')
_NOT_PRELOADED = re.compile(r'Citus can only be loaded via shared_preload_libraries|Citus has to be loaded first')


def _permission_denied(info: PgErrorInfo) -> bool:
    return (info.sqlstate == '42501' or info.primary.startswith('permission denied')
            or info.primary.startswith('must be owner'))


GENERIC_RULES: tuple[Rule, ...] = (
    (_NO_FUNCTION, lambda m, info, c: (
        f"function {m.group('f')} does not exist in database {c.db} ({info.primary}): the citus extension is "
        f"missing or too old there; {CITUS_ROLE_HINT}")),
    (_NOT_PRELOADED, lambda m, info, c: (
        f"citus is not first in shared_preload_libraries on this server ({info.primary}): {CITUS_ROLE_HINT} "
        f"and restart PostgreSQL")),
    (_text('maximum number of prepared transactions reached'), lambda m, info, c: (
        f"{info.primary}: Citus commits writes to several shards with two-phase commit; raise "
        f"max_prepared_transactions on every node (the pgcitus.cluster.citus role sets it) and restart PostgreSQL")),
    (_permission_denied, lambda m, info, c: (
        f"{info.primary}: connect as a superuser (login_user) or as the owner of the table")),
)

# Walked in this order. The rules of different domains match disjoint messages, so only the order inside a table
# matters (e.g. _NO_COLUMN before _NO_RELATION, _RF_ARGUMENT before _NO_FUNCTION, _REMOTE before everything).
RULES = REMOTE_RULES + NODE_RULES + TABLE_RULES + GENERIC_RULES

# What failed, by the action of the step (the opening of a message no rule translated).
_FAILED: dict[str, Callable[[ErrorContext], str]] = {
    'add': lambda c: f"cannot add node {c.node}",
    'remove': lambda c: f"cannot remove node {c.node}",
    'disable': lambda c: f"cannot disable node {c.node}",
    'activate': lambda c: f"cannot activate node {c.node}",
    'drain': lambda c: f"cannot drain node {c.node}",
    'property': lambda c: f"cannot set a property of node {c.node}",
    'coordinator': lambda c: f"cannot register the coordinator {c.node}",
    'distribute': lambda c: f"cannot distribute {c.table}",
    'reference': lambda c: f"cannot make {c.table} a reference table",
    'undistribute': lambda c: f"cannot undistribute {c.table}",
    'alter': lambda c: f"cannot redistribute {c.table}",
    'truncate': lambda c: f"cannot truncate the local data of {c.table}",
    'rebalance': lambda c: "cannot start the rebalancer",
    'stop': lambda c: "cannot stop the rebalance job",
    'clone': lambda c: f"cannot register {c.node} as a clone",
    'remove_clone': lambda c: f"cannot forget the clone {c.node}",
    'split': lambda c: f"cannot plan the split with the clone {c.node} (nothing was promoted)",
    'promote': lambda c: f"cannot promote the clone {c.node}",
    'cleanup': lambda c: "cannot drop the copies the split left (Citus's maintenance daemon drops them later)",
}


def _untranslated(info: PgErrorInfo, c: ErrorContext) -> str:
    """The server's own text (primary, detail, hint as sentences), opened by what failed."""
    parts = [info.primary] + [p for p in (info.detail, info.hint) if p]
    text = ' '.join(p if p.endswith('.') else f"{p}." for p in parts).rstrip('.')
    what = _FAILED[c.action](c) if c.action in _FAILED else 'query failed'
    return f"{what}: {text}{untranslated_note(c.lc_messages)}"


def translate_error(info: PgErrorInfo, context: dict[str, Any] | None = None) -> str:
    """Turn a Citus/PostgreSQL error into one line that says what is wrong and what to do.

    context keys (all optional): action ('add', 'remove', 'disable', 'activate', 'drain', 'property', 'coordinator',
    'distribute', 'reference', 'undistribute', 'alter', 'truncate', 'rebalance', 'stop', 'read'), node ('host:port'),
    table, db, lc_messages (the session's, when the module could not set it to C: a generic message then says why it is
    untranslated).
    """
    c = ErrorContext.of(context)
    for matcher, build in RULES:
        m = matcher.search(info.primary) if isinstance(matcher, re.Pattern) else matcher(info)
        if m:
            text = build(m, info, c)
            if text is not None:
                return text
    return _untranslated(info, c)
