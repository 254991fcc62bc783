"""Fixtures of the Citus API contract tests (helpers in contract_sql.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from contract_sql import Sql
from pgcluster import Cluster, Node


@pytest.fixture
def sql(clean_cluster: Cluster) -> Iterator[Sql]:
    """SQL runner on a reset cluster (no node registered)."""
    runner = Sql(clean_cluster)
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture
def coordinator(sql: Sql) -> Node:
    """The coordinator registered with citus_set_coordinator_host."""
    node = sql.cluster.coordinator
    sql("SELECT citus_set_coordinator_host(%s, %s)", (node.name, node.port))
    return node


@pytest.fixture
def workers(sql: Sql, coordinator: Node) -> list[Node]:
    """The first two workers added (the seed of a classic cluster)."""
    added = sql.cluster.workers[:2]
    for node in added:
        sql("SELECT citus_add_node(%s, %s)", (node.name, node.port))
    return added


@pytest.fixture
def third_worker(sql: Sql) -> Node:
    """The third worker, not added yet (skips when the cluster has only two)."""
    if len(sql.cluster.workers) < 3:
        pytest.skip("needs a third worker (CITUS_TEST_WORKERS lists only two)")
    return sql.cluster.workers[2]
