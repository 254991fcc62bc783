"""The coordinator: both workers are active primaries, every table is distributed exactly as declared with
placements on both workers, and the coordinator reaches each worker with the configured authentication."""

from __future__ import annotations

import pytest
from conftest import COORDINATOR, DISTRIBUTED, REFERENCE, WORKERS, psql

testinfra_hosts = [f"ansible://{COORDINATOR}"]

DEFAULT_SHARD_COUNT = 32


def _declared_by_name() -> dict[str, dict]:
    return {table["name"]: table for table in DISTRIBUTED}


def _expected_shard_count(table: dict) -> int:
    colocated = table.get("colocate_with", "default")
    if colocated not in ("default", "none"):
        return _expected_shard_count(_declared_by_name()[colocated])
    return int(table.get("shard_count", DEFAULT_SHARD_COUNT))


@pytest.mark.parametrize("worker", WORKERS)
def test_worker_is_an_active_primary(host, worker: str) -> None:
    row = psql(host, f"SELECT isactive, noderole, shouldhaveshards FROM pg_dist_node WHERE nodename = '{worker}'")
    assert row == "t|primary|t"


def test_coordinator_is_registered_in_group_0(host) -> None:
    assert psql(host, "SELECT nodename FROM pg_dist_node WHERE groupid = 0") == COORDINATOR


@pytest.mark.parametrize("table", DISTRIBUTED, ids=[t["name"] for t in DISTRIBUTED])
def test_table_is_distributed_as_declared(host, table: dict) -> None:
    row = psql(
        host,
        "SELECT p.partmethod, column_to_column_name(p.logicalrelid, p.partkey), c.shardcount, c.replicationfactor "
        "FROM pg_dist_partition p JOIN pg_dist_colocation c USING (colocationid) "
        f"WHERE p.logicalrelid = '{table['name']}'::regclass",
    )
    expected = f"h|{table['column']}|{_expected_shard_count(table)}|{table.get('replication_factor', 1)}"
    assert row == expected


@pytest.mark.parametrize(
    "table",
    [t for t in DISTRIBUTED if t.get("colocate_with", "default") not in ("default", "none")],
    ids=lambda t: t["name"],
)
def test_table_is_colocated_as_declared(host, table: dict) -> None:
    groups = psql(
        host,
        "SELECT count(DISTINCT colocationid) FROM pg_dist_partition "
        f"WHERE logicalrelid IN ('{table['name']}'::regclass, '{table['colocate_with']}'::regclass)",
    )
    assert groups == "1"


@pytest.mark.parametrize("table", REFERENCE, ids=[t["name"] for t in REFERENCE])
def test_table_is_a_reference_table(host, table: dict) -> None:
    row = psql(
        host, f"SELECT partmethod, repmodel FROM pg_dist_partition WHERE logicalrelid = '{table['name']}'::regclass"
    )
    assert row == "n|t"


@pytest.mark.parametrize("table", DISTRIBUTED + REFERENCE, ids=[t["name"] for t in DISTRIBUTED + REFERENCE])
def test_table_has_placements_on_both_workers(host, table: dict) -> None:
    nodes = psql(
        host,
        "SELECT string_agg(DISTINCT p.nodename, ',' ORDER BY p.nodename) FROM pg_dist_shard s "
        f"JOIN pg_dist_shard_placement p USING (shardid) WHERE s.logicalrelid = '{table['name']}'::regclass",
    )
    assert set(WORKERS) <= set(nodes.split(","))


@pytest.mark.parametrize(
    "table", [t for t in DISTRIBUTED if int(t.get("replication_factor", 1)) > 1], ids=lambda t: t["name"]
)
def test_every_shard_has_its_replicas_on_distinct_workers(host, table: dict) -> None:
    counts = psql(
        host,
        "SELECT DISTINCT count(DISTINCT p.nodename) FROM pg_dist_shard s "
        "JOIN pg_dist_shard_placement p USING (shardid) "
        f"WHERE s.logicalrelid = '{table['name']}'::regclass GROUP BY s.shardid",
    )
    assert counts == str(table["replication_factor"])


@pytest.mark.parametrize("worker", WORKERS)
def test_coordinator_reaches_worker_over_tls_with_the_password(host, worker: str) -> None:
    ssl = psql(
        host,
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        conninfo=f"host={worker} dbname=postgres user=postgres sslmode=require",
    )
    assert ssl == "t"


@pytest.mark.parametrize("worker", WORKERS)
def test_worker_refuses_the_coordinator_without_the_password(host, worker: str) -> None:
    cmd = host.run(
        "PGPASSFILE=/dev/null runuser -u postgres -- psql -XAtq -w -d %s -c 'SELECT 1'",
        f"host={worker} dbname=postgres user=postgres sslmode=require",
    )
    assert cmd.rc != 0
    assert "password" in cmd.stderr


@pytest.mark.parametrize("worker", WORKERS)
def test_worker_refuses_the_coordinator_without_tls(host, worker: str) -> None:
    cmd = host.run(
        "runuser -u postgres -- psql -XAtq -w -d %s -c 'SELECT 1'",
        f"host={worker} dbname=postgres user=postgres sslmode=disable",
    )
    assert cmd.rc != 0
    assert "no encryption" in cmd.stderr
