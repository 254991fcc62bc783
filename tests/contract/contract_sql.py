"""SQL helpers of the Citus API contract tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from typing import Any

import psycopg2
import psycopg2.extensions
import pytest
from pgcluster import Cluster, Node


class Sql:
    """Runs SQL on the cluster's nodes, one autocommit connection per node, kept for the test."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self._conns: dict[int, psycopg2.extensions.connection] = {}

    def conn(self, node: Node | None = None) -> psycopg2.extensions.connection:
        node = node or self.cluster.coordinator
        key = id(node)
        if key not in self._conns:
            self._conns[key] = self.cluster.connect(node)
        return self._conns[key]

    def __call__(self, query: str, params: Any = None, node: Node | None = None) -> list[tuple]:
        """All rows of ``query`` (an empty list for statements without a result)."""
        with self.conn(node).cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    def one(self, query: str, params: Any = None, node: Node | None = None) -> Any:
        """The single value of a single-row, single-column result."""
        rows = self(query, params, node)
        assert len(rows) == 1 and len(rows[0]) == 1, f"expected one value from {query!r}, got {rows!r}"
        return rows[0][0]

    def error(self, query: str, params: Any = None, node: Node | None = None) -> psycopg2.Error:
        """The error ``query`` raises (the test fails when it raises none)."""
        conn = self.conn(node)
        with pytest.raises(psycopg2.Error) as info, conn.cursor() as cur:
            cur.execute(query, params)
        if not conn.autocommit or conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INERROR:
            conn.rollback()
        return info.value

    def notices(self, node: Node | None = None) -> list[str]:
        """First lines of the server messages (NOTICE, WARNING) received so far, as 'LEVEL:  text'."""
        return [notice.strip().splitlines()[0] for notice in self.conn(node).notices]

    def close(self) -> None:
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()


def sorted_nodes(nodes: list[Node]) -> list[Node]:
    """Nodes in Citus's order for placements and 'first worker' (name in C collation, then port)."""
    return sorted(nodes, key=lambda node: (node.name.encode(), node.port))
