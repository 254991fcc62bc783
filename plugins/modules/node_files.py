#!/usr/bin/python
# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
---
module: node_files
short_description: Write a node's small configuration files and their directories in one module run
version_added: 0.9.0
description:
  - Makes each directory and each file match what is given (content, owner, group, mode) and leaves what already
    matches untouched, so a rerun changes nothing. A file is replaced atomically (a temporary file in the same
    directory, then a rename), with its owner and mode set before the rename.
  - The roles of this collection write their server settings, client authentication rules, TLS files and password
    file with it; one module run per role instead of one per file (each copy or template task costs two module
    runs on the node even when nothing changes).
  - Directories are handled before files, and files before assembled files, each in the order given. Parent
    directories of a file must exist or be listed.
options:
  directories:
    description: Directories to create, or whose owner and mode to correct.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the directory.
        type: path
        required: true
      owner:
        description: Owner name.
        type: str
        required: true
      group:
        description: Group name.
        type: str
        required: true
      mode:
        description: Octal mode, for example V('0750').
        type: str
        required: true
  files:
    description: Files to write.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      content:
        description:
          - The file's content, shown in the diff. Give exactly one of O(files[].content) and
            O(files[].secret_content).
        type: str
      secret_content:
        description:
          - The file's content for secrets (private keys, passwords); never logged and left out of the diff.
        type: str
      owner:
        description: Owner name.
        type: str
        required: true
      group:
        description: Group name.
        type: str
        required: true
      mode:
        description: Octal mode, for example V('0640').
        type: str
        required: true
  assemble:
    description:
      - Files built from the fragments in a directory, in name order, as M(ansible.builtin.assemble) builds them
        (no delimiter; a newline after a fragment that lacks one), so one run writes the fragments and the whole.
      - The fragments are read after O(files) are written; in check mode a fragment of O(files) counts with the
        content it would get, so the check run reports what the real run would do.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file to build.
        type: path
        required: true
      src:
        description: The directory of the fragments.
        type: path
        required: true
      regexp:
        description: Only the fragments whose name this regular expression finds (Python C(re.search)).
        type: str
        required: true
      owner:
        description: Owner name.
        type: str
        required: true
      group:
        description: Group name.
        type: str
        required: true
      mode:
        description: Octal mode, for example V('0640').
        type: str
        required: true
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The content of a file given as O(files[].secret_content) is never shown.
author:
  - pgcitus.cluster developers (@pgcitus)
'''

EXAMPLES = r'''
- name: Write the server's TLS files and settings
  pgcitus.cluster.node_files:
    directories:
      - {path: /etc/postgresql/15/main/tls, owner: postgres, group: postgres, mode: "0750"}
    files:
      - path: /etc/postgresql/15/main/tls/server.crt
        content: "{{ lookup('ansible.builtin.file', 'tls/node.crt', rstrip=false) }}"
        owner: postgres
        group: postgres
        mode: "0644"
      - path: /etc/postgresql/15/main/tls/server.key
        secret_content: "{{ lookup('ansible.builtin.file', 'tls/node.key', rstrip=false) }}"
        owner: postgres
        group: postgres
        mode: "0600"
    assemble:
      - path: /etc/postgresql/15/main/pg_hba.conf
        src: /etc/postgresql/15/main/pg_hba.d
        regexp: '\.conf$'
        owner: postgres
        group: postgres
        mode: "0640"
  notify: PostgreSQL configuration changed
'''

RETURN = r'''
changed_paths:
  description: The directories and files that were (or, in check mode, would be) created or changed, in order.
  returned: always
  type: list
  elements: str
  sample: [/etc/postgresql/15/main/conf.d/60-citus.conf]
'''

import grp
import os
import pwd
import re
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

_ATTRS = dict(
    owner=dict(type='str', required=True),
    group=dict(type='str', required=True),
    mode=dict(type='str', required=True),
)


def _ids(module, item):
    """The uid, gid and mode an entry asks for, or fail naming what is wrong.

    In check mode a user or group that does not exist yet (an earlier task of the same run, such as a package, would
    create it) gives -1: the entry is then reported as a change, not refused."""
    try:
        uid = pwd.getpwnam(item['owner']).pw_uid
    except KeyError:
        uid = -1
        if not module.check_mode:
            module.fail_json(msg=f"{item['path']}: there is no user {item['owner']!r} on this host; "
                                 "create it first or name another owner")
    try:
        gid = grp.getgrnam(item['group']).gr_gid
    except KeyError:
        gid = -1
        if not module.check_mode:
            module.fail_json(msg=f"{item['path']}: there is no group {item['group']!r} on this host; "
                                 "create it first or name another group")
    try:
        mode = int(item['mode'], 8)
    except ValueError:
        mode = -1
    if not 0 <= mode <= 0o7777:
        module.fail_json(msg=f"{item['path']}: mode {item['mode']!r} is not an octal mode such as '0640'")
    return uid, gid, mode


def _attr_changes(st, uid, gid, mode):
    changes = []
    if stat.S_IMODE(st.st_mode) != mode:
        changes.append(f'mode {stat.S_IMODE(st.st_mode):04o} -> {mode:04o}')
    if st.st_uid != uid or st.st_gid != gid:
        changes.append(f'owner {st.st_uid}:{st.st_gid} -> {uid}:{gid}')
    return changes


def _directory(module, item, changed, diffs):
    path = item['path']
    uid, gid, mode = _ids(module, item)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        module.fail_json(msg=f'{path} exists and is not a directory; move it away first')
    if st is None:
        changed.append(path)
        diffs.append(dict(before_header=path, after_header=path, before='', after=f'directory {item["mode"]}\n'))
        if not module.check_mode:
            # Missing parents are made as the file module makes them (default mode, root's); the directory itself
            # gets what the entry asks.
            os.makedirs(path, mode)
            os.chown(path, uid, gid)
            os.chmod(path, mode)
        return
    changes = _attr_changes(st, uid, gid, mode)
    if changes:
        changed.append(path)
        diffs.append(dict(before_header=path, after_header=path, before='', after='; '.join(changes) + '\n'))
        if not module.check_mode:
            os.chown(path, uid, gid)
            os.chmod(path, mode)


def _content(item):
    return to_bytes(item['content'] if item['secret_content'] is None else item['secret_content'],
                    errors='surrogate_or_strict')


def _file(module, item, changed, diffs):
    path = item['path']
    secret = item['secret_content'] is not None
    content = _content(item)
    uid, gid, mode = _ids(module, item)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        module.fail_json(msg=f'{path} exists and is not a regular file; move it away first')
    before = b''
    if st is not None:
        with open(path, 'rb') as handle:
            before = handle.read()
    if st is not None and before == content:
        changes = _attr_changes(st, uid, gid, mode)
        if changes:
            changed.append(path)
            diffs.append(dict(before_header=path, after_header=path, before='', after='; '.join(changes) + '\n'))
            if not module.check_mode:
                os.chown(path, uid, gid)
                os.chmod(path, mode)
        return
    changed.append(path)
    if secret:
        diffs.append(dict(before_header=path, after_header=path, before='',
                          after='(secret content changed, not shown)\n'))
    else:
        diffs.append(dict(before_header=path, after_header=path, before=to_text(before, errors='surrogate_or_replace'),
                          after=to_text(content, errors='surrogate_or_replace')))
    if module.check_mode:
        return
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        module.fail_json(msg=f'{path}: its directory {directory} does not exist; list it in directories')
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path) + '.')
    try:
        os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _assembled(module, item, planned):
    """The content of an assembled file: its fragments (on disk, or as this run writes them) in name order."""
    try:
        pattern = re.compile(item['regexp'])
    except re.error as error:
        module.fail_json(msg=f"assemble: {item['path']}: regexp {item['regexp']!r} is not a regular expression: "
                             f"{error}")
    src = item['src']
    names = set(os.listdir(src)) if os.path.isdir(src) else set()
    names.update(os.path.basename(path) for path in planned if os.path.dirname(path) == src)
    parts, add_newline = [], False
    for name in sorted(names):
        fragment = os.path.join(src, name)
        if not pattern.search(name) or (fragment not in planned and not os.path.isfile(fragment)):
            continue
        if fragment in planned:
            content = planned[fragment]
        else:
            with open(fragment, 'rb') as handle:
                content = handle.read()
        if add_newline:
            parts.append(b'\n')
        parts.append(content)
        add_newline = not content.endswith(b'\n')
    return b''.join(parts)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directories=dict(type='list', elements='dict', default=[],
                             options=dict(path=dict(type='path', required=True), **_ATTRS)),
            files=dict(type='list', elements='dict', default=[],
                       options=dict(path=dict(type='path', required=True),
                                    content=dict(type='str'),
                                    secret_content=dict(type='str', no_log=True),
                                    **_ATTRS),
                       mutually_exclusive=[('content', 'secret_content')],
                       required_one_of=[('content', 'secret_content')]),
            assemble=dict(type='list', elements='dict', default=[],
                          options=dict(path=dict(type='path', required=True), src=dict(type='path', required=True),
                                       regexp=dict(type='str', required=True), **_ATTRS)),
        ),
        supports_check_mode=True,
    )
    changed, diffs = [], []
    for kind, handler in (('directories', _directory), ('files', _file)):
        for item in module.params[kind]:
            if not os.path.isabs(item['path']):
                module.fail_json(msg=f"{kind}: {item['path']!r} is not an absolute path")
            try:
                handler(module, item, changed, diffs)
            except OSError as error:
                module.fail_json(msg=f"{item['path']}: {error.strerror or error}", changed_paths=changed)
    planned = {os.path.normpath(item['path']): _content(item) for item in module.params['files']}
    for item in module.params['assemble']:
        if not os.path.isabs(item['path']) or not os.path.isabs(item['src']):
            module.fail_json(msg=f"assemble: {item['path']!r} and its src {item['src']!r} must be absolute paths")
        item['src'] = os.path.normpath(item['src'])
        try:
            content = _assembled(module, item, planned)
            _file(module, dict(item, content=to_text(content, errors='surrogate_or_strict'), secret_content=None),
                  changed, diffs)
        except OSError as error:
            module.fail_json(msg=f"{item['path']}: {error.strerror or error}", changed_paths=changed)
    result = dict(changed=bool(changed), changed_paths=changed)
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
