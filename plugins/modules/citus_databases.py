#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: citus_databases
short_description: A Citus node's databases with the citus extension at the package's version, and a role's password
version_added: 0.1.0
description:
  - On one server (a coordinator or a worker, each of which needs them), in one module run and one connection per
    database - what the C(community.postgresql) modules C(postgresql_user), C(postgresql_db) and C(postgresql_ext)
    (C(version=latest)) do in three runs.
  - Sets the password of O(user) when the role's stored password does not accept O(password) (compared as
    C(postgresql_user) compares it, the SCRAM verifier checked with its own salt; the role is created with C(LOGIN)
    when it does not exist).
  - Creates each database of O(databases) that does not exist (C(CREATE DATABASE) with the server's defaults).
  - Creates the C(citus) extension in each at the installed package's default version, or updates it to that
    version (C(ALTER EXTENSION citus UPDATE)) when it is older, as after a new package.
  - Reads everything first; refuses, changing nothing, when the package has no C(citus) extension, when a database
    has a newer extension than the package (a package cannot take it back), or when a database does not allow
    connections.
  - Connects as a superuser (it reads C(pg_authid)); O(db) is the database it connects to first.
options:
  databases:
    description:
      - The databases that must exist with the C(citus) extension.
    type: list
    elements: str
    required: true
  user:
    description:
      - The role whose password is set. Required with O(password).
    type: str
  password:
    description:
      - The password of O(user), in clear (the server stores it as C(password_encryption) says), or already
        encrypted (a C(SCRAM-SHA-256$...) verifier or an C(md5...) hash, compared as it is). An empty string
        means no password (C(PASSWORD NULL)), as in C(postgresql_user).
      - Not set - passwords are left alone.
    type: str
extends_documentation_fragment:
  - pgcitus.cluster.citus
  - pgcitus.cluster.attributes.changes
  - pgcitus.cluster.attributes.actiongroup_citus
notes:
  - The server must preload Citus (C(shared_preload_libraries)) before the extension can be created; the citus role
    writes the setting and restarts PostgreSQL first.
  - O(password) never appears in RV(queries) or in the diff.
seealso:
  - module: pgcitus.cluster.citus_node
  - module: community.postgresql.postgresql_ext
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Set the cluster password and make the databases with Citus, on every node
  pgcitus.cluster.citus_databases:
    databases: [postgres, app]
    user: postgres
    password: "{{ citus_cluster_password }}"
    db: postgres
    login_unix_socket: /var/run/postgresql
  become: true
  become_user: postgres
'''

RETURN = r'''
databases:
  description:
    - One item per database of O(databases), in order - C(name); C(created) (the database did not exist); and the
      citus extension's version before the run (C(extension_before), V(null) when it was not created) and after it
      (C(extension); in check mode, as it would be).
  returned: always
  type: list
  elements: dict
  sample:
    - {name: app, created: true, extension_before: null, extension: 13.2-1}
password_changed:
  description: Whether the run set (or, in check mode, would set) the password of O(user).
  returned: always
  type: bool
queries:
  description:
    - The statements that changed something (or would, in check mode), the password shown as C(********); a
      statement run in another database than O(db) ends with C(-- in database NAME).
  returned: always
  type: list
  elements: str
  sample: ["ALTER ROLE \"postgres\" PASSWORD '********'", "CREATE DATABASE \"app\"",
           "CREATE EXTENSION citus -- in database app"]
'''

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus_databases


def argument_spec() -> dict[str, Any]:
    return _citus_databases.argument_spec()


def main() -> None:
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    _citus_databases.run_databases_module(module)


if __name__ == '__main__':
    main()
