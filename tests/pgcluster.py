"""A Citus test cluster for the pgcitus.cluster tests: local PostgreSQL instances or an existing cluster.

Plain Python (no pytest). Two modes:

* Local mode (default): four throwaway PostgreSQL 15 instances (a coordinator and three workers) from
  /usr/lib/postgresql/15/bin on free loopback ports, in a temporary directory, with the settings the citus role
  gives a node (``wal_level`` and ``max_prepared_transactions`` read from roles/citus/defaults/main.yml, ``citus``
  in ``output_plugin_libraries`` where the server has it) plus ``shared_preload_libraries = 'citus'``, SSL on
  (a throwaway self-signed certificate, so the default ``citus.node_conninfo = 'sslmode=require'``
  works) and scram-sha-256 on 127.0.0.1. The servers read the password from a PGPASSFILE given to
  them (as a real node reads ``~postgres/.pgpass``), so the coordinator reaches the workers with the
  same credentials as the test runner. ``CREATE EXTENSION citus`` runs in the test database on every
  node. Whatever ``citus`` extension is installed on the host is used: the Citus API emulator
  (tests/citus_emulator) or real Citus.
* Real mode: when ``CITUS_TEST_COORDINATOR`` (a libpq conninfo string with which the runner reaches an
  existing coordinator) and ``CITUS_TEST_WORKERS`` (comma-separated ``name:port`` as the coordinator
  reaches the workers) are set, that cluster is used. The runner connects to a worker with the
  coordinator's conninfo, host and port replaced. ``CITUS_TEST_COORDINATOR_NAME`` (optional) is the
  coordinator's host name as the workers reach it (default: the host of CITUS_TEST_COORDINATOR).

Example::

    cluster = Cluster.start()
    try:
        cluster.reset()
        w = cluster.workers[0]
        cluster.query("SELECT citus_set_coordinator_host(%s, %s)", (cluster.coordinator.name, cluster.coordinator.port))
        cluster.query("SELECT citus_add_node(%s, %s)", (w.name, w.port))
    finally:
        cluster.stop()
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extensions
import yaml
from psycopg2 import sql

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# The citus role's defaults: the one source of the Citus server settings, for the role and for these servers.
CITUS_ROLE_DEFAULTS = Path(__file__).resolve().parent.parent / "roles" / "citus" / "defaults" / "main.yml"
TEST_DBNAME = "citus_test"
LOCAL_HOST = "127.0.0.1"
# The first shard id Citus hands out: its pg_dist_shardid_seq has MINVALUE 102008 (citus--8.0-1.sql).
SHARDID_FIRST = 102008
WORKER_COUNT = 3
# schemas that belong to PostgreSQL or to the extension, never dropped by reset()
_KEEP_SCHEMAS = ("public", "pg_catalog", "information_schema", "pg_toast", "citus", "citus_internal", "columnar",
                 "columnar_internal")


class ClusterError(RuntimeError):
    """A cluster could not be started, reached or reset; the message says what to fix."""


@dataclass
class Node:
    """One PostgreSQL server of the cluster.

    ``name`` and ``port`` are how the coordinator reaches the node (what citus_add_node takes);
    ``conninfo`` holds the libpq keyword arguments with which the test runner reaches it.
    """

    name: str
    port: int
    conninfo: dict[str, Any]
    role: str = "worker"
    datadir: Path | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """``name:port``, as Citus prints a node in its messages."""
        return f"{self.name}:{self.port}"


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((LOCAL_HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=120)
    except FileNotFoundError as exc:
        raise ClusterError(f"{what}: {exc.filename} not found (install postgresql-15 and openssl)") from exc
    if proc.returncode != 0:
        out = (proc.stderr or proc.stdout).strip().splitlines()
        raise ClusterError(f"{what} failed: {out[-1] if out else f'exit code {proc.returncode}'}")
    return proc.stdout


def _citus_role_settings(describe_config: str) -> dict[str, str]:
    """The server settings the citus role writes into conf.d/60-citus.conf that matter to the tests, from the role's
    defaults (wal_level, max_prepared_transactions) and, as the role does, citus added to the server's default
    output_plugin_libraries where the server has that setting (PostgreSQL 15.20 and later).
    ``describe_config`` is the output of ``postgres --describe-config`` (tab-separated; the 5th field is the default).
    """
    try:
        defaults = yaml.safe_load(CITUS_ROLE_DEFAULTS.read_text())
        settings = {
            "wal_level": str(defaults["citus_wal_level"]),
            "max_prepared_transactions": str(int(defaults["citus_max_prepared_transactions"])),
        }
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ClusterError(f"reading citus_wal_level and citus_max_prepared_transactions from {CITUS_ROLE_DEFAULTS} "
                           f"failed: {exc}") from exc
    for line in describe_config.splitlines():
        fields = line.split("\t")
        if fields[0] == "output_plugin_libraries" and len(fields) > 4:
            plugins = [lib.strip() for lib in fields[4].split(",") if lib.strip()]
            settings["output_plugin_libraries"] = "'" + ",".join([*dict.fromkeys([*plugins, "citus"])]) + "'"
    return settings


def _exit_on_sigterm() -> None:
    """Turn SIGTERM (e.g. from timeout) into a normal exit, so atexit stops the local instances."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        with contextlib.suppress(ValueError):  # only the main thread may set handlers
            signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


class _LocalInstances:
    """Four temporary PostgreSQL 15 servers on loopback ports."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.password = secrets.token_hex(16)
        self.base = Path(tempfile.mkdtemp(prefix="pgcitus-cluster-"))
        self.ports = _free_ports(count)
        self.datadirs = [self.base / f"node{i}" for i in range(count)]
        self.started: list[Path] = []
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name

    def _cmd(self, cmd: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root: run them as the postgres OS user
        return ["runuser", "-u", "postgres", "--", *cmd] if self.as_root else cmd

    def _chown(self, path: Path) -> None:
        if self.as_root:
            shutil.chown(path, "postgres", "postgres")

    def create(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise ClusterError(f"{PG_BIN}/initdb not found: install postgresql-15 or set PG_BIN")
        if self.as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ClusterError("running as root needs the postgres OS user (install postgresql-15)") from exc
        self.base.chmod(0o755)
        self._chown(self.base)

        pwfile = self.base / "pwfile"
        pwfile.write_text(f"{self.password}\n")
        pgpass = self.base / "pgpass"
        pgpass.write_text(f"{LOCAL_HOST}:*:*:postgres:{self.password}\nlocalhost:*:*:postgres:{self.password}\n")
        for path in (pwfile, pgpass):
            path.chmod(0o600)
            self._chown(path)

        # one throwaway certificate for all nodes (sslmode=require does not verify it)
        key, crt = self.base / "server.key", self.base / "server.crt"
        _run(["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-days", "2", "-subj", f"/CN={LOCAL_HOST}", "-keyout", str(key), "-out", str(crt)],
             "creating the test certificate")
        for path in (key, crt):
            path.chmod(0o600)
            self._chown(path)

        template = self.datadirs[0]
        _run(self._cmd([str(PG_BIN / "initdb"), "-D", str(template), "-U", "postgres", "-E", "UTF8",
                        "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                        f"--pwfile={pwfile}", "--no-sync"]), "initdb")
        for datadir in self.datadirs[1:]:
            _run(self._cmd(["cp", "-a", str(template), str(datadir)]), "copying the data directory")
        role_settings = _citus_role_settings(
            _run(self._cmd([str(PG_BIN / "postgres"), "--describe-config"]), "postgres --describe-config"))
        for datadir, port in zip(self.datadirs, self.ports, strict=True):
            conf = datadir / "postgresql.conf"
            settings = {
                # harness only: loopback, a free port, sockets in the temporary directory
                "listen_addresses": f"'{LOCAL_HOST}'",
                "port": str(port),
                "unix_socket_directories": f"'{self.base}'",
                "shared_preload_libraries": "'citus'",
                # what the citus role sets on a node (wal_level, max_prepared_transactions, output_plugin_libraries).
                # max_connections, max_wal_senders and max_replication_slots stay at PostgreSQL's defaults (100, 10,
                # 10), as the roles leave them. With 200 prepared transactions, 100 connections and the 16 MB below,
                # a server's whole shared memory is 34 MB (shared_memory_size).
                **role_settings,
                # harness only: a small buffer cache (4 servers on one machine; the data sets are tiny)
                "shared_buffers": "16MB",
                "ssl": "on",
                "ssl_cert_file": f"'{crt}'",
                "ssl_key_file": f"'{key}'",
                # harness only, for speed: throwaway data needs no crash safety
                "fsync": "off",
                "synchronous_commit": "off",
                "full_page_writes": "off",
                "logging_collector": "off",
            }
            with conf.open("a") as handle:
                handle.writelines(f"{name} = {value}\n" for name, value in settings.items())

    def start(self) -> None:
        env = dict(os.environ, PGPASSFILE=str(self.base / "pgpass"))
        procs = []
        for datadir in self.datadirs:
            log = self.base / f"{datadir.name}.log"
            cmd = [str(PG_BIN / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(datadir), "-l", str(log)]
            # runuser resets the environment: hand PGPASSFILE over explicitly
            cmd = self._cmd(["env", f"PGPASSFILE={self.base / 'pgpass'}", *cmd] if self.as_root else cmd)
            procs.append((datadir, subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                    text=True)))
        failed = []
        for datadir, proc in procs:
            output, _ = proc.communicate(timeout=120)
            if proc.returncode == 0:
                self.started.append(datadir)
            else:
                log = self.base / f"{datadir.name}.log"
                lines = log.read_text().strip().splitlines() if log.exists() else output.strip().splitlines()
                failed.append(f"{datadir.name}: {lines[-1] if lines else 'pg_ctl start failed'}")
        if failed:
            raise ClusterError("starting PostgreSQL failed: " + "; ".join(failed))

    def stop(self) -> None:
        for datadir in self.started:
            with contextlib.suppress(Exception):
                subprocess.run(self._cmd([str(PG_BIN / "pg_ctl"), "stop", "-m", "immediate", "-D", str(datadir)]),
                               capture_output=True, check=False, timeout=60)
        self.started = []
        shutil.rmtree(self.base, ignore_errors=True)


class Cluster:
    """A coordinator and its workers (3 in local mode, what CITUS_TEST_WORKERS lists in real mode)."""

    def __init__(self, coordinator: Node, workers: list[Node], dbname: str,
                 local: _LocalInstances | None = None) -> None:
        self.coordinator = coordinator
        self.workers = workers
        self.dbname = dbname
        self._local = local
        self._admin: dict[tuple[str, int], psycopg2.extensions.connection] = {}

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def start(cls) -> Cluster:
        """The real cluster named by CITUS_TEST_* when set, else fresh local instances."""
        if os.environ.get("CITUS_TEST_COORDINATOR"):
            return cls.from_environment()
        return cls.start_local()

    @classmethod
    def from_environment(cls) -> Cluster:
        """Use the existing cluster named by CITUS_TEST_COORDINATOR and CITUS_TEST_WORKERS."""
        dsn = os.environ.get("CITUS_TEST_COORDINATOR", "")
        workers_spec = os.environ.get("CITUS_TEST_WORKERS", "")
        try:
            base = psycopg2.extensions.parse_dsn(dsn)
        except psycopg2.ProgrammingError as exc:
            raise ClusterError(f"CITUS_TEST_COORDINATOR is not a valid libpq conninfo string: {exc}") from exc
        workers = []
        for item in filter(None, (part.strip() for part in workers_spec.split(","))):
            name, sep, port = item.rpartition(":")
            if not sep or not name or not port.isdigit():
                raise ClusterError(f"CITUS_TEST_WORKERS item {item!r} is not name:port")
            workers.append(Node(name=name, port=int(port), conninfo=dict(base, host=name, port=int(port))))
        if len(workers) < 2:
            raise ClusterError("CITUS_TEST_WORKERS must list at least two workers as name:port,name:port")
        host = base.get("host", "localhost")
        port = int(base.get("port", 5432))
        coordinator = Node(name=os.environ.get("CITUS_TEST_COORDINATOR_NAME", host), port=port,
                           conninfo=dict(base, port=port), role="coordinator")
        dbname = base.get("dbname") or base.get("user") or "postgres"
        for node in (coordinator, *workers):
            node.conninfo.setdefault("dbname", dbname)
        cluster = cls(coordinator, workers, dbname)
        cluster._check_reachable()
        return cluster

    @classmethod
    def start_local(cls, worker_count: int = WORKER_COUNT) -> Cluster:
        """Create and start a coordinator and ``worker_count`` workers; stopped at exit at the latest."""
        local = _LocalInstances(worker_count + 1)
        atexit.register(local.stop)
        _exit_on_sigterm()
        try:
            local.create()
            local.start()
            nodes = [
                Node(name=LOCAL_HOST, port=port, datadir=datadir,
                     conninfo={"host": LOCAL_HOST, "port": port, "user": "postgres", "password": local.password,
                               "dbname": TEST_DBNAME, "sslmode": "prefer", "connect_timeout": 10},
                     role="coordinator" if i == 0 else "worker")
                for i, (port, datadir) in enumerate(zip(local.ports, local.datadirs, strict=True))
            ]
            cluster = cls(nodes[0], nodes[1:], TEST_DBNAME, local)
            for node in nodes:
                conn = cluster.connect(node, dbname="postgres")
                try:
                    with conn.cursor() as cur:
                        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEST_DBNAME)))
                finally:
                    conn.close()
            for node in nodes:
                cluster._ensure_extension(node)
        except BaseException:
            local.stop()
            raise
        return cluster

    # -- use ----------------------------------------------------------------------------------------
    @property
    def is_local(self) -> bool:
        return self._local is not None

    @property
    def nodes(self) -> list[Node]:
        return [self.coordinator, *self.workers]

    def connect(self, node: Node | None = None, dbname: str | None = None) -> psycopg2.extensions.connection:
        """An autocommit psycopg2 connection to ``node`` (default: the coordinator)."""
        node = node or self.coordinator
        params = dict(node.conninfo)
        if dbname:
            params["dbname"] = dbname
        try:
            conn = psycopg2.connect(**params)
        except psycopg2.OperationalError as exc:
            message = str(exc).strip().splitlines()
            raise ClusterError(f"cannot connect to {node.role} {node.address}: {message[0] if message else exc}"
                               ) from exc
        conn.autocommit = True
        return conn

    def query(self, sql: str, params: tuple | dict | None = None, node: Node | None = None) -> list[tuple]:
        """Rows of one statement run in its own connection."""
        conn = self.connect(node)
        try:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    @property
    def is_emulator(self) -> bool:
        """True when the coordinator runs the Citus API emulator rather than real Citus."""
        return "API emulator" in self.query("SELECT citus_version()")[0][0]

    def reset(self) -> None:
        """Back to a coordinator with no node registered, no test table and the extension on every node."""
        for node in self.workers:
            self._ensure_extension(node)
        conn = self._admin_conn(self.coordinator)
        try:
            with conn.cursor() as cur:
                # stop background rebalances and drop orphaned shards (real Citus drops moved shards later,
                # which would hit new shards with the same ids once the shard id sequence restarts)
                cur.execute("SELECT job_id FROM pg_dist_background_job "
                            "WHERE state IN ('scheduled', 'running', 'cancelling', 'failing')")
                for (job_id,) in cur.fetchall():
                    cur.execute("SELECT citus_job_cancel(%s)", (job_id,))
                self._drop_test_objects(cur)
                cur.execute("SELECT to_regproc('pg_catalog.citus_cleanup_orphaned_resources') IS NOT NULL")
                if cur.fetchone()[0]:
                    cur.execute("CALL citus_cleanup_orphaned_resources()")
                cur.execute("SELECT nodename, nodeport FROM pg_dist_node ORDER BY noderole DESC, groupid DESC, nodeid")
                for name, port in cur.fetchall():
                    cur.execute("SELECT citus_remove_node(%s, %s)", (name, port))
                # Citus's cleanup skips the deferred drops of a group with no node (one a test removed): once the
                # sequences restart, such a record names a shard of the next test (the worker drops below take
                # its orphaned tables)
                cur.execute("SELECT to_regclass('pg_catalog.pg_dist_cleanup') IS NOT NULL")
                if cur.fetchone()[0]:
                    cur.execute("DELETE FROM pg_dist_cleanup")
                cur.execute("DELETE FROM pg_dist_authinfo")
                cur.execute("DELETE FROM pg_dist_colocation c WHERE NOT EXISTS "
                            "(SELECT 1 FROM pg_dist_partition p WHERE p.colocationid = c.colocationid)")
                cur.execute("SELECT to_regclass('pg_catalog.pg_dist_background_task') IS NOT NULL")
                if cur.fetchone()[0]:
                    cur.execute("DELETE FROM pg_dist_background_task_depend")
                    cur.execute("DELETE FROM pg_dist_background_task")
                cur.execute("DELETE FROM pg_dist_background_job")
                # The same ids in every test, whatever ran before; names are quoted by the driver (sql.Identifier).
                cur.execute(sql.SQL("ALTER SEQUENCE pg_catalog.pg_dist_shardid_seq RESTART WITH {}").format(
                    sql.Literal(SHARDID_FIRST)))
                for seq in ("pg_dist_node_nodeid_seq", "pg_dist_groupid_seq", "pg_dist_colocationid_seq",
                            "pg_dist_placement_placementid_seq"):
                    cur.execute(sql.SQL("ALTER SEQUENCE {} RESTART").format(sql.Identifier("pg_catalog", seq)))
        except psycopg2.Error as exc:
            raise ClusterError(f"resetting the coordinator failed: {exc.diag.message_primary}") from exc
        for node in self.workers:
            with self._admin_conn(node).cursor() as cur:
                # Citus hides shard tables from pg_class unless asked (not on the coordinator: dropping
                # the distributed tables there drops their shards)
                cur.execute("SET citus.show_shards_for_app_name_prefixes TO '*'")
                # a worker removed while it had metadata keeps it (Citus does not clean it up):
                # forget it, so its shell tables drop like plain tables
                cur.execute("SELECT to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL")
                if cur.fetchone()[0]:
                    for catalog in ("pg_dist_placement", "pg_dist_shard", "pg_dist_partition", "pg_dist_colocation",
                                    "pg_dist_node"):
                        cur.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier("pg_catalog", catalog)))
                self._drop_test_objects(cur)

    def stop(self) -> None:
        """Stop and remove local instances (nothing to do for a real cluster)."""
        self._close_admin()
        if self._local is not None:
            self._local.stop()

    # -- streaming replicas (local mode) ------------------------------------------------------------
    def start_replica(self, primary: Node, timeout: float = 60.0) -> Node:
        """A streaming replica of ``primary`` (``pg_basebackup -R`` over loopback, asynchronous), started on a free
        port and streaming (the primary's pg_stat_replication shows it) within ``timeout`` seconds; what Citus 13.2's
        citus_add_clone_node takes. Local mode only; stop it with stop_replica().
        """
        local = self._local
        if local is None or primary.datadir is None:
            raise ClusterError("start_replica needs local instances (not CITUS_TEST_COORDINATOR)")
        before = {row[0] for row in self.query("SELECT pid FROM pg_stat_replication", node=primary)}
        port = _free_ports(1)[0]
        datadir = local.base / f"replica{port}"
        env = dict(os.environ, PGPASSFILE=str(local.base / "pgpass"))
        _run(local._cmd(["env", f"PGPASSFILE={local.base / 'pgpass'}", str(PG_BIN / "pg_basebackup"),
                         "-h", LOCAL_HOST, "-p", str(primary.port), "-U", "postgres", "-D", str(datadir),
                         "-X", "stream", "-c", "fast", "-R", "--no-sync"]),
             f"pg_basebackup of {primary.address}", env=env)
        with (datadir / "postgresql.conf").open("a") as handle:
            handle.write(f"port = {port}\n")
        log = local.base / f"{datadir.name}.log"
        local.started.append(datadir)
        _run(local._cmd(["env", f"PGPASSFILE={local.base / 'pgpass'}", str(PG_BIN / "pg_ctl"), "start", "-w",
                         "-t", "60", "-D", str(datadir), "-l", str(log)]), f"starting the replica of {primary.address}",
             env=env)
        replica = Node(name=LOCAL_HOST, port=port, datadir=datadir, role="replica",
                       conninfo=dict(primary.conninfo, port=port))
        deadline = time.monotonic() + timeout
        while True:
            rows = self.query("SELECT pid FROM pg_stat_replication WHERE state = 'streaming'", node=primary)
            if {row[0] for row in rows} - before:
                return replica
            if time.monotonic() > deadline:
                raise ClusterError(f"the replica {replica.address} of {primary.address} is not streaming after "
                                   f"{timeout:.0f} s (see {log})")
            time.sleep(0.2)

    def stop_replica(self, replica: Node) -> None:
        """Stop (immediate) and remove a replica made by start_replica(), promoted or not."""
        local = self._local
        if local is None or replica.datadir is None:
            return
        self._admin.pop((replica.name, replica.port), None)
        with contextlib.suppress(Exception):
            subprocess.run(local._cmd([str(PG_BIN / "pg_ctl"), "stop", "-m", "immediate", "-D", str(replica.datadir)]),
                           capture_output=True, check=False, timeout=60)
        if replica.datadir in local.started:
            local.started.remove(replica.datadir)
        shutil.rmtree(replica.datadir, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------------------
    def _admin_conn(self, node: Node) -> psycopg2.extensions.connection:
        """A connection kept for reset() (connections with SSL and scram are slow to open)."""
        key = (node.name, node.port)
        conn = self._admin.get(key)
        if conn is not None and not conn.closed:
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                return conn
            except psycopg2.Error:
                conn.close()
        conn = self.connect(node)
        with conn.cursor() as cur:
            cur.execute("SET client_min_messages TO warning")
        self._admin[key] = conn
        return conn

    def _close_admin(self) -> None:
        for conn in self._admin.values():
            with contextlib.suppress(psycopg2.Error):
                conn.close()
        self._admin.clear()

    def _ensure_extension(self, node: Node) -> None:
        conn = self._admin_conn(node)
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE EXTENSION IF NOT EXISTS citus")
        except psycopg2.Error as exc:
            raise ClusterError(f"CREATE EXTENSION citus failed on {node.role} {node.address}: "
                               f"{exc.diag.message_primary} (is the citus package installed on this host?)") from exc

    @staticmethod
    def _drop_test_objects(cur: psycopg2.extensions.cursor) -> None:
        """Drop test schemas and the tables, views and sequences of schema public (not the extension's)."""
        cur.execute(
            "SELECT n.nspname FROM pg_namespace n "
            "WHERE n.nspname <> ALL (%s) AND n.nspname NOT LIKE 'pg\\_%%' "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass "
            "AND d.objid = n.oid AND d.deptype = 'e')", (list(_KEEP_SCHEMAS),))
        for (schema,) in cur.fetchall():
            cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        cur.execute(
            "SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') "
            "AND NOT c.relispartition "
            "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
            "AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i'))")
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "f": "FOREIGN TABLE",
                 "S": "SEQUENCE"}
        for kind, name in cur.fetchall():
            cur.execute(sql.SQL("DROP {} IF EXISTS {} CASCADE").format(sql.SQL(kinds[kind]),
                                                                          sql.Identifier("public", name)))

    def _check_reachable(self) -> None:
        for node in self.nodes:
            conn = self.connect(node)
            conn.close()

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until every node accepts connections (useful after a restart)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._check_reachable()
                return
            except ClusterError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
