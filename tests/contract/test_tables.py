"""Contract: Citus 13.2 table functions (pg_dist_partition/shard/placement/colocation rows, exact errors)."""

from __future__ import annotations

import psycopg2
import pytest
from contract_sql import Sql, sorted_nodes
from pgcluster import Node

FIRST_SHARD_ID = 102008


def hash_ranges(shard_count: int) -> list[tuple[str, str]]:
    """The hash ranges Citus gives the shards of a new table: the int4 space split evenly."""
    increment = 2**32 // shard_count
    ranges = []
    for index in range(shard_count):
        low = -(2**31) + index * increment
        high = 2**31 - 1 if index == shard_count - 1 else low + increment - 1
        ranges.append((str(low), str(high)))
    return ranges


def group_of(sql: Sql, node: Node) -> int:
    return sql.one("SELECT groupid FROM pg_dist_node WHERE nodename = %s AND nodeport = %s", (node.name, node.port))


def placements(sql: Sql, table: str) -> list[list[int]]:
    """Group ids of the placements of each shard of ``table`` (shards in shard id order)."""
    rows = sql("SELECT s.shardid, array_agg(p.groupid ORDER BY p.placementid) FROM pg_dist_shard s "
               "JOIN pg_dist_placement p USING (shardid) WHERE s.logicalrelid = %s::regclass "
               "GROUP BY s.shardid ORDER BY s.shardid", (table,))
    return [groups for _, groups in rows]


def colocation_row(sql: Sql, table: str) -> tuple:
    return sql("SELECT c.shardcount, c.replicationfactor, c.distributioncolumntype::regtype::text, "
               "c.distributioncolumncollation FROM pg_dist_colocation c JOIN pg_dist_partition p USING (colocationid) "
               "WHERE p.logicalrelid = %s::regclass", (table,))[0]


def colocation_id(sql: Sql, table: str) -> int:
    return sql.one("SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = %s::regclass", (table,))


@pytest.mark.parametrize("shard_count", [1, 4, 7, 32])
def test_distribute_with_shard_count(sql: Sql, workers: list[Node], shard_count: int) -> None:
    sql("CREATE TABLE events (tenant_id bigint, payload text)")
    sql("SELECT create_distributed_table('events', 'tenant_id', shard_count => %s)", (shard_count,))
    assert sql("SELECT partmethod, column_to_column_name(logicalrelid, partkey), repmodel, autoconverted "
               "FROM pg_dist_partition WHERE logicalrelid = 'events'::regclass") == [("h", "tenant_id", "s", False)]
    shards = sql("SELECT shardid, shardstorage, shardminvalue, shardmaxvalue FROM pg_dist_shard "
                 "WHERE logicalrelid = 'events'::regclass ORDER BY shardid")
    assert [shardid for shardid, *_ in shards] == list(range(FIRST_SHARD_ID, FIRST_SHARD_ID + shard_count))
    assert {storage for _, storage, *_ in shards} == {"t"}
    assert [(low, high) for *_, low, high in shards] == hash_ranges(shard_count)
    groups = [group_of(sql, node) for node in sorted_nodes(workers)]
    assert placements(sql, "events") == [[groups[index % 2]] for index in range(shard_count)]
    assert colocation_row(sql, "events") == (shard_count, 1, "bigint", 0)
    assert sql.one("SELECT count(*) FROM citus_shards WHERE table_name = 'events'::regclass") == shard_count


def test_distribute_uses_citus_shard_count(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE events (id int)")
    conn = sql.conn()
    with conn.cursor() as cur:
        cur.execute("SET citus.shard_count TO 6")
        cur.execute("SELECT create_distributed_table('events', 'id')")
        cur.execute("RESET citus.shard_count")
    assert sql.one("SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'events'::regclass") == 6
    assert sql.one("SHOW citus.shard_count") == "32"


def test_distribute_with_replication_factor(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE events (id int)")
    sql("SET citus.shard_replication_factor TO 2")
    sql("SELECT create_distributed_table('events', 'id', shard_count => 4)")
    sql("RESET citus.shard_replication_factor")
    first, second = (group_of(sql, node) for node in sorted_nodes(workers))
    assert placements(sql, "events") == [[first, second], [second, first], [first, second], [second, first]]
    assert colocation_row(sql, "events") == (4, 2, "integer", 0)
    assert sql.one("SELECT repmodel FROM pg_dist_partition WHERE logicalrelid = 'events'::regclass") == "c"


def test_replication_factor_above_the_worker_count(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE events (id int)")
    sql("SET citus.shard_replication_factor TO 3")
    error = sql.error("SELECT create_distributed_table('events', 'id')")
    sql("RESET citus.shard_replication_factor")
    assert error.diag.message_primary == "replication_factor (3) exceeds number of worker nodes (2)"
    assert error.diag.message_hint == "Add more worker nodes or try again with a lower replication factor."
    assert sql("SELECT * FROM pg_dist_partition") == []


def test_there_is_no_replication_factor_argument(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE events (id int)")
    error = sql.error("SELECT create_distributed_table('events', 'id', shard_count => 4, replication_factor => 2)")
    assert error.diag.message_primary == ("function create_distributed_table(unknown, unknown, shard_count => integer, "
                                          "replication_factor => integer) does not exist")


def test_shard_replication_factor_is_no_table_option(sql: Sql) -> None:
    sql("CREATE TABLE events (id int)")
    error = sql.error("ALTER TABLE events SET (shard_replication_factor = 2)")
    assert error.diag.message_primary == 'unrecognized parameter "shard_replication_factor"'


def test_colocation_default_none_and_table(sql: Sql, workers: list[Node]) -> None:
    for table in ("users", "orders", "items", "audit"):
        sql(f"CREATE TABLE {table} (user_id bigint, id bigint)")
    sql("SELECT create_distributed_table('users', 'user_id')")
    sql("SELECT create_distributed_table('orders', 'user_id')")
    sql("SELECT create_distributed_table('items', 'user_id', colocate_with => 'none')")
    sql("SELECT create_distributed_table('audit', 'id', colocate_with => 'items')")
    assert colocation_id(sql, "orders") == colocation_id(sql, "users")
    assert colocation_id(sql, "items") != colocation_id(sql, "users")
    assert colocation_id(sql, "audit") == colocation_id(sql, "items")
    assert placements(sql, "audit") == placements(sql, "items")
    assert sql.one("SELECT count(*) FROM pg_dist_colocation") == 2
    low_high = "SELECT shardminvalue, shardmaxvalue FROM pg_dist_shard WHERE logicalrelid = %s::regclass ORDER BY 1"
    assert sql(low_high, ("audit",)) == sql(low_high, ("items",))


def test_colocation_default_needs_the_same_shard_count(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE a (id int)")
    sql("CREATE TABLE b (id int)")
    sql("SELECT create_distributed_table('a', 'id', shard_count => 4)")
    sql("SELECT create_distributed_table('b', 'id', shard_count => 8)")
    assert colocation_id(sql, "a") != colocation_id(sql, "b")


def test_colocation_type_mismatch(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE orders (id bigint)")
    sql("CREATE TABLE ev (id text)")
    sql("SELECT create_distributed_table('orders', 'id')")
    error = sql.error("SELECT create_distributed_table('ev', 'id', colocate_with => 'orders')")
    assert error.diag.message_primary == "cannot colocate tables orders and ev"
    assert error.diag.message_detail == "Distribution column types don't match for orders and ev."


def test_colocate_with_and_shard_count(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE orders (id bigint)")
    sql("CREATE TABLE ev (id bigint)")
    sql("SELECT create_distributed_table('orders', 'id')")
    error = sql.error("SELECT create_distributed_table('ev', 'id', colocate_with => 'orders', shard_count => 4)")
    assert error.diag.message_primary == "Cannot use colocate_with with a table and shard_count at the same time"


def test_colocate_with_a_local_table(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE plain (id bigint)")
    sql("CREATE TABLE ev (id bigint)")
    error = sql.error("SELECT create_distributed_table('ev', 'id', colocate_with => 'plain')")
    assert error.diag.message_primary == "relation plain is not distributed"


@pytest.mark.parametrize("shard_count", [0, -1, 64001])
def test_shard_count_out_of_range(sql: Sql, workers: list[Node], shard_count: int) -> None:
    sql("CREATE TABLE events (id int)")
    error = sql.error("SELECT create_distributed_table('events', 'id', shard_count => %s)", (shard_count,))
    assert error.diag.message_primary == f'{shard_count} is outside the valid range for parameter "shard_count" ' \
                                         "(1 .. 64000)"


@pytest.mark.parametrize("value", ["0", "64001"])
def test_citus_shard_count_setting_range(sql: Sql, value: str) -> None:
    error = sql.error(f"SET citus.shard_count TO {value}")
    assert error.diag.message_primary == (
        f'{value} is outside the valid range for parameter "citus.shard_count" (1 .. 64000)')


@pytest.mark.parametrize("first", ["create_distributed_table('users', 'id')", "create_reference_table('users')"])
@pytest.mark.parametrize("again", ["create_distributed_table('users', 'id')", "create_reference_table('users')"])
def test_distribute_again(sql: Sql, workers: list[Node], first: str, again: str) -> None:
    sql("CREATE TABLE users (id bigint)")
    sql(f"SELECT {first}")
    error = sql.error(f"SELECT {again}")
    assert error.diag.message_primary == 'table "users" is already distributed'


@pytest.mark.parametrize("call", ["create_distributed_table('t_missing', 'id')", "create_reference_table('t_missing')",
                                  "undistribute_table('t_missing')"])
def test_missing_table(sql: Sql, workers: list[Node], call: str) -> None:
    error = sql.error(f"SELECT {call}")
    assert error.diag.message_primary == 'relation "t_missing" does not exist'


def test_missing_column(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE t_nocol (a int)")
    error = sql.error("SELECT create_distributed_table('t_nocol', 'b')")
    assert error.diag.message_primary == 'column "b" of relation "t_nocol" does not exist'


def test_distribute_a_table_with_rows(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint PRIMARY KEY)")
    sql("INSERT INTO users SELECT generate_series(1, 10)")
    sql("SELECT create_distributed_table('users', 'id')")
    assert "NOTICE:  copying the data has completed" in sql.notices()
    assert sql.one("SELECT count(*) FROM users") == 10


def test_reference_table(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE countries (code text PRIMARY KEY)")
    sql("SELECT create_reference_table('countries')")
    assert sql("SELECT partmethod, partkey, repmodel FROM pg_dist_partition "
               "WHERE logicalrelid = 'countries'::regclass") == [("n", None, "t")]
    assert colocation_row(sql, "countries") == (1, -1, "-", 0)
    assert sql("SELECT shardid, shardstorage, shardminvalue, shardmaxvalue FROM pg_dist_shard "
               "WHERE logicalrelid = 'countries'::regclass") == [(FIRST_SHARD_ID, "t", None, None)]
    every_primary = sorted(g for (g,) in sql("SELECT groupid FROM pg_dist_node WHERE noderole = 'primary'"))
    assert sorted(placements(sql, "countries")[0]) == every_primary
    assert sql("SELECT citus_table_type, distribution_column, shard_count FROM citus_tables "
               "WHERE table_name = 'countries'::regclass") == [("reference", "<none>", 1)]


def test_reference_tables_share_one_colocation_group(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE a (id int)")
    sql("CREATE TABLE b (id int)")
    sql("SELECT create_reference_table('a')")
    sql("SELECT create_reference_table('b')")
    assert colocation_id(sql, "a") == colocation_id(sql, "b")


def test_reference_table_reaches_a_new_worker_on_the_next_distribution(sql: Sql, workers: list[Node],
                                                                        third_worker: Node) -> None:
    sql("CREATE TABLE countries (code text PRIMARY KEY)")
    sql("SELECT create_reference_table('countries')")
    sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
    new_group = group_of(sql, third_worker)
    sql("CREATE TABLE events (id int)")
    sql("SELECT create_distributed_table('events', 'id')")
    assert new_group in placements(sql, "countries")[0]


def test_node_change_then_reference_table_copy_in_one_transaction(sql: Sql, workers: list[Node],
                                                                   third_worker: Node) -> None:
    sql("CREATE TABLE countries (code text PRIMARY KEY)")
    sql("SELECT create_reference_table('countries')")
    sql("CREATE TABLE events (id int)")
    conn = sql.conn()
    conn.autocommit = False
    try:
        sql("SELECT citus_add_node(%s, %s)", (third_worker.name, third_worker.port))
        error = sql.error("SELECT create_distributed_table('events', 'id')")
    finally:
        conn.rollback()
        conn.autocommit = True
    assert error.diag.message_primary == (
        "cannot replicate reference tables in a transaction that modified node metadata")


def test_citus_tables_view(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint PRIMARY KEY)")
    sql("SELECT create_distributed_table('users', 'id', shard_count => 4)")
    assert sql("SELECT table_name::text, citus_table_type, distribution_column, colocation_id, shard_count, "
               "table_owner, access_method FROM citus_tables") == [
        ("users", "distributed", "id", colocation_id(sql, "users"), 4, sql.one("SELECT current_user"), "heap")]


def test_pg_dist_shard_placement_view(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint)")
    sql("SELECT create_distributed_table('users', 'id', shard_count => 2)")
    first, second = sorted_nodes(workers)
    assert sql("SELECT shardid, shardstate, nodename, nodeport FROM pg_dist_shard_placement ORDER BY shardid") == [
        (FIRST_SHARD_ID, 1, first.name, first.port), (FIRST_SHARD_ID + 1, 1, second.name, second.port)]


def test_drop_table_removes_its_metadata(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint)")
    sql("SELECT create_distributed_table('users', 'id')")
    sql("DROP TABLE users")
    for catalog in ("pg_dist_partition", "pg_dist_shard", "pg_dist_placement", "pg_dist_colocation"):
        assert sql(f"SELECT * FROM {catalog}") == [], catalog


def test_undistribute(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint PRIMARY KEY)")
    sql("INSERT INTO users VALUES (1), (2)")
    sql("SELECT create_distributed_table('users', 'id')")
    sql("SELECT undistribute_table('users')")
    assert sql("SELECT * FROM pg_dist_partition") == []
    assert sql("SELECT * FROM pg_dist_shard") == []
    assert sql.one("SELECT count(*) FROM users") == 2
    assert "NOTICE:  creating a new table for public.users" in sql.notices()
    error = sql.error("SELECT undistribute_table('users')")
    assert error.diag.message_primary == "cannot undistribute table because the table is not distributed"


def test_undistribute_a_reference_table(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE countries (code text PRIMARY KEY)")
    sql("SELECT create_reference_table('countries')")
    sql("SELECT undistribute_table('countries')")
    assert sql("SELECT * FROM pg_dist_partition") == []


def test_alter_shard_count(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint PRIMARY KEY)")
    sql("INSERT INTO users VALUES (1), (2)")
    sql("SELECT create_distributed_table('users', 'id')")
    sql("SELECT alter_distributed_table('users', shard_count => 8)")
    assert sql.one("SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'users'::regclass") == 8
    assert colocation_row(sql, "users")[0] == 8
    assert sql.one("SELECT count(*) FROM users") == 2


def test_alter_distribution_column(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint, tenant bigint)")
    sql("SELECT create_distributed_table('users', 'id')")
    sql("SELECT alter_distributed_table('users', distribution_column => 'tenant')")
    assert sql.one("SELECT column_to_column_name(logicalrelid, partkey) FROM pg_dist_partition") == "tenant"


@pytest.mark.parametrize("args", ["shard_count => 32", "distribution_column => 'id'", "shard_count => 32, "
                                  "distribution_column => 'id'"])
def test_alter_changing_nothing(sql: Sql, workers: list[Node], args: str) -> None:
    sql("CREATE TABLE users (id bigint)")
    sql("SELECT create_distributed_table('users', 'id')")
    error = sql.error(f"SELECT alter_distributed_table('users', {args})")
    assert error.diag.message_primary == "this call doesn't change any properties of the table"
    assert error.diag.message_hint == "check citus_tables view to see current properties of the table"


def test_alter_colocated_table_needs_cascade(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint)")
    sql("CREATE TABLE orders (id bigint)")
    sql("SELECT create_distributed_table('users', 'id')")
    sql("SELECT create_distributed_table('orders', 'id', colocate_with => 'users')")
    error = sql.error("SELECT alter_distributed_table('users', shard_count => 8)")
    assert error.diag.message_primary == "cascade_to_colocated parameter is necessary"
    sql("SELECT alter_distributed_table('users', shard_count => 8, cascade_to_colocated => true)")
    assert colocation_id(sql, "users") == colocation_id(sql, "orders")
    assert colocation_row(sql, "orders")[0] == 8


def test_alter_a_local_table(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE plain (id bigint)")
    error = sql.error("SELECT alter_distributed_table('plain', shard_count => 8)")
    assert error.diag.message_primary == "cannot alter table because the table is not distributed"


def test_update_distributed_table_colocation(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE a (id bigint)")
    sql("CREATE TABLE b (id bigint)")
    sql("SELECT create_distributed_table('a', 'id')")
    sql("SELECT create_distributed_table('b', 'id', colocate_with => 'none')")
    sql("SELECT update_distributed_table_colocation('b', colocate_with => 'a')")
    assert colocation_id(sql, "a") == colocation_id(sql, "b")
    sql("SELECT update_distributed_table_colocation('b', colocate_with => 'none')")
    assert colocation_id(sql, "a") != colocation_id(sql, "b")


def test_update_colocation_shard_count_mismatch(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE a (id bigint)")
    sql("CREATE TABLE b (id bigint)")
    sql("SELECT create_distributed_table('a', 'id', shard_count => 4)")
    sql("SELECT create_distributed_table('b', 'id', shard_count => 8)")
    error = sql.error("SELECT update_distributed_table_colocation('b', colocate_with => 'a')")
    assert error.diag.message_primary == "cannot colocate tables a and b"
    assert error.diag.message_detail == "Shard counts don't match for a and b."


@pytest.mark.parametrize(("signature", "arguments"), [
    ("create_distributed_table(regclass, text, citus.distribution_type, text, integer)",
     "table_name regclass, distribution_column text, distribution_type citus.distribution_type DEFAULT "
     "'hash'::citus.distribution_type, colocate_with text DEFAULT 'default'::text, shard_count integer DEFAULT NULL"
     "::integer"),
    ("create_reference_table(regclass)", "table_name regclass"),
    ("undistribute_table(regclass, boolean)", "table_name regclass, cascade_via_foreign_keys boolean DEFAULT false"),
    ("alter_distributed_table(regclass, text, integer, text, boolean)",
     "table_name regclass, distribution_column text DEFAULT NULL::text, shard_count integer DEFAULT NULL::integer, "
     "colocate_with text DEFAULT NULL::text, cascade_to_colocated boolean DEFAULT NULL::boolean"),
    ("update_distributed_table_colocation(regclass, text)", "table_name regclass, colocate_with text"),
    ("column_to_column_name(regclass, text)", "table_name regclass, column_var_text text"),
])
def test_table_function_signatures(sql: Sql, signature: str, arguments: str) -> None:
    assert sql.one("SELECT pg_get_function_arguments(%s::regprocedure)", (f"pg_catalog.{signature}",)) == arguments


def test_errors_have_no_plpgsql_context(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE users (id bigint)")
    sql("SELECT create_distributed_table('users', 'id')")
    error = sql.error("SELECT create_distributed_table('users', 'id')")
    assert "PL/pgSQL" not in (error.diag.context or "")
    assert isinstance(error, psycopg2.errors.InvalidTableDefinition)


@pytest.mark.parametrize(("method", "partmethod"), [("append", "a"), ("range", "r")])
def test_append_and_range_tables_have_no_shards(sql: Sql, workers: list[Node], method: str, partmethod: str) -> None:
    sql("CREATE TABLE logs (id int)")
    sql("SELECT create_distributed_table('logs', 'id', %s)", (method,))
    assert sql("SELECT partmethod, column_to_column_name(logicalrelid, partkey), colocationid, repmodel "
               "FROM pg_dist_partition") == [(partmethod, "id", 0, "c")]
    assert sql("SELECT * FROM pg_dist_shard") == []
    sql("CREATE TABLE other (id int)")
    error = sql.error("SELECT create_distributed_table('other', 'id', %s, colocate_with => 'none')", (method,))
    assert error.diag.message_primary == "cannot distribute relation"
    assert error.diag.message_detail == ("Currently, colocate_with option is not supported for append / range "
                                         "distributed tables.")
    error = sql.error("SELECT create_distributed_table('other', 'id', colocate_with => 'logs')")
    assert error.diag.message_detail == ("Currently, colocate_with option is not supported with append / range "
                                         "distributed tables and local tables added to metadata.")


def test_single_shard_table(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE tenant (id int)")
    error = sql.error("SELECT create_distributed_table('tenant', NULL, shard_count => 4)")
    assert error.diag.message_primary == ("shard_count can't be specified when the distribution column is null "
                                          "because in that case it's automatically set to 1")
    sql("SELECT create_distributed_table('tenant', NULL)")
    assert sql("SELECT partmethod, partkey, repmodel FROM pg_dist_partition") == [("n", None, "s")]
    assert sql("SELECT shardminvalue, shardmaxvalue FROM pg_dist_shard") == [(None, None)]
    assert sql.one("SELECT count(*) FROM pg_dist_placement") == 1


def test_single_shard_table_with_replication(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE tenant (id int)")
    sql("SET citus.shard_replication_factor TO 2")
    error = sql.error("SELECT create_distributed_table('tenant', NULL)")
    sql("RESET citus.shard_replication_factor")
    assert error.diag.message_primary == ("could not create single shard table: citus.shard_replication_factor is "
                                          "greater than 1")
    assert error.diag.message_hint == "Consider setting citus.shard_replication_factor to 1 and try again"


def test_distribute_concurrently_refusals(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE events (id int PRIMARY KEY)")
    conn = sql.conn()
    conn.autocommit = False
    try:
        error = sql.error("SELECT create_distributed_table_concurrently('events', 'id')")
    finally:
        conn.rollback()
        conn.autocommit = True
    assert error.diag.message_primary == "create_distributed_table_concurrently cannot run inside a transaction block"
    sql("SET citus.shard_replication_factor TO 2")
    error = sql.error("SELECT create_distributed_table_concurrently('events', 'id')")
    sql("RESET citus.shard_replication_factor")
    assert error.diag.message_primary == ("cannot distribute a table concurrently when "
                                          "citus.shard_replication_factor > 1")


def test_distribute_concurrently_warns_about_replica_identity(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE events (id int)")
    try:
        sql("SELECT create_distributed_table_concurrently('events', 'id')")
    except psycopg2.Error:
        # real Citus may fail later in this step (logical decoding set-up); the notice comes first
        sql.conn().rollback()
    assert "NOTICE:  relation events does not have a REPLICA IDENTITY or PRIMARY KEY" in sql.notices()


def test_reference_table_with_a_foreign_key_from_a_local_table(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE customers (id bigint PRIMARY KEY)")
    sql("CREATE TABLE orders (id bigint, customer_id bigint REFERENCES customers (id))")
    sql("SELECT create_reference_table('customers')")
    assert ("NOTICE:  local tables that are added to metadata automatically by citus, but not chained with reference "
            "tables via foreign keys might be automatically converted back to postgres tables") in sql.notices()
    assert sql("SELECT partmethod, partkey, colocationid, repmodel, autoconverted FROM pg_dist_partition "
               "WHERE logicalrelid = 'orders'::regclass") == [("n", None, 0, "s", True)]
    assert sql("SELECT p.groupid FROM pg_dist_placement p JOIN pg_dist_shard s USING (shardid) "
               "WHERE s.logicalrelid = 'orders'::regclass") == [(0,)]
    assert sql("SELECT citus_table_type FROM citus_tables WHERE table_name = 'orders'::regclass") == [("local",)]
    # a Citus local table can still be distributed
    sql("SELECT create_distributed_table('orders', 'customer_id')")
    assert sql.one("SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = 'orders'::regclass") == "h"
    error = sql.error("SELECT undistribute_table('orders')")
    assert error.diag.message_primary == "cannot complete operation because table orders has a foreign key"
    assert error.diag.message_hint == (
        "Use cascade option to undistribute all the relations involved in a foreign key relationship with "
        "public.orders by executing SELECT undistribute_table($$public.orders$$, cascade_via_foreign_keys=>true)")
    error = sql.error("SELECT undistribute_table('customers')")
    assert error.diag.message_primary == "cannot complete operation because table customers is referenced by a " \
                                         "foreign key"
    sql("SELECT undistribute_table('orders', cascade_via_foreign_keys => true)")
    assert sql("SELECT * FROM pg_dist_partition") == []


@pytest.mark.parametrize("unique", ["PRIMARY KEY (id)", "UNIQUE (id)", "UNIQUE (id, other)"])
def test_unique_constraints_must_include_the_distribution_column(sql: Sql, workers: list[Node], unique: str) -> None:
    sql(f"CREATE TABLE events (id bigint, other bigint, tenant bigint, {unique})")
    error = sql.error("SELECT create_distributed_table('events', 'tenant')")
    assert error.diag.message_primary == 'cannot create constraint on "events"'
    assert error.diag.message_detail == (
        "Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the "
        "partition column (with an equality operator if EXCLUDE).")
    assert sql("SELECT * FROM pg_dist_partition") == []
    sql("SELECT create_distributed_table('events', 'id')")


def test_alter_colocate_with_a_table_of_another_type(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE b (id bigint)")
    sql("CREATE TABLE c (id int)")
    sql("SELECT create_distributed_table('b', 'id', shard_count => 8)")
    sql("SELECT create_distributed_table('c', 'id', shard_count => 4)")
    error = sql.error("SELECT alter_distributed_table('c', colocate_with => 'b')")
    assert error.diag.message_primary == "cannot colocate with b because data type of its distribution column is " \
                                         "different than c"


def test_foreign_key_to_a_local_table(sql: Sql, workers: list[Node]) -> None:
    sql("CREATE TABLE localref (id bigint PRIMARY KEY)")
    sql("CREATE TABLE events (id bigint, rid bigint REFERENCES localref (id))")
    error = sql.error("SELECT create_distributed_table('events', 'id')")
    assert error.diag.message_primary == 'referenced table "localref" must be a distributed table or a reference table'
    assert error.diag.message_hint == ("You could use SELECT create_reference_table('localref') to replicate the "
                                       "referenced table to all nodes or consider dropping the foreign key")


@pytest.mark.parametrize(("column", "colocate_with", "message"), [
    ("id", "default", "cannot create foreign key constraint"),
    ("pid", "none", "cannot create foreign key constraint since relations are not colocated or not referencing a "
                    "reference table"),
])
def test_foreign_key_between_distributed_tables(sql: Sql, workers: list[Node], column: str, colocate_with: str,
                                                message: str) -> None:
    sql("CREATE TABLE parent (id bigint PRIMARY KEY)")
    sql("CREATE TABLE child (id bigint, pid bigint REFERENCES parent (id))")
    sql("SELECT create_distributed_table('parent', 'id')")
    error = sql.error("SELECT create_distributed_table('child', %s, colocate_with => %s)", (column, colocate_with))
    assert error.diag.message_primary == message
    sql("SELECT create_distributed_table('child', 'pid')")
    assert sql.one("SELECT count(DISTINCT colocationid) FROM pg_dist_partition") == 1
