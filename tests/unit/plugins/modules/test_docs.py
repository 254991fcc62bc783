"""DOCUMENTATION of every Citus module (and the shared doc fragment) says what the argument spec does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.pgcitus.cluster.plugins.doc_fragments import citus as citus_fragment
from ansible_collections.pgcitus.cluster.plugins.doc_fragments import table as table_fragment
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import citus_common_argument_spec
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus_table import table_argument_spec
from ansible_collections.pgcitus.cluster.plugins.modules import (
    citus_databases,
    citus_distributed_table,
    citus_info,
    citus_node,
    citus_rebalance,
    citus_reference_table,
)

COLLECTION = Path(__file__).resolve().parents[4]
TABLE_MODULES = (citus_distributed_table, citus_reference_table)


def fragment_options(fragment) -> dict:
    return yaml.safe_load(fragment.ModuleDocFragment.DOCUMENTATION)['options']


def assert_documented(options: dict, spec: dict) -> None:
    assert set(spec) == set(options)
    for name, option in options.items():
        assert option.get('default') == spec[name].get('default'), name
        assert option.get('choices') == spec[name].get('choices'), name
        assert option['type'] == spec[name]['type'], name
        assert option.get('aliases') == spec[name].get('aliases'), name


@pytest.mark.parametrize('module', [citus_databases, citus_node, citus_distributed_table, citus_reference_table,
                                    citus_info, citus_rebalance])
def test_module_options_match_the_argument_spec(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    kind = 'info' if module is citus_info else 'changes'
    fragments = ['pgcitus.cluster.citus'] + (['pgcitus.cluster.table'] if module in TABLE_MODULES else [])
    assert doc['extends_documentation_fragment'] == fragments + [f'pgcitus.cluster.attributes.{kind}',
                                                                 'pgcitus.cluster.attributes.actiongroup_citus']
    common = citus_common_argument_spec()
    if module in TABLE_MODULES:
        common.update(fragment_options(table_fragment))
    own = {k: v for k, v in module.argument_spec().items() if k not in common}
    assert_documented(doc['options'], own)


def test_doc_fragment_matches_the_common_argument_spec():
    assert_documented(fragment_options(citus_fragment), citus_common_argument_spec())


def test_table_fragment_matches_the_table_argument_spec():
    options = fragment_options(table_fragment)
    spec = table_argument_spec()
    assert_documented(options, {name: spec[name] for name in options})


def test_every_module_is_in_the_module_group():
    runtime = yaml.safe_load((COLLECTION / 'meta' / 'runtime.yml').read_text())
    modules = sorted(path.stem for path in (COLLECTION / 'plugins' / 'modules').glob('citus_*.py'))
    assert sorted(runtime['action_groups']['citus']) == modules


@pytest.mark.parametrize('module', [citus_node, citus_distributed_table, citus_reference_table, citus_info,
                                    citus_rebalance])
def test_examples_and_return_are_yaml(module):
    # ansible-doc refuses a module whose RETURN does not parse (a ': ' in a plain scalar makes a mapping).
    assert yaml.safe_load(module.EXAMPLES)
    assert isinstance(yaml.safe_load(module.RETURN), dict)


@pytest.mark.parametrize('path', sorted((COLLECTION / 'plugins' / 'modules').glob('*.py')), ids=lambda p: p.stem)
def test_every_module_documents_itself_in_yaml(path):
    # ansible-doc and ansible-lint read the three blocks without importing the module: each must parse as YAML (a
    # plain scalar that ends a line with ':' or holds ': ' becomes a mapping and the whole documentation is lost).
    source = path.read_text()
    blocks = {name: source.split(f"{name} = r'''")[1].split("'''")[0]
              for name in ('DOCUMENTATION', 'EXAMPLES', 'RETURN')}
    doc = yaml.safe_load(blocks['DOCUMENTATION'])
    assert doc['module'] == path.stem
    assert isinstance(yaml.safe_load(blocks['EXAMPLES']), list)
    assert isinstance(yaml.safe_load(blocks['RETURN']), dict)
