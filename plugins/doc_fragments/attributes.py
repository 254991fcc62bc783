# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The attributes every pgcitus.cluster module documents, written once (after community.docker's _attributes.py)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r'''
options: {}
'''

    # Modules that change the cluster: check mode renders the plan, diff mode shows the object before and after.
    CHANGES = r'''
options: {}
attributes:
  check_mode:
    description: Reports what would change and the queries that would run (RV(queries)), without running them.
    support: full
  diff_mode:
    description: Returns the object as it was and as it is (or would be) in C(before) and C(after).
    support: full
'''

    # Modules that only read.
    INFO = r'''
options: {}
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
'''

    # Membership of the module group, so that module_defaults can set the connection once.
    ACTIONGROUP_CITUS = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/pgcitus.cluster.citus) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - pgcitus.cluster.citus
'''
