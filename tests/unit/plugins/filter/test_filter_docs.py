"""Every filter plugin documents itself under its file's name and registers that one filter."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

FILTERS = sorted(path.stem for path in (Path(__file__).resolve().parents[4] / 'plugins' / 'filter').glob('*.py'))


def test_the_filters_are_found():
    assert FILTERS == ['citus_conversion_problems', 'citus_member_problems', 'citus_members', 'citus_module_problems',
                       'citus_scale_out_workers', 'citus_tables_by_db', 'citus_tls_current', 'deb_fields']


@pytest.mark.parametrize('name', FILTERS)
def test_a_filter_is_documented_and_registered_under_its_name(name):
    plugin = importlib.import_module(f'ansible_collections.pgcitus.cluster.plugins.filter.{name}')
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert doc['name'] == name
    assert set(doc['options']) >= {'_input'}
    assert yaml.safe_load(plugin.EXAMPLES)
    assert '_value' in yaml.safe_load(plugin.RETURN)
    assert list(plugin.FilterModule().filters()) == [name]
