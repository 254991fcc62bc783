"""Run pgcitus.cluster modules in-process against the test cluster and read its catalogs (integration helpers)."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
from typing import Any
from unittest import mock

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.common import warnings as _warnings
from ansible.module_utils.testing import patch_module_args

LIBPQ_TO_OPTION = {'host': 'login_host', 'port': 'login_port', 'user': 'login_user', 'password': 'login_password',
                   'dbname': 'db', 'sslmode': 'ssl_mode', 'sslrootcert': 'ca_cert', 'sslcert': 'ssl_cert',
                   'sslkey': 'ssl_key'}

# The seed scenario of the collection (README): users by id; orders by customer_id with 32 shards and
# replication factor 2; customers as a reference table; order_items colocated with orders. order_items.order_id is
# an integer while orders.customer_id is a bigint: the seed's mistake (colocating order_items by order_id) must fail.
SEED_SQL = """
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id integer NOT NULL, customer_id bigint NOT NULL, total numeric(10,2) NOT NULL,
                     PRIMARY KEY (customer_id, id));
CREATE TABLE order_items (id integer NOT NULL, order_id integer NOT NULL, customer_id bigint NOT NULL,
                          product text NOT NULL, quantity integer NOT NULL, PRIMARY KEY (customer_id, id));
INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 100) g;
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 20) g;
INSERT INTO orders SELECT g, 1 + g % 20, g * 1.5 FROM generate_series(1, 200) g;
INSERT INTO order_items SELECT g, 1 + g % 200, 1 + (1 + g % 200) % 20, 'product ' || g % 7, 1 + g % 3
  FROM generate_series(1, 400) g;
"""
SEED_ROWS = {'users': 100, 'customers': 20, 'orders': 200, 'order_items': 400}


class ModuleFailed(AssertionError):
    pass


class CitusHelper:
    """Runs modules against the coordinator and reads the cluster's catalogs."""

    def __init__(self, cluster: Any):
        self.cluster = cluster

    # -- modules ------------------------------------------------------------------------------------
    def login(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in self.cluster.coordinator.conninfo.items():
            if key in LIBPQ_TO_OPTION:
                args[LIBPQ_TO_OPTION[key]] = int(value) if key == 'port' else value
            else:
                extra[key] = value
        args['db'] = self.cluster.dbname
        if extra:
            args['connect_params'] = extra
        return args

    def run(self, module: str, check: bool = False, diff: bool = False, login: bool = True, **args: Any
            ) -> dict[str, Any]:
        """Run pgcitus.cluster.<module> in-process; returns its result (failed results too)."""
        full = {**(self.login() if login else {}), **args}
        if check:
            full['_ansible_check_mode'] = True
        if diff:
            full['_ansible_diff'] = True
        mod = importlib.import_module(f'ansible_collections.pgcitus.cluster.plugins.modules.{module}')
        # warnings are process-global in ansible-core: start each in-process run without the previous ones
        _warnings._global_warnings.clear()
        _warnings._global_deprecations.clear()
        out = io.StringIO()
        # run as on a target: once controller code is imported in this process (the filter plugins' unit tests do),
        # ansible-core would send a module's warnings to the controller's display instead of its result
        with patch_module_args(full), mock.patch.object(_internal, 'is_controller', False), \
                contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            mod.main()
        text = out.getvalue()
        try:
            return json.loads(text[text.index('{'):])
        except ValueError as exc:
            raise AssertionError(f"{module} printed no JSON result: {text!r}") from exc

    def ok(self, module: str, **kw: Any) -> dict[str, Any]:
        result = self.run(module, **kw)
        if result.get('failed'):
            raise ModuleFailed(f"{module} failed: {result.get('msg')}")
        return result

    @staticmethod
    def warnings(result: dict[str, Any]) -> list[str]:
        """Warning texts of a result (ansible-core 2.19 returns them as structured events)."""
        texts = []
        for warning in result.get('warnings', []):
            if isinstance(warning, dict):
                texts.append(str(warning.get('event', warning).get('msg', warning)))
            else:
                texts.append(str(warning))
        return texts

    def fails(self, module: str, **kw: Any) -> str:
        result = self.run(module, **kw)
        assert result.get('failed'), f"{module} should have failed: {result}"
        msg = result['msg']
        assert '\n' not in msg and 'Traceback' not in msg, msg
        return msg

    # -- SQL ----------------------------------------------------------------------------------------
    def sql(self, query: str, params: tuple | None = None, node: Any = None) -> list[tuple]:
        return self.cluster.query(query, params, node=node)

    def scalar(self, query: str, params: tuple | None = None) -> Any:
        return self.sql(query, params)[0][0]

    def seed(self) -> None:
        conn = self.cluster.connect()
        try:
            with conn.cursor() as cur:
                cur.execute(SEED_SQL)
        finally:
            conn.close()

    # -- cluster membership -------------------------------------------------------------------------
    @property
    def coordinator(self) -> Any:
        return self.cluster.coordinator

    @property
    def workers(self) -> list[Any]:
        return self.cluster.workers

    def need_workers(self, count: int) -> None:
        """Skip when the cluster (a real one given by CITUS_TEST_WORKERS) has fewer workers."""
        if len(self.workers) < count:
            pytest.skip(f"needs {count} workers, the test cluster has {len(self.workers)}")

    def register(self, workers: int = 2) -> None:
        """Coordinator plus the first `workers` workers, through the module."""
        self.ok('citus_node', name=self.coordinator.name, port=self.coordinator.port, coordinator=True)
        for worker in self.workers[:workers]:
            self.ok('citus_node', name=worker.name, port=worker.port)

    def node(self, worker: Any) -> dict[str, Any] | None:
        rows = self.sql("SELECT nodeid, groupid, noderole::text, nodecluster::text, isactive, shouldhaveshards "
                        "FROM pg_dist_node WHERE nodename = %s AND nodeport = %s", (worker.name, worker.port))
        if not rows:
            return None
        keys = ('nodeid', 'groupid', 'role', 'cluster', 'isactive', 'should_have_shards')
        return dict(zip(keys, rows[0], strict=True))

    # -- snapshots for "nothing changed" assertions --------------------------------------------------
    def catalogs(self) -> dict[str, Any]:
        return {
            'nodes': self.sql("SELECT nodeid, groupid, nodename, nodeport, noderole::text, nodecluster::text, "
                              "isactive, shouldhaveshards FROM pg_dist_node ORDER BY nodeid"),
            'partition': self.sql("SELECT logicalrelid::regclass::text, partmethod::text, repmodel::text, "
                                  "colocationid, CASE WHEN partkey IS NOT NULL THEN "
                                  "column_to_column_name(logicalrelid, partkey) END FROM pg_dist_partition "
                                  "ORDER BY 1"),
            'shards': self.sql("SELECT logicalrelid::regclass::text, shardid, shardminvalue, shardmaxvalue "
                               "FROM pg_dist_shard ORDER BY shardid"),
            'placements': self.sql("SELECT shardid, groupid FROM pg_dist_placement ORDER BY shardid, groupid"),
            'colocation': self.sql("SELECT colocationid, shardcount, replicationfactor FROM pg_dist_colocation "
                                   "ORDER BY colocationid"),
        }

    def rows(self, table: str) -> tuple[int, str]:
        """Row count and an order-independent checksum of a table's rows."""
        count, digest = self.sql(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                                 f"FROM {table} t")[0]
        return int(count), digest

    def all_rows(self) -> dict[str, tuple[int, str]]:
        return {table: self.rows(table) for table in SEED_ROWS}

    def table(self, name: str) -> dict[str, Any] | None:
        rows = self.sql(
            "SELECT p.partmethod::text, p.repmodel::text, p.colocationid, CASE WHEN p.partkey IS NOT NULL THEN "
            "column_to_column_name(p.logicalrelid, p.partkey) END, (SELECT count(*) FROM pg_dist_shard s WHERE "
            "s.logicalrelid = p.logicalrelid), c.replicationfactor, c.shardcount FROM pg_dist_partition p "
            "LEFT JOIN pg_dist_colocation c ON c.colocationid = p.colocationid WHERE p.logicalrelid = to_regclass(%s)",
            (name,))
        if not rows:
            return None
        keys = ('partmethod', 'repmodel', 'colocationid', 'column', 'shards', 'replicationfactor', 'shardcount')
        return dict(zip(keys, rows[0], strict=True))

    def placements_by_group(self, name: str) -> dict[int, int]:
        rows = self.sql("SELECT pl.groupid, count(*) FROM pg_dist_placement pl JOIN pg_dist_shard s "
                        "ON s.shardid = pl.shardid WHERE s.logicalrelid = to_regclass(%s) GROUP BY 1 ORDER BY 1",
                        (name,))
        return {int(g): int(n) for g, n in rows}

    def group_of(self, worker: Any) -> int:
        return int(self.scalar("SELECT groupid FROM pg_dist_node WHERE nodename = %s AND nodeport = %s",
                               (worker.name, worker.port)))
