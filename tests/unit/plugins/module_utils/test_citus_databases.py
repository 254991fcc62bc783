"""citus_databases' pure parts: the password comparison (against verifiers built as PostgreSQL's
scram_build_secret builds them; the module test compares with verifiers the server stored),
version order, the checks of the request, and the plan."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus_databases as mod
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import Refusal


def scram_verifier(password: str, salt: bytes = b'0123456789abcdef', iterations: int = 4096) -> str:
    """SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, as PostgreSQL's scram_build_secret makes it."""
    salted = hashlib.pbkdf2_hmac('sha256', password.encode(), salt, iterations)
    stored = hashlib.sha256(hmac.new(salted, b'Client Key', hashlib.sha256).digest()).digest()
    server = hmac.new(salted, b'Server Key', hashlib.sha256).digest()
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored)}:{b64(server)}"


def test_md5_only_while_the_server_encrypts_with_md5():
    stored = 'md5' + hashlib.md5(b'secretjoe').hexdigest()
    assert mod.password_matches(stored, 'secret', 'joe', 'md5')
    assert not mod.password_matches(stored, 'secret', 'ann', 'md5')
    assert not mod.password_matches(stored, 'secret', 'joe', 'scram-sha-256')


def test_encrypted_password_given_is_compared_as_it_is():
    verifier = scram_verifier('secret')
    assert mod.password_matches(verifier, verifier, 'joe', 'scram-sha-256')
    assert not mod.password_matches(scram_verifier('other'), verifier, 'joe', 'scram-sha-256')
    md5 = 'md5' + hashlib.md5(b'secretjoe').hexdigest()
    assert mod.password_matches(md5, md5, 'joe', 'scram-sha-256')


def test_empty_password_means_none():
    assert mod.password_matches(None, '', 'joe', 'scram-sha-256')
    assert not mod.password_matches(scram_verifier(''), '', 'joe', 'scram-sha-256')


def test_no_stored_password_never_matches():
    assert not mod.password_matches(None, 'secret', 'joe', 'scram-sha-256')
    assert not mod.password_matches('plain text', 'plain text', 'joe', 'scram-sha-256')


def test_non_ascii_password_is_sasl_prepared():
    # SASLprep maps the no-break space to a space (RFC 4013 C.1.2), as PostgreSQL does before hashing
    assert mod.sasl_prepared('a\u00a0b') == 'a b'
    assert mod.password_matches(scram_verifier('a b'), 'a\u00a0b', 'joe', 'scram-sha-256')
    assert mod.sasl_prepared('plain') == 'plain'


def test_version_key():
    assert mod.version_key('13.2-1') == (13, 2, 1)
    assert mod.version_key('9.5-2') < mod.version_key('13.1-1') < mod.version_key('13.2-1')
    assert mod.version_key('13.2devel') is None


def params(**kw):
    return mod.DatabasesParams(**{'databases': ['app'], **kw})


@pytest.mark.parametrize(('kw', 'message'), [
    (dict(databases=['app', 'app', 'x']), 'databases: app listed more than once'),
    (dict(databases=['']), 'databases: a database name is empty'),
    (dict(password='p'), 'password is set but user is not'),
    (dict(user='joe'), 'user is set but password is not'),
])
def test_validate(kw, message):
    assert mod.validate(params(**kw)).startswith(message)


def test_validate_accepts_a_full_request():
    assert mod.validate(params(user='joe', password='p')) is None


def test_plan_refuses_an_extension_newer_than_the_package():
    state = mod.Snapshot(default_version='13.1-1', extensions={'app': '13.2-1'})
    with pytest.raises(Refusal, match=r"newer than the installed package's 13.1-1 in database app \(13.2-1\)"):
        mod.plan(params(), state)


def test_plan_refuses_a_server_without_the_package():
    with pytest.raises(Refusal, match='the citus extension is not available on this server'):
        mod.plan(params(), mod.Snapshot(default_version=None))


def test_plan_by_case():
    state = mod.Snapshot(role_exists=True, stored_password=scram_verifier('p'), default_version='13.2-1',
                         extensions={'same': '13.2-1', 'old': '13.1-1', 'none': None})
    first, per_database = mod.plan(params(databases=['same', 'old', 'none', 'new'], user='joe', password='p'), state)
    assert [unit.done for unit in first] == ['database new created']
    assert [(name, units[0].statements[0].shown) for name, units in per_database] == [
        ('old', 'ALTER EXTENSION citus UPDATE -- in database old'),
        ('none', 'CREATE EXTENSION citus -- in database none'),
        ('new', 'CREATE EXTENSION citus -- in database new')]
