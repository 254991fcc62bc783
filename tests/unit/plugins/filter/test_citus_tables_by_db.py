"""Unit tests of the citus_tables_by_db filter: the declared tables grouped for one module run per database."""

from __future__ import annotations

from ansible_collections.pgcitus.cluster.plugins.filter.citus_tables_by_db import citus_tables_by_db


def test_tables_are_grouped_by_database_in_their_order_without_db():
    tables = [{'name': 'orders', 'column': 'customer_id'},
              {'name': 'events', 'column': 'id', 'db': 'analytics'},
              {'name': 'order_items', 'column': 'customer_id', 'colocate_with': 'orders', 'db': 'app'},
              {'name': 'clicks', 'column': 'id', 'db': 'analytics'}]
    assert citus_tables_by_db(tables, 'app') == [
        {'db': 'app', 'tables': [{'name': 'orders', 'column': 'customer_id'},
                                 {'name': 'order_items', 'column': 'customer_id', 'colocate_with': 'orders'}]},
        {'db': 'analytics', 'tables': [{'name': 'events', 'column': 'id'}, {'name': 'clicks', 'column': 'id'}]},
    ]


def test_no_tables_no_module_run():
    assert citus_tables_by_db([], 'app') == []


def test_the_declared_items_are_left_as_they_are():
    tables = [{'name': 'orders', 'db': 'app'}]
    citus_tables_by_db(tables, 'postgres')
    assert tables == [{'name': 'orders', 'db': 'app'}]
