"""Every node: PostgreSQL 15 runs and starts at boot, citus is preloaded first, the extension is in every
declared database, and only authenticated TLS connections of the cluster role are admitted."""

from __future__ import annotations

import pytest
from conftest import DATABASES, psql


def test_postgresql_15_is_running_and_enabled(host) -> None:
    service = host.service("postgresql@15-main")
    assert service.is_running
    assert service.is_enabled
    assert psql(host, "SHOW server_version_num").startswith("15")


def test_citus_is_preloaded_first(host) -> None:
    libraries = [lib.strip() for lib in psql(host, "SHOW shared_preload_libraries").split(",")]
    assert libraries[0] == "citus"


@pytest.mark.parametrize("setting, expected", [("wal_level", "logical"), ("ssl", "on")])
def test_citus_server_settings(host, setting: str, expected: str) -> None:
    assert psql(host, f"SHOW {setting}") == expected


@pytest.mark.parametrize("db", DATABASES)
def test_citus_extension_in_every_database(host, db: str) -> None:
    assert psql(host, "SELECT count(*) FROM pg_extension WHERE extname = 'citus'", db=db) == "1"


def test_no_trust_rule_over_the_network(host) -> None:
    rules = psql(host, "SELECT count(*) FROM pg_hba_file_rules WHERE type <> 'local' AND auth_method = 'trust'")
    assert rules == "0"
    assert psql(host, "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL") == "0"


def test_member_rules_require_tls_a_password_and_a_client_certificate(host) -> None:
    rules = psql(host, "SELECT string_agg(DISTINCT format('%s %s %s', type, auth_method, "
                       "array_to_string(options, ',')), '; ') "
                       "FROM pg_hba_file_rules WHERE 'postgres' = ANY(user_name) AND type <> 'local'")
    assert rules == "hostssl scram-sha-256 clientcert=verify-ca"


def test_client_key_is_private(host) -> None:
    key = host.file("/var/lib/postgresql/.postgresql/postgresql.key")
    assert key.user == "postgres"
    assert key.mode == 0o600


def test_cluster_password_file_is_private(host) -> None:
    pgpass = host.file("/var/lib/postgresql/.pgpass")
    assert pgpass.user == "postgres"
    assert pgpass.mode == 0o600


def test_cluster_password_is_stored_as_scram(host) -> None:
    assert psql(host, "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'postgres'") == "t"


def _output_plugins(host) -> list[str] | None:
    """The server's output_plugin_libraries as a list, or None on a minor release without the setting."""
    if psql(host, "SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'") == "0":
        return None
    return [lib.strip() for lib in psql(host, "SHOW output_plugin_libraries").split(",")]


def test_citus_may_serve_as_an_output_plugin(host) -> None:
    # PostgreSQL 15.20 brought output_plugin_libraries; concurrent distribution and shard splits decode with citus.
    plugins = _output_plugins(host)
    if int(psql(host, "SHOW server_version_num")) >= 150020:
        assert plugins is not None, "PostgreSQL 15.20 and later have output_plugin_libraries"
        assert "citus" in plugins
        assert {"pgoutput", "test_decoding"} <= set(plugins), "the server's own entries are kept"
    else:
        assert plugins is None
        conf = host.file("/etc/postgresql/15/main/conf.d/60-citus.conf").content_string
        assert "output_plugin_libraries" not in conf


@pytest.mark.parametrize("db", DATABASES)
def test_citus_extension_is_at_the_packages_default_version(host, db: str) -> None:
    versions = psql(host, "SELECT e.extversion, a.default_version FROM pg_extension e "
                          "JOIN pg_available_extensions a ON a.name = e.extname WHERE e.extname = 'citus'", db=db)
    installed, default = versions.split("|")
    assert installed == default


def test_converge_restarts_postgresql_at_most_once_and_a_rerun_not_at_all(host) -> None:
    # converge.yml appends "<starts>|<postmaster start time>" after each run: converge, idempotence, check.
    records = host.file("/var/lib/pgcitus-molecule/starts").content_string.splitlines()
    assert len(records) >= 2, f"expected a record of the converge and of the idempotence run, got {records}"
    starts = [int(record.split("|")[0]) for record in records]
    # the package's first start, then at most one restart in the fresh converge
    assert starts[0] <= 2, f"the fresh converge restarted PostgreSQL {starts[0] - 1} times"
    # the no-change reruns (idempotence, then check mode) restarted nothing
    assert records[1:3] == [records[0]] * len(records[1:3])
