"""Shared helpers for the default scenario's testinfra checks: the declared cluster, read from the files that
declared it (the lab's group_vars and the scenario's platforms), and a psql runner on a node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SCENARIO = Path(__file__).resolve().parent.parent
GROUP_VARS = SCENARIO.parent.parent / "inventory" / "lab" / "group_vars"


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


ALL_VARS = _load(GROUP_VARS / "all.yml")
COORDINATOR_VARS = _load(GROUP_VARS / "citus_coordinator.yml")
PLATFORMS = _load(SCENARIO / "molecule.yml")["platforms"]

DATABASES: list[str] = ALL_VARS.get("citus_databases", ["postgres"])
WORKERS: list[str] = [p["name"] for p in PLATFORMS if "citus_workers" in p.get("groups", [])]
COORDINATOR: str = next(p["name"] for p in PLATFORMS if "citus_coordinator" in p.get("groups", []))
DISTRIBUTED: list[dict[str, Any]] = COORDINATOR_VARS.get("citus_cluster_distributed_tables", [])
REFERENCE: list[dict[str, Any]] = COORDINATOR_VARS.get("citus_cluster_reference_tables", [])


def psql(host: Any, sql: str, db: str = "postgres", env: str = "", conninfo: str = "") -> str:
    """Run one SQL statement as the postgres OS user on a node; fail the test with psql's message on error."""
    target = conninfo or f"dbname={db}"
    cmd = host.run(f"{env} runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d %s -c %s", target, sql)
    assert cmd.rc == 0, f"psql on {host.backend.hostname} failed: {cmd.stderr.strip()}"
    return cmd.stdout.strip()
