"""Unit tests of the two shared builders: Citus calls with named arguments, and recorded differences."""

from __future__ import annotations

from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import Cast, Differences, citus_call


def test_call_sends_positional_arguments_and_casts():
    stmt = citus_call('create_distributed_table', Cast('public.orders', 'regclass'), 'customer_id',
                      shard_count=32, action='distribute')
    assert stmt.query == "SELECT create_distributed_table(%s::regclass, %s, shard_count => %s)"
    assert stmt.params == ('public.orders', 'customer_id', 32)
    assert stmt.action == 'distribute'


def test_call_leaves_out_named_arguments_that_are_not_set():
    stmt = citus_call('citus_rebalance_start', rebalance_strategy=None, drain_only=True, shard_transfer_mode=None)
    assert stmt.query == "SELECT citus_rebalance_start(drain_only => %s)"
    assert stmt.params == (True,)


def test_call_without_arguments_has_no_parameters():
    stmt = citus_call('citus_rebalance_start')
    assert (stmt.query, stmt.params) == ("SELECT citus_rebalance_start()", None)


def test_differences_build_the_message():
    diffs = Differences()
    diffs.compare('role', 'primary', 'secondary')
    diffs.compare('shard_count', None, 32)  # not asked for: not a difference
    diffs.compare('cluster', 'default', 'default')  # equal: not a difference
    diffs.add('column', 'id', 'tenant', label='distribution column')
    diffs.add('colocate_with', 'a', 'b', sentence='it is not colocated with a')
    assert len(diffs) == 3 and bool(diffs)
    assert diffs.sentences() == ['role is secondary (asked: primary)', 'distribution column is tenant (asked: id)',
                                 'it is not colocated with a']
    assert diffs.text() == '; '.join(diffs.sentences())
    assert [(d.name, d.wanted, d.actual) for d in diffs] == [
        ('role', 'primary', 'secondary'), ('column', 'id', 'tenant'), ('colocate_with', 'a', 'b')]


def test_no_differences_is_false():
    assert not Differences() and Differences().sentences() == []
