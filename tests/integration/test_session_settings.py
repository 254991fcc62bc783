"""Issue 10 item 10: error translation matches English server messages, so each module's session asks for them.

This host has no locale with non-English server messages (`locale -a`: C, C.utf8, POSIX), so no test here can make
the server speak German. What can fail before the fix is the session setting itself: the login starts with another
lc_messages (C.utf8, through libpq's `options`), and the module's own session must show C when it is done. The
note for untranslated messages on a session that cannot change it is unit tested (tests/unit)."""

from __future__ import annotations

import pytest
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus


@pytest.fixture
def session_settings(monkeypatch):
    """lc_messages of every module session, read on that session just before the module closes it."""
    seen: list[str] = []
    close = _citus.CitusDB.close

    def close_and_record(self):
        if self.conn is not None:
            self.cursor.execute("SELECT current_setting('lc_messages')")
            seen.append(self.cursor.fetchall()[0][0])
        close(self)

    monkeypatch.setattr(_citus.CitusDB, 'close', close_and_record)
    return seen


def login_with_options(citus, options):
    login = citus.login()
    login['connect_params'] = {**login.get('connect_params', {}), 'options': options}
    return login


@pytest.mark.parametrize('module, args', [
    ('citus_info', {}),
    ('citus_node', {'coordinator': True}),
    ('citus_reference_table', {'name': 'customers', 'state': 'absent'}),
    ('citus_rebalance', {'state': 'stopped'}),
])
def test_module_session_asks_for_english_messages(citus, session_settings, module, args):
    c = citus.coordinator
    if module == 'citus_node':
        args = {**args, 'name': c.name, 'port': c.port}
    citus.sql("CREATE TABLE IF NOT EXISTS customers (id bigint PRIMARY KEY)")
    # the login's own default is not C: the module must change it on its session
    assert citus.sql("SHOW lc_messages") == [('C',)]
    res = citus.run(module, login=False, **login_with_options(citus, '-c lc_messages=C.utf8'), **args)
    assert not res.get('failed'), res
    assert session_settings == ['C']


def test_a_login_that_may_not_change_lc_messages_still_works(citus, session_settings):
    """lc_messages is superuser-only: a plain login keeps the server's value, and the module does not fail."""
    citus.sql("DROP ROLE IF EXISTS pgcitus_reader")
    citus.sql("CREATE ROLE pgcitus_reader LOGIN PASSWORD 'reader-pw'")
    try:
        res = citus.run('citus_info', rebalance_plan=False, login_user='pgcitus_reader', login_password='reader-pw')
        assert not res.get('failed'), res
        assert res['citus_installed'] is True
        assert session_settings == ['C']  # the server's value, left as it was
    finally:
        citus.sql("DROP ROLE pgcitus_reader")
