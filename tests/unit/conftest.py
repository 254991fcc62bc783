"""Make sqltext importable for the unit tests."""

from __future__ import annotations

import sys
from pathlib import Path

# The collection is importable through tests/conftest.py; sqltext.py sits beside this file.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
