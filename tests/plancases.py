"""Named rows for the unit tests' tables of plans: what a module is asked, what the catalogs hold, what is expected."""

from __future__ import annotations

from typing import Any, NamedTuple


class Plan(NamedTuple):
    """A request that plans these queries; after: columns of the predicted object (None: nothing after)."""
    id: str
    params: dict[str, Any]
    snap: dict[str, Any]
    queries: list[str]
    after: dict[str, Any] | None


class Refused(NamedTuple):
    """A request the module refuses; fragments: what the refusal message must say."""
    id: str
    params: dict[str, Any]
    snap: dict[str, Any]
    fragments: list[str]
