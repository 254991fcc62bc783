"""Contract: how the citus library refuses to load (checked with a scratch server in single-user mode)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgcluster import PG_BIN, Cluster


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def scratch_datadir(citus_cluster: Cluster) -> Iterator[Path]:
    """A fresh data directory on this host (local mode only: real mode has no access to the servers)."""
    if not citus_cluster.is_local:
        pytest.skip("needs a PostgreSQL installation on the test host (local mode)")
    base = Path(tempfile.mkdtemp(prefix="pgcitus-scratch-"))
    base.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    datadir = base / "data"
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(datadir), "-U", "postgres", "--no-sync",
                                 "--auth=trust"]), check=True, capture_output=True, timeout=120)
    try:
        yield datadir
    finally:
        shutil.rmtree(base, ignore_errors=True)


def single_user(datadir: Path, preload: str, statement: str = "SELECT 1") -> str:
    """Output of ``statement`` in a single-user server started with shared_preload_libraries = preload."""
    proc = subprocess.run(_as_postgres([str(PG_BIN / "postgres"), "--single", "-D", str(datadir),
                                        "-c", f"shared_preload_libraries={preload}", "postgres"]),
                          input=f"{statement}\n", capture_output=True, text=True, timeout=120, check=False)
    return proc.stdout + proc.stderr


def test_citus_must_be_preloaded(scratch_datadir: Path) -> None:
    output = single_user(scratch_datadir, "", "LOAD 'citus'")
    assert "ERROR:  Citus can only be loaded via shared_preload_libraries" in output
    assert ("HINT:  Add citus to shared_preload_libraries configuration variable in postgresql.conf in master and "
            "workers. Note that citus should be at the beginning of shared_preload_libraries.") in output


def test_citus_must_be_loaded_first(scratch_datadir: Path) -> None:
    output = single_user(scratch_datadir, "pg_stat_statements,citus")
    assert "Citus has to be loaded first" in output
    assert "Place citus at the beginning of shared_preload_libraries." in output


def test_citus_first_loads(scratch_datadir: Path) -> None:
    output = single_user(scratch_datadir, "citus,pg_stat_statements", "SHOW citus.shard_count")
    assert "ERROR" not in output and "FATAL" not in output
    assert '"32"' in output
