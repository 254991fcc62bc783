#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: node_info
short_description: Read a node's packages, apt lists, services and running PostgreSQL server in one module run
version_added: 0.9.0
description:
  - Reads, and changes nothing, what the roles of this collection need to know before they act on a node, in one
    module run instead of one per question; a rerun then skips the package and file tasks that would find nothing to
    do (each of them costs one or two module runs on the node even when nothing changes).
  - The installed version of each package comes from dpkg's status database (C(dpkg-query)), the one C(apt) reads.
  - The running server's port is line 4 of the data directory's C(postmaster.pid), which PostgreSQL writes when it
    starts; a port change in the settings is applied only by a restart, so the running port is the one to connect to.
options:
  packages:
    description:
      - Packages whose installed version to read, each a name or C(name=version) (then the version is reported only
        when the installed one is exactly that, as apt reads C(name=version)).
      - An entry with an architecture or a wildcard (C(foo:amd64), C(foo*), C(foo=1.2*)) cannot be read this way and
        is reported as not installed, so the caller lets C(apt) decide.
    type: list
    elements: str
    default: []
  apt_lists:
    description: Count the apt package lists in C(/var/lib/apt/lists) (C(*_Packages*) files).
    type: bool
    default: false
  data_directory:
    description: A PostgreSQL data directory whose C(postmaster.pid) to read.
    type: path
  services:
    description: systemd units whose state to read (C(systemctl is-active) and C(systemctl is-enabled)).
    type: list
    elements: str
    default: []
  server_binary:
    description:
      - A PostgreSQL server binary (C(.../bin/postgres)) whose settings' boot values to read for O(boot_values), with
        C(postgres --describe-config), which runs no server (a setting's boot value is what the binary uses when no
        configuration file sets it). Read string and enum settings this way; PostgreSQL 15 prints 0 as the boot value
        of every numeric one.
    type: path
  boot_values:
    description: The settings whose boot value to read from O(server_binary).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    details: It reads only.
  diff_mode:
    support: none
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Read what the node has
  pgcitus.cluster.node_info:
    packages: [postgresql-15, postgresql-client-15]
    apt_lists: true
    data_directory: /var/lib/postgresql/15/main
  register: node

- name: Install the packages only when one is missing
  ansible.builtin.apt:
    name: [postgresql-15, postgresql-client-15]
  when: node.packages.values() | select('none') | list | length > 0
'''

RETURN = r'''
packages:
  description:
    - Each entry of O(packages) and its installed version, or V(null) when it is not installed (for C(name=version),
      when that version is not the installed one).
  returned: always
  type: dict
  sample: {postgresql-15: 15.20-0+deb12u1, postgresql-client-15: null}
apt_lists:
  description: The number of apt package lists, or V(null) when O(apt_lists) is off.
  returned: always
  type: int
  sample: 6
services:
  description:
    - Each unit asked for, with C(active) and C(enabled), the words C(systemctl is-active) and C(systemctl is-enabled)
      print (for example V(active), V(inactive), V(enabled), V(disabled), V(static)), or V(null) for both when
      C(systemctl) is not there.
  returned: always
  type: dict
  sample: {postgresql@15-main: {active: active, enabled: enabled}}
server_port:
  description:
    - The port of the server running on O(data_directory) (line 4 of its C(postmaster.pid)), or V(null) when no
      C(postmaster.pid) is there (no server runs) or O(data_directory) is not given.
  returned: always
  type: int
  sample: 5432
boot_values:
  description:
    - Each setting of O(boot_values) with its boot value in O(server_binary), or V(null) for a setting that binary
      does not have (for example C(output_plugin_libraries) before PostgreSQL 15.20). V(null) as a whole when
      O(server_binary) is not given or is not there.
  returned: always
  type: dict
  sample: {output_plugin_libraries: "pgoutput, test_decoding"}
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule

_PLAIN_NAME = re.compile(r'^[a-z0-9][a-z0-9+.-]+$')
# Debian version syntax (epoch, upstream version, revision), without apt's wildcards.
_VERSION = re.compile(r'^([0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$')
_APT_LISTS = '/var/lib/apt/lists'


def installed_versions(module, entries):
    """Each entry's installed version from dpkg's status database, or None (for name=version: unless it is that)."""
    versions = dict.fromkeys(entries)
    wanted = {}
    for entry in entries:
        name, _, version = entry.partition('=')
        if _PLAIN_NAME.match(name) and (not version or _VERSION.match(version)):
            wanted.setdefault(name, []).append((entry, version))
    if not wanted:
        return versions
    # dpkg-query exits 1 when a name is unknown to dpkg and still prints the others.
    rc, out, err = module.run_command(['dpkg-query', '-W', '-f', '${Package}\t${db:Status-Abbrev}\t${Version}\n']
                                      + list(wanted), environ_update={'LC_ALL': 'C'})
    if rc not in (0, 1):
        module.fail_json(msg=f'dpkg-query could not read the installed packages: {err.strip() or out.strip()}')
    for line in out.splitlines():
        fields = line.split('\t')
        if len(fields) != 3 or fields[0] not in wanted or not fields[1].startswith('ii'):
            continue
        for entry, version in wanted[fields[0]]:
            if not version or version == fields[2]:
                versions[entry] = fields[2]
    return versions


def apt_list_count():
    try:
        names = os.listdir(_APT_LISTS)
    except FileNotFoundError:
        return 0
    return sum(1 for name in names if '_Packages' in name and os.path.isfile(os.path.join(_APT_LISTS, name)))


def server_port(module, data_directory):
    path = os.path.join(data_directory, 'postmaster.pid')
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return None
    except OSError as error:
        module.fail_json(msg=f'{path}: {error.strerror or error}; run the task as root (become: true)')
    try:
        return int(lines[3])
    except (IndexError, ValueError):
        # A server that is still starting writes the file line by line.
        return None


def service_states(module, units):
    systemctl = module.get_bin_path('systemctl')
    states = {}
    for unit in units:
        if systemctl is None:
            states[unit] = dict(active=None, enabled=None)
            continue
        # Both print a state word and exit non-zero for the states that are not "active" / "enabled".
        active = module.run_command([systemctl, 'is-active', unit], environ_update={'LC_ALL': 'C'})[1].strip()
        enabled = module.run_command([systemctl, 'is-enabled', unit], environ_update={'LC_ALL': 'C'})[1].strip()
        states[unit] = dict(active=active or None, enabled=enabled or None)
    return states


def boot_values(module, binary, names):
    """Each name's boot value (field 5 of `postgres --describe-config`), or None; None when there is no binary."""
    if not os.path.isfile(binary):
        return None
    rc, out, err = module.run_command([binary, '--describe-config'], environ_update={'LC_ALL': 'C'})
    if rc != 0:
        module.fail_json(msg=f'{binary} --describe-config failed: {err.strip() or out.strip()}')
    values = dict.fromkeys(names)
    for line in out.splitlines():
        fields = line.split('\t')
        if len(fields) > 4 and fields[0] in values:
            values[fields[0]] = fields[4]
    return values


def main():
    module = AnsibleModule(
        argument_spec=dict(
            packages=dict(type='list', elements='str', default=[]),
            apt_lists=dict(type='bool', default=False),
            data_directory=dict(type='path'),
            services=dict(type='list', elements='str', default=[]),
            server_binary=dict(type='path'),
            boot_values=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    module.exit_json(
        changed=False,
        packages=installed_versions(module, params['packages']),
        apt_lists=apt_list_count() if params['apt_lists'] else None,
        services=service_states(module, params['services']),
        server_port=server_port(module, params['data_directory']) if params['data_directory'] else None,
        boot_values=boot_values(module, params['server_binary'], params['boot_values'])
        if params['server_binary'] else None,
    )


if __name__ == '__main__':
    main()
