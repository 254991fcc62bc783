"""node_info run as Ansible runs it (a process with its arguments), with a stand-in dpkg-query on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[4] / 'plugins' / 'modules' / 'node_info.py'
# What dpkg-query -W -f '${Package}\t${db:Status-Abbrev}\t${Version}\n' prints for these names (and, for an unknown
# name, its message on stderr and exit status 1).
DPKG_QUERY = r'''#!/bin/sh
echo "$@" > "$(dirname "$0")/args"
status=0
for name in "$@"; do
  case "$name" in
    postgresql-15) printf 'postgresql-15\tii \t15.20-0+deb12u1\n' ;;
    removed-pkg) printf 'removed-pkg\trc \t1.0-1\n' ;;
    -W|-f|*'${Package}'*) ;;
    *) echo "dpkg-query: no packages found matching $name" >&2; status=1 ;;
  esac
done
exit $status
'''


SYSTEMCTL = r'''#!/bin/sh
case "$1 $2" in
  'is-active postgresql@15-main') echo active ;;
  'is-enabled postgresql@15-main') echo enabled ;;
  'is-active'*) echo inactive; exit 3 ;;
  'is-enabled'*) echo disabled; exit 1 ;;
esac
'''


@pytest.fixture
def bin_dir(tmp_path):
    directory = tmp_path / 'bin'
    directory.mkdir()
    for name, text in (('dpkg-query', DPKG_QUERY), ('systemctl', SYSTEMCTL)):
        script = directory / name
        script.write_text(text)
        script.chmod(0o755)
    return directory


def run(tmp_path, bin_dir, **args):
    args_file = tmp_path / 'args.json'
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_check_mode=True)}))
    env = dict(os.environ, PATH=f'{bin_dir}:{os.environ["PATH"]}')
    proc = subprocess.run([sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True, env=env,
                          check=False)
    return json.loads(proc.stdout)


def test_reads_installed_versions_and_the_running_port(tmp_path, bin_dir):
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'postmaster.pid').write_text(f'4242\n{data}\n1700000000\n5433\n/var/run/postgresql\n*\n  1 2\nready\n')
    result = run(tmp_path, bin_dir, packages=['postgresql-15', 'removed-pkg', 'missing', 'postgresql-15=15.19-1',
                                              'postgresql-15=15.20-0+deb12u1', 'libpq*', 'postgresql-15=15.2*',
                                              'postgresql-15:amd64'],
                 data_directory=str(data))
    assert not result.get('failed'), result
    assert result['changed'] is False
    assert result['packages'] == {'postgresql-15': '15.20-0+deb12u1', 'removed-pkg': None, 'missing': None,
                                  'postgresql-15=15.19-1': None, 'postgresql-15=15.20-0+deb12u1': '15.20-0+deb12u1',
                                  'libpq*': None, 'postgresql-15=15.2*': None, 'postgresql-15:amd64': None}
    assert (bin_dir / 'args').read_text().split()[-3:] == ['postgresql-15', 'removed-pkg', 'missing'], \
        'each name asked once; a wildcard or an architecture is left to apt'
    assert result['server_port'] == 5433 and result['apt_lists'] is None and result['services'] == {}


def test_reads_the_state_of_services(tmp_path, bin_dir):
    result = run(tmp_path, bin_dir, services=['postgresql@15-main', 'patroni'])
    assert result['services'] == {'postgresql@15-main': {'active': 'active', 'enabled': 'enabled'},
                                  'patroni': {'active': 'inactive', 'enabled': 'disabled'}}


def test_no_server_and_no_question_give_nulls(tmp_path, bin_dir):
    result = run(tmp_path, bin_dir, data_directory=str(tmp_path / 'nowhere'), apt_lists=True)
    assert result['server_port'] is None and result['packages'] == {}
    assert isinstance(result['apt_lists'], int)
    assert not (bin_dir / 'args').exists(), 'no package asked, dpkg-query not run'


def test_a_dpkg_failure_says_what_failed(tmp_path, bin_dir):
    (bin_dir / 'dpkg-query').write_text('#!/bin/sh\necho "dpkg-query: error: database locked" >&2\nexit 2\n')
    result = run(tmp_path, bin_dir, packages=['postgresql-15'])
    assert result['failed'] and 'database locked' in result['msg'] and 'dpkg-query' in result['msg']


def test_counts_only_package_lists(tmp_path, monkeypatch):
    sys.path.insert(0, str(MODULE.parent))
    try:
        import node_info
    finally:
        sys.path.pop(0)
    lists = tmp_path / 'lists'
    lists.mkdir()
    for name in ('deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4', 'lock', 'partial',
                 'deb.debian.org_debian_dists_bookworm_InRelease'):
        (lists / name).write_text('')
    monkeypatch.setattr(node_info, '_APT_LISTS', str(lists))
    assert node_info.apt_list_count() == 1
    monkeypatch.setattr(node_info, '_APT_LISTS', str(tmp_path / 'none'))
    assert node_info.apt_list_count() == 0


# What postgres --describe-config prints (tab-separated: name, context, group, type, boot value, min, max, ...).
DESCRIBE_CONFIG = r'''#!/bin/sh
[ "$1" = --describe-config ] || exit 9
printf 'max_connections\tpostmaster\tConnections\tINTEGER\t100\t1\t262143\tSets the maximum.\t\n'
printf 'output_plugin_libraries\tsuperuser\tReplication\tSTRING\tpgoutput, test_decoding\t\t\tLists libraries.\t\n'
'''


def test_reads_boot_values_from_the_server_binary(tmp_path, bin_dir):
    postgres = bin_dir / 'postgres'
    postgres.write_text(DESCRIBE_CONFIG)
    postgres.chmod(0o755)
    result = run(tmp_path, bin_dir, server_binary=str(postgres),
                 boot_values=['output_plugin_libraries', 'max_connections', 'not_a_setting'])
    assert result['boot_values'] == {'output_plugin_libraries': 'pgoutput, test_decoding', 'max_connections': '100',
                                     'not_a_setting': None}
    assert run(tmp_path, bin_dir, server_binary=str(tmp_path / 'none'), boot_values=['x'])['boot_values'] is None
    assert run(tmp_path, bin_dir)['boot_values'] is None
    postgres.write_text('#!/bin/sh\necho "postgres: could not load library" >&2\nexit 1\n')
    failed = run(tmp_path, bin_dir, server_binary=str(postgres), boot_values=['x'])
    assert failed['failed'] and 'could not load library' in failed['msg'] and '--describe-config' in failed['msg']


POSTGRES_15 = Path('/usr/lib/postgresql/15/bin/postgres')


@pytest.mark.skipif(not POSTGRES_15.exists(), reason='PostgreSQL 15 is not installed here')
def test_reads_boot_values_from_postgresql_15(tmp_path, bin_dir):
    described = subprocess.run([str(POSTGRES_15), '--describe-config'], capture_output=True, text=True, check=True)
    wanted = next(line.split('\t')[4] for line in described.stdout.splitlines() if line.startswith('wal_level\t'))
    result = run(tmp_path, bin_dir, server_binary=str(POSTGRES_15), boot_values=['wal_level', 'no_such_setting'])
    assert result['boot_values'] == {'wal_level': 'replica', 'no_such_setting': None} and wanted == 'replica'
