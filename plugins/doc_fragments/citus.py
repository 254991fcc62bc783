# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Connection options shared by every pgcitus.cluster Citus module (names and meaning as in
    # community.postgresql, so users can reuse their variables).
    DOCUMENTATION = r'''
options:
  db:
    description:
      - Name of the database to connect to, the one that holds the C(citus) extension.
      - When not set, libpq's default applies (a database named like O(login_user)).
    type: str
    aliases: [ login_db ]
  login_user:
    description:
      - The role to connect as. Citus metadata functions need a superuser (or the table owner for table functions).
    type: str
    default: postgres
  login_password:
    description:
      - The password of O(login_user).
    type: str
    default: ''
  login_host:
    description:
      - Host of the coordinator. Empty means the local Unix socket.
    type: str
    default: ''
  login_unix_socket:
    description:
      - Path to a Unix domain socket directory for local connections.
    type: str
    default: ''
  login_port:
    description:
      - Port of the coordinator.
    type: int
    default: 5432
  ssl_mode:
    description:
      - Whether or with what priority a secure SSL TCP/IP connection is negotiated with the server.
      - See U(https://www.postgresql.org/docs/current/libpq-ssl.html) for the modes.
    type: str
    default: prefer
    choices: [ allow, disable, prefer, require, verify-ca, verify-full ]
  ca_cert:
    description:
      - File with the certificate authority (CA) certificates that must have signed the server's certificate.
    type: str
    aliases: [ ssl_rootcert ]
  ssl_cert:
    description:
      - File with the client SSL certificate.
    type: path
  ssl_key:
    description:
      - File with the secret key of the client certificate.
    type: path
  connect_params:
    description:
      - Any other libpq connection parameters; they take precedence over the options above.
    type: dict
    default: {}
notes:
  - Run these modules against the B(coordinator); they read the Citus catalogs there and call Citus functions there.
  - Every module opens one connection per run. Writes are listed in RV(queries) (parameters shown inline); in check
    mode they are listed but not run.
  - Errors from PostgreSQL or Citus are reported as one line that says what is wrong and what to do.
  - The C(citus) extension must exist in O(db) on the coordinator and on every worker (the C(pgcitus.cluster.citus)
    role creates it).
requirements:
  - psycopg2 >= 2.8 on the host that runs the module (or psycopg >= 3.1, used when psycopg2 is absent)
'''
