"""Fixtures of the module integration tests.

The cluster comes from the shared fixtures in tests/conftest.py (``citus_cluster``, ``clean_cluster``): local
PostgreSQL 15 servers with the Citus API emulator by default, or a real Citus cluster named by
CITUS_TEST_COORDINATOR / CITUS_TEST_WORKERS.

PGCITUS_TEST_DRIVER=psycopg runs every module on psycopg 3 instead of psycopg2 (when it is installed).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from citus_module_runner import CitusHelper  # noqa: E402


@pytest.fixture(scope='session', autouse=True)
def module_driver() -> Any:
    """The PostgreSQL driver the modules use: psycopg2 unless PGCITUS_TEST_DRIVER says otherwise."""
    from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus

    wanted = os.environ.get('PGCITUS_TEST_DRIVER')
    if wanted:
        _citus.DRIVER.use(wanted)
        if wanted != _citus.DRIVER.name:
            pytest.fail(f"PGCITUS_TEST_DRIVER={wanted} but that driver is not installed", pytrace=False)
    yield _citus.DRIVER.name
    _citus.DRIVER.use(None)


@pytest.fixture
def citus(clean_cluster: Any) -> CitusHelper:
    """A clean cluster (coordinator, no node registered, no test table) with the module runner."""
    return CitusHelper(clean_cluster)


@pytest.fixture
def seeded(citus: CitusHelper) -> CitusHelper:
    """Coordinator and two workers registered, the seed tables created (still local) with their rows."""
    citus.register(workers=2)
    citus.seed()
    return citus
