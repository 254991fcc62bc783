"""Helpers of the unit tests: render plans as the SQL text the modules report, without a server."""

from __future__ import annotations

from typing import Any


def plain(query: Any, params: tuple | dict | None = None) -> str:
    """A statement with its parameters inline, by psycopg2's quoting rules."""
    text = query if isinstance(query, str) else repr(query)
    if not params:
        return text

    def lit(value: Any) -> str:
        if value is None:
            return 'NULL'
        if isinstance(value, bool):
            return 'true' if value else 'false'
        if isinstance(value, (int, float)):
            return str(value)
        escaped = str(value).replace("'", "''")
        return f"'{escaped}'"

    if isinstance(params, dict):
        return text % {k: lit(v) for k, v in params.items()}
    return text % tuple(lit(v) for v in params)


def rendered(units: list[Any]) -> list[str]:
    """The queries a list of plan units reports (BEGIN/COMMIT around a transaction unit)."""
    out: list[str] = []
    for unit in units:
        stmts = [plain(s.query, s.params) for s in unit.statements]
        out += ['BEGIN'] + stmts + ['COMMIT'] if unit.transaction else stmts
    return out
