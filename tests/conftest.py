"""pytest fixtures shared by the test layers: a Citus cluster (see tests/pgcluster.py)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def collections_root() -> Path:
    """A directory where ansible_collections.pgcitus.cluster is this tree (setup's link, else a temporary one)."""
    cached = ROOT / '.cache' / 'collections'
    if (cached / 'ansible_collections' / 'pgcitus' / 'cluster' / 'galaxy.yml').exists():
        return cached
    tmp = Path(tempfile.mkdtemp(prefix='pgcitus-collections-'))
    (tmp / 'ansible_collections' / 'pgcitus').mkdir(parents=True)
    (tmp / 'ansible_collections' / 'pgcitus' / 'cluster').symlink_to(ROOT)
    return tmp


# The collection (for the unit and module tests) and pgcluster.py beside this file.
for _path in (str(collections_root()), str(Path(__file__).resolve().parent)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

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
