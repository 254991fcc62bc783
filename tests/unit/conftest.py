"""Make the collection importable as ansible_collections.pgcitus.cluster, and sqltext importable, for the unit tests."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def collections_root() -> Path:
    cached = ROOT / '.cache' / 'collections'
    if (cached / 'ansible_collections' / 'pgcitus' / 'cluster' / 'galaxy.yml').exists():
        return cached
    tmp = Path(tempfile.mkdtemp(prefix='pgcitus-collections-'))
    (tmp / 'ansible_collections' / 'pgcitus').mkdir(parents=True)
    (tmp / 'ansible_collections' / 'pgcitus' / 'cluster').symlink_to(ROOT)
    return tmp


COLLECTIONS = str(collections_root())
for path in (COLLECTIONS, str(Path(__file__).resolve().parent)):  # the collection, and sqltext.py beside this file
    if path not in sys.path:
        sys.path.insert(0, path)
