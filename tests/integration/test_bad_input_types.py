"""Wrong types and unknown choices are refused by the argument specs before connecting (docs/bad-input.md)."""
from typing import Any

import pytest

BAD_LOGIN = {'login_host': '127.0.0.1', 'login_port': 1, 'db': 'nope'}


@pytest.mark.parametrize('module, args, fragment', [
    ('citus_node', {'name': 'w', 'port': 'abc'},
     "argument 'port' is of type str and we were unable to convert to int"),
    ('citus_node', {'name': 'w', 'state': 'gone'},
     'value of state must be one of: present, disabled, absent, got: gone'),
    ('citus_node', {'name': ''}, 'name must be the host name or address of the node'),
    ('citus_distributed_table', {'name': 't', 'column': 'c', 'shard_count': 'many'},
     "argument 'shard_count' is of type str and we were unable to convert to int"),
    ('citus_distributed_table', {'name': 't', 'column': 'c', 'state': 'gone'},
     'value of state must be one of: present, absent, got: gone'),
    ('citus_reference_table', {'name': 't', 'allow_redistribute': 'perhaps'},
     "argument 'allow_redistribute' is of type str and we were unable to convert to bool"),
    ('citus_rebalance', {'state': 'even'}, 'value of state must be one of: balanced, stopped, got: even'),
    ('citus_rebalance', {'timeout': 'soon'}, "argument 'timeout' is of type str and we were unable to convert to int"),
])
def test_wrong_types_and_choices_refused_before_connecting(citus: Any, module: str, args: dict[str, Any],
                                                           fragment: str) -> None:
    before = citus.catalogs()
    msg = citus.fails(module, login=False, **BAD_LOGIN, **args)
    assert fragment in msg, msg
    assert citus.catalogs() == before
