"""DOCUMENTATION of every Citus module (and the shared doc fragment) says what the argument spec does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.pgcitus.cluster.plugins.doc_fragments.citus import ModuleDocFragment
from ansible_collections.pgcitus.cluster.plugins.module_utils._citus import citus_common_argument_spec
from ansible_collections.pgcitus.cluster.plugins.modules import (
    citus_distributed_table,
    citus_info,
    citus_node,
    citus_reference_table,
)

COLLECTION = Path(__file__).resolve().parents[4]


def assert_documented(options: dict, spec: dict) -> None:
    assert set(spec) == set(options)
    for name, option in options.items():
        assert option.get('default') == spec[name].get('default'), name
        assert option.get('choices') == spec[name].get('choices'), name
        assert option['type'] == spec[name]['type'], name
        assert option.get('aliases') == spec[name].get('aliases'), name


@pytest.mark.parametrize('module', [citus_node, citus_distributed_table, citus_reference_table, citus_info])
def test_module_options_match_the_argument_spec(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    kind = 'info' if module is citus_info else 'changes'
    assert doc['extends_documentation_fragment'] == ['pgcitus.cluster.citus', f'pgcitus.cluster.attributes.{kind}',
                                                     'pgcitus.cluster.attributes.actiongroup_citus']
    common = citus_common_argument_spec()
    own = {k: v for k, v in module.argument_spec().items() if k not in common}
    assert_documented(doc['options'], own)


def test_doc_fragment_matches_the_common_argument_spec():
    assert_documented(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'], citus_common_argument_spec())


def test_every_module_is_in_the_module_group():
    runtime = yaml.safe_load((COLLECTION / 'meta' / 'runtime.yml').read_text())
    modules = sorted(path.stem for path in (COLLECTION / 'plugins' / 'modules').glob('citus_*.py'))
    assert sorted(runtime['action_groups']['citus']) == modules
