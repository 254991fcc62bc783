"""What loading the collection's filters costs a task on the controller.

Ansible loads every filter file of a collection the first time a task uses one of its filters, and it does so in
each task's worker process, for each host: a filter file that imports a PostgreSQL driver or cryptography at load
time (about 0.1 s) makes every task that uses any of the collection's filters that much slower per host. Those
imports belong inside the two filters that need them (citus_module_problems, citus_tls_current)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FILTER_DIR = Path(__file__).resolve().parents[4] / 'plugins' / 'filter'
HEAVY = ('psycopg', 'psycopg2', 'cryptography')


def test_loading_every_filter_file_imports_no_driver_and_no_cryptography():
    names = sorted(path.stem for path in FILTER_DIR.glob('*.py') if not path.stem.startswith('_'))
    assert 'citus_module_problems' in names and 'citus_tls_current' in names
    # A fresh interpreter with this one's path (the test's own imports do not count), with what Ansible's controller
    # has loaded before any task runs (its own filters import part of cryptography, for Vault): only what the
    # collection's filter files add counts.
    script = (
        'import importlib, json, sys\n'
        'import ansible.plugins.filter.core, ansible.plugins.loader\n'
        f'heavy = lambda: {{m for m in sys.modules if m.split(".")[0] in {HEAVY!r}}}\n'
        'before = heavy()\n'
        f'for name in {names!r}:\n'
        "    importlib.import_module('ansible_collections.pgcitus.cluster.plugins.filter.' + name).FilterModule()"
        '.filters()\n'
        'print(json.dumps(sorted(heavy() - before)))\n'
    )
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True,
                            env={'PYTHONPATH': ':'.join(p for p in sys.path if p)})
    assert json.loads(result.stdout) == []
