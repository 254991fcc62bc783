"""node_files run as Ansible runs it (a process with its arguments), against a temporary directory."""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.modules.assemble import assemble_from_fragments

MODULE = Path(__file__).resolve().parents[4] / 'plugins' / 'modules' / 'node_files.py'
OWNER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def run(tmp_path, check=False, diff=False, **args):
    params = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    args_file = tmp_path / 'args.json'
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': params}))
    proc = subprocess.run([sys.executable, str(MODULE), str(args_file)], capture_output=True, text=True, check=False)
    return json.loads(proc.stdout), proc.stdout


def entry(path, mode='0640', **content):
    return dict(path=str(path), owner=OWNER, group=GROUP, mode=mode, **content)


def test_writes_then_changes_nothing(tmp_path):
    conf = tmp_path / 'conf'
    files = [entry(conf / 'a.conf', content='a = 1\n'), entry(conf / 'key', mode='0600', secret_content='s3cret\n')]
    result, _ = run(tmp_path, directories=[entry(conf, mode='0750')], files=files)
    assert result['changed'] and result['changed_paths'] == [str(conf), str(conf / 'a.conf'), str(conf / 'key')]
    assert (conf / 'a.conf').read_text() == 'a = 1\n' and (conf / 'key').read_text() == 's3cret\n'
    assert oct(conf.stat().st_mode & 0o7777) == '0o750' and oct((conf / 'key').stat().st_mode & 0o7777) == '0o600'
    again, _ = run(tmp_path, directories=[entry(conf, mode='0750')], files=files)
    assert not again['changed'] and again['changed_paths'] == []


def test_check_mode_reports_and_writes_nothing(tmp_path):
    result, _ = run(tmp_path, check=True, directories=[entry(tmp_path / 'd', mode='0700')],
                    files=[entry(tmp_path / 'f', content='x\n')])
    assert result['changed'] and result['changed_paths'] == [str(tmp_path / 'd'), str(tmp_path / 'f')]
    assert not (tmp_path / 'd').exists() and not (tmp_path / 'f').exists()


def test_diff_shows_content_but_never_a_secret(tmp_path):
    (tmp_path / 'f').write_text('old\n')
    result, stdout = run(tmp_path, diff=True, files=[entry(tmp_path / 'f', content='new\n'),
                                                     entry(tmp_path / 'k', secret_content='TOPSECRET\n')])
    assert result['diff'][0]['before'] == 'old\n' and result['diff'][0]['after'] == 'new\n'
    assert 'TOPSECRET' not in stdout
    assert 'not shown' in result['diff'][1]['after']


def test_a_mode_change_alone_keeps_the_content(tmp_path):
    target = tmp_path / 'f'
    target.write_text('same\n')
    target.chmod(0o644)
    result, _ = run(tmp_path, files=[entry(target, mode='0600', content='same\n')])
    assert result['changed'] and oct(target.stat().st_mode & 0o7777) == '0o600' and target.read_text() == 'same\n'


@pytest.mark.parametrize('change, message', [
    (dict(owner='no-such-user-pgcitus'), "there is no user 'no-such-user-pgcitus'"),
    (dict(group='no-such-group-pgcitus'), "there is no group 'no-such-group-pgcitus'"),
    (dict(mode='rw-r-----'), "mode 'rw-r-----' is not an octal mode"),
    (dict(path='relative/f'), "'relative/f' is not an absolute path"),
])
def test_bad_input_names_the_fix_and_writes_nothing(tmp_path, change, message):
    result, _ = run(tmp_path, files=[dict(entry(tmp_path / 'f', content='x\n'), **change)])
    assert result['failed'] and message in result['msg']
    assert not (tmp_path / 'f').exists()


def test_a_file_needs_exactly_one_kind_of_content(tmp_path):
    result, _ = run(tmp_path, files=[entry(tmp_path / 'f', content='x', secret_content='a-long-secret')])
    assert result['failed'] and 'mutually exclusive' in result['msg']
    result, _ = run(tmp_path, files=[entry(tmp_path / 'f')])
    assert result['failed'] and 'content' in result['msg']


def test_check_mode_reports_an_owner_that_an_earlier_task_would_create(tmp_path):
    (tmp_path / 'f').write_text('x\n')
    files = [dict(entry(tmp_path / 'f', content='x\n'), owner='no-such-user-pgcitus')]
    result, _ = run(tmp_path, check=True, files=files)
    assert not result.get('failed') and result['changed_paths'] == [str(tmp_path / 'f')]


def test_a_directory_whose_parent_is_missing_is_made_with_its_parents(tmp_path):
    # /etc/etcd/tls before the etcd package made /etc/etcd: the file module made the parents too.
    target = tmp_path / 'etc' / 'etcd' / 'tls'
    result, _ = run(tmp_path, directories=[entry(target, mode='0750')])
    assert result['changed'] and target.is_dir() and oct(target.stat().st_mode & 0o7777) == '0o750'


def test_assembles_fragments_in_name_order_as_ansible_assemble_does(tmp_path):
    rules = tmp_path / 'pg_hba.d'
    rules.mkdir()
    (rules / '40-citus.conf').write_text('host all all 10.0.0.0/8 scram-sha-256\n')
    (rules / '50-other.conf').write_text('local all all peer')  # no final newline: one is added before the next
    (rules / '60-last.conf').write_text('host all all ::1/128 scram-sha-256\n')
    (rules / 'README').write_text('not a rule\n')
    hba = tmp_path / 'pg_hba.conf'
    assemble = [dict(entry(hba), src=str(rules), regexp=r'\.conf$')]
    files = [entry(rules / '10-postgresql.conf', content='local all postgres peer\n')]
    expected = ('local all postgres peer\nhost all all 10.0.0.0/8 scram-sha-256\nlocal all all peer\n'
                'host all all ::1/128 scram-sha-256\n')
    checked, _ = run(tmp_path, check=True, diff=True, files=files, assemble=assemble)
    assert checked['changed_paths'] == [str(rules / '10-postgresql.conf'), str(hba)]
    assert checked['diff'][1]['after'] == expected, 'check mode counts the fragment this run would write'
    assert not hba.exists() and not (rules / '10-postgresql.conf').exists()
    result, _ = run(tmp_path, files=files, assemble=assemble)
    assert result['changed_paths'] == [str(rules / '10-postgresql.conf'), str(hba)]
    assert hba.read_text() == expected and oct(hba.stat().st_mode & 0o7777) == '0o640'
    built = assemble_from_fragments(str(rules), compiled_regexp=re.compile(r'\.conf$'), tmpdir=str(tmp_path))
    assert Path(built).read_text() == expected, 'the same bytes as ansible.builtin.assemble, so no node sees a change'
    again, _ = run(tmp_path, files=files, assemble=assemble)
    assert not again['changed']
    (rules / '50-other.conf').unlink()
    fewer, _ = run(tmp_path, assemble=assemble)
    assert fewer['changed_paths'] == [str(hba)] and 'local all all peer' not in hba.read_text()


def test_assemble_refuses_a_bad_regexp_and_writes_nothing(tmp_path):
    result, _ = run(tmp_path, assemble=[dict(entry(tmp_path / 'out'), src=str(tmp_path), regexp='(')])
    assert result['failed'] and 'regexp' in result['msg'] and 'out' in result['msg']
    assert not (tmp_path / 'out').exists()
