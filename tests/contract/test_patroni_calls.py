"""Contract: the Citus calls Patroni's Citus support makes (patroni/postgresql/mpp/citus.py, Patroni 4.1), with its
own SQL text, so that the emulator answers them as Citus 13.2 does: the coordinator's bootstrap
(citus_set_coordinator_host, a pg_dist_authinfo row), a worker group's primary and replicas (citus_add_node with
role primary or secondary), a failover (citus_update_node with force and lock_cooldown in one transaction, through a
'-demoted' placeholder name), the read of pg_dist_node, and the removal of a replica that is gone."""

from __future__ import annotations

import pytest
from contract_sql import Sql
from pgcluster import Node

# Patroni's statements, verbatim.
SET_COORDINATOR = "SELECT pg_catalog.citus_set_coordinator_host(%s, %s, 'primary', 'default')"
ADD_NODE = "SELECT pg_catalog.citus_add_node(%s, %s, %s, %s, 'default')"
UPDATE_NODE = "SELECT pg_catalog.citus_update_node(%s, %s, %s, true, %s)"
REMOVE_NODE = "SELECT pg_catalog.citus_remove_node(%s, %s)"
AUTHINFO = "INSERT INTO pg_catalog.pg_dist_authinfo VALUES(0, pg_catalog.current_user(), %s)"
LOAD = "SELECT groupid, nodename, nodeport, noderole, nodeid FROM pg_catalog.pg_dist_node"


def rows(sql: Sql) -> list[tuple]:
    return sorted(sql(LOAD))


@pytest.fixture
def patroni_coordinator(sql: Sql) -> Node:
    node = sql.cluster.coordinator
    sql(SET_COORDINATOR, (node.name, node.port))
    return node


@pytest.fixture
def group1(sql: Sql, patroni_coordinator: Node) -> tuple[Node, Node, int, int]:
    """Worker group 1 as Patroni registers it: the primary, then a replica as its secondary (the second worker stands
    in for the replica: Citus does not connect to a secondary)."""
    primary, replica = sql.cluster.workers[0], sql.cluster.workers[1]
    primary_id = sql.one(ADD_NODE, (primary.name, primary.port, 1, 'primary'))
    replica_id = sql.one(ADD_NODE, (replica.name, replica.port, 1, 'secondary'))
    return primary, replica, primary_id, replica_id


def test_bootstrap_registers_the_coordinator_in_group_0(sql: Sql, patroni_coordinator: Node) -> None:
    [(groupid, name, port, role, _)] = rows(sql)
    assert (groupid, name, port, role) == (0, patroni_coordinator.name, patroni_coordinator.port, 'primary')


def test_bootstrap_stores_the_superuser_credentials_in_pg_dist_authinfo(sql: Sql) -> None:
    authinfo = "password=secret sslcert=/var/lib/postgresql/.postgresql/postgresql.crt " \
               "sslkey=/var/lib/postgresql/.postgresql/postgresql.key"
    sql(AUTHINFO, (authinfo,))
    try:
        assert sql("SELECT nodeid, rolename = current_user, authinfo FROM pg_dist_authinfo") == [(0, True, authinfo)]
    finally:
        sql("DELETE FROM pg_dist_authinfo")


def test_a_group_gets_its_primary_and_its_replica_as_secondary(sql: Sql, group1: tuple) -> None:
    primary, replica, primary_id, replica_id = group1
    assert isinstance(primary_id, int) and isinstance(replica_id, int) and primary_id != replica_id
    assert [r for r in rows(sql) if r[0] == 1] == sorted([
        (1, primary.name, primary.port, 'primary', primary_id),
        (1, replica.name, replica.port, 'secondary', replica_id)])
    assert sql.one("SELECT isactive FROM pg_dist_node WHERE nodeid = %s", (replica_id,)) is True


def test_failover_swaps_primary_and_secondary_in_one_transaction(sql: Sql, group1: tuple) -> None:
    primary, replica, primary_id, replica_id = group1
    conn = sql.conn()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            # PgDistGroup.transition: the old primary's row gets a placeholder name, the replica's row the old
            # primary's name, then the primary's row (its nodeid kept) the new primary's name.
            cur.execute(UPDATE_NODE, (primary_id, primary.name + '-demoted', primary.port, 10000))
            cur.execute(UPDATE_NODE, (replica_id, primary.name, primary.port, 10000))
            cur.execute(UPDATE_NODE, (primary_id, replica.name, replica.port, 10000))
        conn.commit()
    finally:
        conn.autocommit = True
    assert [r for r in rows(sql) if r[0] == 1] == sorted([
        (1, replica.name, replica.port, 'primary', primary_id),
        (1, primary.name, primary.port, 'secondary', replica_id)])


def test_a_rolled_back_failover_changes_nothing(sql: Sql, group1: tuple) -> None:
    primary, _, primary_id, _ = group1
    before = rows(sql)
    conn = sql.conn()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute(UPDATE_NODE, (primary_id, primary.name + '-demoted', primary.port, 10000))
        conn.rollback()
    finally:
        conn.autocommit = True
    assert rows(sql) == before


def test_a_replica_that_is_gone_is_removed(sql: Sql, group1: tuple) -> None:
    primary, replica, primary_id, _ = group1
    sql(REMOVE_NODE, (replica.name, replica.port))
    assert [r for r in rows(sql) if r[0] == 1] == [(1, primary.name, primary.port, 'primary', primary_id)]
