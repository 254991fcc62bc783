"""Contract: Citus 13.2 node functions (pg_dist_node rows, return values, exact error texts)."""

from __future__ import annotations

import socket
import time

import pytest
from contract_sql import Sql, sorted_nodes
from pgcluster import Node

NODE_COLUMNS = ("nodeid, groupid, nodename, nodeport, noderack, hasmetadata, isactive, noderole::text, "
                "nodecluster::text, metadatasynced, shouldhaveshards, nodeisclone, nodeprimarynodeid")


def node_row(sql: Sql, node: Node) -> dict:
    rows = sql(f"SELECT {NODE_COLUMNS} FROM pg_dist_node WHERE nodename = %s AND nodeport = %s", (node.name, node.port))
    assert len(rows) == 1, f"{node.address} is not in pg_dist_node once: {rows}"
    names = [name.strip().split("::")[0] for name in NODE_COLUMNS.split(",")]
    return dict(zip(names, rows[0], strict=True))


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_version_and_catalog_columns(sql: Sql) -> None:
    assert sql.one("SELECT citus_version()").startswith("Citus 13.2")
    assert sql.one("SELECT extversion FROM pg_extension WHERE extname = 'citus'") == "13.2-1"
    columns = sql("SELECT attname FROM pg_attribute WHERE attrelid = 'pg_catalog.pg_dist_node'::regclass "
                  "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
    assert [c for (c,) in columns] == ["nodeid", "groupid", "nodename", "nodeport", "noderack", "hasmetadata",
                                       "isactive", "noderole", "nodecluster", "metadatasynced", "shouldhaveshards",
                                       "nodeisclone", "nodeprimarynodeid"]


@pytest.mark.parametrize(("name", "default", "minimum", "maximum", "context"), [
    ("citus.shard_count", "32", "1", "64000", "user"),
    ("citus.shard_replication_factor", "1", "1", "100", "user"),
    ("citus.node_conninfo", "sslmode=require", None, None, "sighup"),
    ("citus.use_secondary_nodes", "never", None, None, "superuser-backend"),
    ("citus.local_hostname", "localhost", None, None, "superuser"),
])
def test_settings_have_citus_defaults(sql: Sql, name: str, default: str, minimum: str | None, maximum: str | None,
                                      context: str) -> None:
    assert sql("SELECT boot_val, min_val, max_val, context FROM pg_settings WHERE name = %s", (name,)) == [
        (default, minimum, maximum, context)]


def test_enable_ddl_propagation_is_on_and_hidden(sql: Sql) -> None:
    assert sql.one("SHOW citus.enable_ddl_propagation") == "on"
    assert sql("SELECT name FROM pg_settings WHERE name = 'citus.enable_ddl_propagation'") == []


@pytest.mark.parametrize(("conninfo", "detail"), [
    ("application_name=x", "Prohibited conninfo keyword detected: application_name"),
    ("sslmode=verify-full password=secret", "Prohibited conninfo keyword detected: password"),
    ("postgresql://h/db", "Citus connection info strings must be in 'k1=v1 k2=v2 [...] kn=vn' format"),
    ("sslmode", "Provided string is not a valid libpq connection info string"),
    ("not_a_libpq_option=1", "Provided string is not a valid libpq connection info string"),
])
def test_node_conninfo_refuses_keywords_outside_the_allow_list(sql: Sql, conninfo: str, detail: str) -> None:
    before = sql.one("SHOW citus.node_conninfo")
    error = sql.error("ALTER SYSTEM SET citus.node_conninfo = %s", (conninfo,))
    assert error.pgerror.splitlines()[0] == f'ERROR:  invalid value for parameter "citus.node_conninfo": "{conninfo}"'
    assert error.diag.message_detail == detail
    assert sql.one("SHOW citus.node_conninfo") == before


def test_use_secondary_nodes_values(sql: Sql) -> None:
    assert sql.one("SELECT enumvals FROM pg_settings WHERE name = 'citus.use_secondary_nodes'") == ["never", "always"]


def test_set_coordinator_host_inserts_group_zero(sql: Sql) -> None:
    node = sql.cluster.coordinator
    assert sql("SELECT citus_set_coordinator_host(%s, %s)", (node.name, node.port)) == [("",)]
    row = node_row(sql, node)
    assert row["groupid"] == 0
    assert (row["hasmetadata"], row["isactive"], row["metadatasynced"], row["shouldhaveshards"]) == (
        True, True, True, False)
    assert (row["noderole"], row["nodecluster"], row["noderack"]) == ("primary", "default", "default")


def test_set_coordinator_host_again_updates_the_row(sql: Sql) -> None:
    node = sql.cluster.coordinator
    sql("SELECT citus_set_coordinator_host('localhost', %s)", (node.port,))
    first = sql.one("SELECT nodeid FROM pg_dist_node WHERE groupid = 0")
    sql("SELECT citus_set_coordinator_host(%s, %s)", (node.name, node.port))
    assert sql("SELECT nodeid, nodename, nodeport FROM pg_dist_node WHERE groupid = 0") == [
        (first, node.name, node.port)]


def test_set_coordinator_host_port_defaults_to_the_server_port(sql: Sql) -> None:
    sql("SELECT citus_set_coordinator_host('coordinator.example')")
    assert sql("SELECT nodename, nodeport FROM pg_dist_node WHERE groupid = 0") == [
        ("coordinator.example", sql.cluster.coordinator.port)]


def test_add_node_registers_an_active_worker_with_metadata(sql: Sql, coordinator: Node) -> None:
    worker = sql.cluster.workers[0]
    nodeid = sql.one("SELECT citus_add_node(%s, %s)", (worker.name, worker.port))
    row = node_row(sql, worker)
    assert row["nodeid"] == nodeid
    assert row["groupid"] > 0
    assert (row["hasmetadata"], row["isactive"], row["metadatasynced"], row["shouldhaveshards"]) == (
        True, True, True, True)
    assert (row["noderole"], row["nodecluster"], row["noderack"], row["nodeisclone"], row["nodeprimarynodeid"]) == (
        "primary", "default", "default", False, 0)
    assert sql("SELECT node_name, node_port FROM citus_get_active_worker_nodes()") == [(worker.name, worker.port)]


def test_add_node_syncs_metadata_to_the_worker(sql: Sql, workers: list[Node]) -> None:
    on_coordinator = sql("SELECT nodeid, groupid, nodename, nodeport FROM pg_dist_node ORDER BY nodeid")
    for worker in workers:
        assert sql("SELECT nodeid, groupid, nodename, nodeport FROM pg_dist_node ORDER BY nodeid",
                   node=worker) == on_coordinator
        assert sql.one("SELECT groupid FROM pg_dist_local_group", node=worker) == node_row(sql, worker)["groupid"]


def test_add_node_again_returns_the_existing_id_and_changes_nothing(sql: Sql, workers: list[Node]) -> None:
    first, second = sorted_nodes(workers)
    sql("SELECT citus_disable_node(%s, %s)", (second.name, second.port))
    before = sql(f"SELECT {NODE_COLUMNS} FROM pg_dist_node ORDER BY nodeid")
    nodeid = node_row(sql, second)["nodeid"]
    assert sql.one("SELECT citus_add_node(%s, %s)", (second.name, second.port)) == nodeid
    assert sql.one("SELECT citus_add_node(%s, %s, groupid => 77, noderole => 'secondary')",
                   (second.name, second.port)) == nodeid
    assert sql(f"SELECT {NODE_COLUMNS} FROM pg_dist_node ORDER BY nodeid") == before
    assert node_row(sql, second)["isactive"] is False


def test_add_node_works_inside_a_transaction_block(sql: Sql, coordinator: Node) -> None:
    conn = sql.conn()
    conn.autocommit = False
    try:
        for worker in sql.cluster.workers[:2]:
            sql("SELECT citus_add_node(%s, %s)", (worker.name, worker.port))
        conn.commit()
    finally:
        conn.autocommit = True
    assert sql.one("SELECT count(*) FROM pg_dist_node WHERE groupid <> 0 AND isactive") == 2


def test_add_node_unreachable_worker(sql: Sql, coordinator: Node) -> None:
    port = closed_port()
    user = sql.one("SELECT current_user")
    error = sql.error("SELECT citus_add_node('127.0.0.1', %s)", (port,))
    # Citus keeps libpq's hint line in the message
    assert error.diag.message_primary == (
        f"connection to the remote node {user}@127.0.0.1:{port} failed with the following error: Connection refused"
        "\n\tIs the server running on that host and accepting TCP/IP connections?")
    assert sql.one("SELECT count(*) FROM pg_dist_node WHERE nodeport = %s", (port,)) == 0


def test_add_node_worker_without_the_extension(sql: Sql, coordinator: Node) -> None:
    worker = sql.cluster.workers[-1]
    sql("DROP EXTENSION citus CASCADE", node=worker)
    error = sql.error("SELECT citus_add_node(%s, %s)", (worker.name, worker.port))
    assert error.diag.message_primary == f"failure on connection marked as essential: {worker.name}:{worker.port}"
    assert "WARNING:  function assign_distributed_transaction_id(integer, integer, unknown) does not exist" in (
        sql.notices())
    assert sql.one("SELECT count(*) FROM pg_dist_node WHERE nodeport = %s", (worker.port,)) == 0


def wait_for_setting(sql: Sql, node: Node, name: str, value: str) -> None:
    """Wait until a new session on ``node`` sees ``name = value`` (after pg_reload_conf)."""
    deadline = time.monotonic() + 10
    while True:
        conn = sql.cluster.connect(node)
        try:
            with conn.cursor() as cur:
                cur.execute(f"SHOW {name}")
                if cur.fetchone()[0] == value:
                    return
        finally:
            conn.close()
        assert time.monotonic() < deadline, f"{name} did not become {value} on {node.address}"
        time.sleep(0.1)


def test_add_node_worker_without_ssl(sql: Sql, coordinator: Node) -> None:
    worker = sql.cluster.workers[-1]
    user = sql.one("SELECT current_user")
    sql("ALTER SYSTEM SET ssl = off", node=worker)
    sql("SELECT pg_reload_conf()", node=worker)
    try:
        wait_for_setting(sql, worker, "ssl", "off")
        error = sql.error("SELECT citus_add_node(%s, %s)", (worker.name, worker.port))
    finally:
        sql("ALTER SYSTEM RESET ssl", node=worker)
        sql("SELECT pg_reload_conf()", node=worker)
        wait_for_setting(sql, worker, "ssl", "on")
    assert error.diag.message_primary == (
        f"connection to the remote node {user}@{worker.name}:{worker.port} failed with the following error: "
        "server does not support SSL, but SSL was required")


def test_add_node_authentication_rejected(sql: Sql, coordinator: Node) -> None:
    worker = sql.cluster.workers[-1]
    user = sql.one("SELECT current_user")
    sql("INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, current_user, 'password=wrong')")
    try:
        error = sql.error("SELECT citus_add_node(%s, %s)", (worker.name, worker.port))
    except pytest.fail.Exception:
        pytest.skip(f"{worker.address} does not ask for a password")
    finally:
        sql("DELETE FROM pg_dist_authinfo")
    assert error.diag.message_primary == (
        f"connection to the remote node {user}@{worker.name}:{worker.port} failed with the following error: "
        f'FATAL:  password authentication failed for user "{user}"')


def test_add_node_when_the_coordinator_is_localhost(sql: Sql) -> None:
    sql("SELECT citus_set_coordinator_host('localhost', %s)", (sql.cluster.coordinator.port,))
    worker = sql.cluster.workers[0]
    error = sql.error("SELECT citus_add_node(%s, %s)", (worker.name, worker.port))
    assert error.diag.message_primary == "cannot add a worker node when the coordinator hostname is set to localhost"
    assert error.diag.message_detail == "Worker nodes need to be able to connect to the coordinator to transfer data."
    assert error.diag.message_hint == (
        "Use SELECT citus_set_coordinator_host('<hostname>') to configure the coordinator hostname")


def test_create_table_on_an_empty_cluster_registers_the_coordinator_as_localhost(sql: Sql) -> None:
    sql("CREATE TABLE lonely (id int)")
    sql("SELECT create_distributed_table('lonely', 'id')")
    assert sql("SELECT groupid, nodename, nodeport, shouldhaveshards FROM pg_dist_node") == [
        (0, "localhost", sql.cluster.coordinator.port, True)]
    worker = sql.cluster.workers[0]
    error = sql.error("SELECT citus_add_node(%s, %s)", (worker.name, worker.port))
    assert error.diag.message_primary == "cannot add a worker node when the coordinator hostname is set to localhost"


def test_add_node_cannot_add_itself(sql: Sql) -> None:
    node = sql.cluster.coordinator
    error = sql.error("SELECT citus_add_node(%s, %s)", (node.name, node.port))
    assert error.diag.message_primary == "Node cannot add itself as a worker."
    assert error.diag.message_hint == (
        f"Add the node as a coordinator by using: SELECT citus_set_coordinator_host('{node.name}', {node.port});")


def test_add_node_to_a_group_that_has_a_primary(sql: Sql, workers: list[Node]) -> None:
    groupid = node_row(sql, workers[0])["groupid"]
    extra = sql.cluster.workers[2] if len(sql.cluster.workers) > 2 else Node("127.0.0.1", closed_port(), {})
    error = sql.error("SELECT citus_add_node(%s, %s, groupid => %s)", (extra.name, extra.port, groupid))
    assert error.diag.message_primary == f"group {groupid} already has a primary node"


def test_remove_node(sql: Sql, workers: list[Node]) -> None:
    worker = workers[1]
    assert sql("SELECT citus_remove_node(%s, %s)", (worker.name, worker.port)) == [("",)]
    assert sql.one("SELECT count(*) FROM pg_dist_node WHERE nodeport = %s", (worker.port,)) == 0
    error = sql.error("SELECT citus_remove_node(%s, %s)", (worker.name, worker.port))
    assert error.diag.message_primary == f'node at "{worker.name}:{worker.port}" does not exist'


@pytest.mark.parametrize("function", ["citus_remove_node", "citus_disable_node", "citus_activate_node"])
def test_node_functions_on_an_unknown_node(sql: Sql, coordinator: Node, function: str) -> None:
    error = sql.error(f"SELECT {function}('127.0.0.1', 9799)")
    assert error.diag.message_primary == 'node at "127.0.0.1:9799" does not exist'


@pytest.mark.parametrize("function", ["citus_remove_node", "citus_disable_node"])
def test_remove_or_disable_a_node_with_the_only_placement(sql: Sql, workers: list[Node], function: str) -> None:
    sql("CREATE TABLE users (id bigint PRIMARY KEY)")
    sql("SELECT create_distributed_table('users', 'id')")
    worker = sorted_nodes(workers)[1]
    groupid = node_row(sql, worker)["groupid"]
    shardid = sql.one("SELECT min(shardid) FROM pg_dist_placement WHERE groupid = %s", (groupid,))
    args = "%s, %s, synchronous => true" if function == "citus_disable_node" else "%s, %s"
    error = sql.error(f"SELECT {function}({args})", (worker.name, worker.port))
    assert error.diag.message_primary == (
        f"cannot remove or disable the node {worker.name}:{worker.port} because because it contains the only shard "
        f"placement for shard {shardid}")
    assert error.diag.message_detail == "One of the table(s) that prevents the operation complete successfully is " \
                                        "public.users"
    assert error.diag.message_hint == ("To proceed, either drop the tables or use undistribute_table() function to "
                                       "convert them to local tables")
    assert node_row(sql, worker)["isactive"] is True


def test_remove_a_node_with_reference_placements_only(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE countries (code text PRIMARY KEY)")
    sql("SELECT create_reference_table('countries')")
    worker = workers[1]
    groupid = node_row(sql, worker)["groupid"]
    sql("SELECT citus_remove_node(%s, %s)", (worker.name, worker.port))
    assert sql.one("SELECT count(*) FROM pg_dist_placement WHERE groupid = %s", (groupid,)) == 0


def test_disable_and_activate(sql: Sql, workers: list[Node]) -> None:
    first, second = sorted_nodes(workers)
    # synchronous: Citus syncs an asynchronous disable in the background, and citus_activate_node fails
    # ("... is a metadata node, but is out of sync") until that is done
    assert sql("SELECT citus_disable_node(%s, %s, synchronous => true)", (second.name, second.port)) == [("",)]
    assert node_row(sql, second)["isactive"] is False
    assert sql("SELECT node_name, node_port FROM citus_get_active_worker_nodes()") == [(first.name, first.port)]
    nodeid = node_row(sql, second)["nodeid"]
    assert sql.one("SELECT citus_activate_node(%s, %s)", (second.name, second.port)) == nodeid
    assert node_row(sql, second)["isactive"] is True
    # idempotent (and re-syncs) when already active
    assert sql.one("SELECT citus_activate_node(%s, %s)", (second.name, second.port)) == nodeid


def test_disable_a_worker_that_is_not_the_first(sql: Sql, workers: list[Node]) -> None:
    second = sorted_nodes(workers)[1]
    assert sql("SELECT citus_disable_node(%s, %s)", (second.name, second.port)) == [("",)]
    assert node_row(sql, second)["isactive"] is False


def test_disable_the_first_worker_needs_synchronous(sql: Sql, workers: list[Node]) -> None:
    first = sorted_nodes(workers)[0]
    error = sql.error("SELECT citus_disable_node(%s, %s)", (first.name, first.port))
    assert error.diag.message_primary == "disabling the first worker node in the metadata is not allowed"
    assert error.diag.message_hint == (
        f"You can force disabling node, SELECT citus_disable_node('{first.name}', {first.port}, synchronous:=true);")
    sql("SELECT citus_disable_node(%s, %s, synchronous => true)", (first.name, first.port))
    assert node_row(sql, first)["isactive"] is False


def test_disable_the_coordinator(sql: Sql, coordinator: Node) -> None:
    error = sql.error("SELECT citus_disable_node(%s, %s)", (coordinator.name, coordinator.port))
    assert error.diag.message_primary == 'cannot change "isactive" field of the coordinator node'


def test_set_node_property(sql: Sql, workers: list[Node]) -> None:
    worker = workers[0]
    sql("SELECT citus_set_node_property(%s, %s, 'shouldhaveshards', false)", (worker.name, worker.port))
    assert node_row(sql, worker)["shouldhaveshards"] is False
    error = sql.error("SELECT citus_set_node_property(%s, %s, 'isactive', false)", (worker.name, worker.port))
    assert error.diag.message_primary == "only the 'shouldhaveshards' property can be set using this function"


def test_update_node(sql: Sql, workers: list[Node]) -> None:
    worker = workers[1]
    nodeid = node_row(sql, worker)["nodeid"]
    sql("SELECT citus_update_node(%s, 'moved.example', 6543)", (nodeid,))
    assert sql("SELECT nodename, nodeport FROM pg_dist_node WHERE nodeid = %s", (nodeid,)) == [("moved.example", 6543)]
    sql("SELECT citus_update_node(%s, %s, %s)", (nodeid, worker.name, worker.port))
    assert node_row(sql, worker)["nodeid"] == nodeid


def test_add_secondary_node(sql: Sql, workers: list[Node]) -> None:
    primary = workers[0]
    nodeid = sql.one("SELECT citus_add_secondary_node('replica.example', 5432, %s, %s)", (primary.name, primary.port))
    assert sql("SELECT groupid, noderole::text, isactive FROM pg_dist_node WHERE nodeid = %s", (nodeid,)) == [
        (node_row(sql, primary)["groupid"], "secondary", True)]
    assert (primary.name, primary.port) in sql("SELECT node_name, node_port FROM citus_get_active_worker_nodes()")
    assert ("replica.example", 5432) not in sql("SELECT node_name, node_port FROM citus_get_active_worker_nodes()")


@pytest.mark.parametrize("signature", [
    "citus_add_node(text, integer, integer, noderole, name)",
    "citus_remove_node(text, integer)",
    "citus_disable_node(text, integer, boolean)",
    "citus_activate_node(text, integer)",
    "citus_set_node_property(text, integer, text, boolean)",
    "citus_update_node(integer, text, integer, boolean, integer)",
    "citus_add_secondary_node(text, integer, text, integer, name)",
    "citus_set_coordinator_host(text, integer, noderole, name)",
    "citus_get_active_worker_nodes()",
    "citus_drain_node(text, integer, citus.shard_transfer_mode, name)",
    "master_add_node(text, integer, integer, noderole, name)",
    "master_remove_node(text, integer)",
    "master_get_active_worker_nodes()",
])
def test_node_function_signatures(sql: Sql, signature: str) -> None:
    assert sql.one("SELECT to_regprocedure(%s) IS NOT NULL", (f"pg_catalog.{signature}",)) is True


def test_add_node_argument_defaults(sql: Sql) -> None:
    assert sql.one("SELECT pg_get_function_arguments('pg_catalog.citus_add_node(text, integer, integer, noderole, "
                   "name)'::regprocedure)") == (
        "nodename text, nodeport integer, groupid integer DEFAULT '-1'::integer, "
        "noderole noderole DEFAULT 'primary'::noderole, nodecluster name DEFAULT 'default'::name")
