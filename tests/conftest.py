"""pytest fixtures shared by the test layers: a Citus cluster (see tests/pgcluster.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pgcluster import Cluster, ClusterError  # noqa: E402


@pytest.fixture(scope="session")
def citus_cluster() -> Iterator[Cluster]:
    """A coordinator and three workers (local instances), or the real cluster named by CITUS_TEST_*."""
    try:
        cluster = Cluster.start()
    except ClusterError as exc:
        pytest.fail(f"cannot start the Citus test cluster: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def clean_cluster(citus_cluster: Cluster) -> Cluster:
    """The cluster reset: no node registered, no test table, the citus extension on every node."""
    try:
        citus_cluster.reset()
    except ClusterError as exc:
        pytest.fail(f"cannot reset the Citus test cluster: {exc}", pytrace=False)
    return citus_cluster
