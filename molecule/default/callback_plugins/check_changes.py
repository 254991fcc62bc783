# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail a --check run of the scenario's playbook that reports a change: on a converged cluster, check mode must
predict no change at all (Molecule's check step only fails when a task fails)."""

from __future__ import annotations

DOCUMENTATION = r'''
name: check_changes
type: aggregate
short_description: Fail a check-mode run that reports changes
description:
  - In check mode, ends the run with exit code 3 after the recap when any host reports a change.
requirements:
  - enabled in callbacks_enabled
'''

from typing import Any

from ansible import context
from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'check_changes'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._changed: list[str] = []

    def v2_runner_on_ok(self, result: Any) -> None:
        if context.CLIARGS.get('check') and result.is_changed():
            self._changed.append(f"{result._host.get_name()}: {result.task_name or result._task.get_name()}")

    def v2_playbook_on_stats(self, stats: Any) -> None:
        if not context.CLIARGS.get('check') or not self._changed:
            return
        self._display.error("--check on the converged cluster reported changes: " + "; ".join(self._changed))
        # After the recap: SystemExit is not an Exception, so Ansible's callback dispatcher lets it end the run.
        raise SystemExit(3)
