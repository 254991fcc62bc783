"""Fixtures of the module integration tests.

The cluster comes from the shared fixtures in tests/conftest.py (``citus_cluster``, ``clean_cluster``): local
PostgreSQL 15 servers with the Citus API emulator by default, or a real Citus cluster named by
CITUS_TEST_COORDINATOR / CITUS_TEST_WORKERS.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from citus_module_runner import CitusHelper  # noqa: E402


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
