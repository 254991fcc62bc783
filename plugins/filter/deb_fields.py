# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: deb_fields
short_description: The Package and Version fields of a Debian package file on the controller
version_added: 0.9.0
author:
  - pgcitus.cluster developers
description:
  - Reads the C(control) file inside a C(.deb) (an ar archive whose C(control.tar) member is uncompressed or
    compressed with gzip, xz or bzip2, as C(dpkg-deb) builds them), without unpacking the rest, so the roles can
    compare a package file with what a node has installed before they copy it there.
  - Gives V(null) when the file is not a package it can read (a missing file, another archive, a C(control.tar.zst)
    of newer Ubuntu builds), and the caller then copies and installs the file as it would without the comparison.
positional: _input
options:
  _input:
    description: Path of the package file on the controller.
    type: path
    required: true
seealso:
  - module: pgcitus.cluster.node_info
'''

EXAMPLES = r'''
- name: Copy the package file only when the node lacks its version
  ansible.builtin.debug:
    msg: "{{ 'files/postgresql-15-citus-13.2_13.2.2-1_amd64.deb' | pgcitus.cluster.deb_fields }}"
'''

RETURN = r'''
_value:
  description: C(Package) and C(Version) from the package's control file, or V(null).
  type: dict
  sample: {Package: postgresql-15-citus-13.2, Version: 13.2.2.citus-1}
'''

import io
import tarfile
from collections.abc import Callable
from typing import Any

_AR_MAGIC = b'!<arch>\n'
_HEADER = 60


def _control_tar(handle) -> bytes | None:
    """The control.tar member of an ar archive, read member by member (the data member is skipped, not read)."""
    if handle.read(len(_AR_MAGIC)) != _AR_MAGIC:
        return None
    while True:
        header = handle.read(_HEADER)
        if len(header) < _HEADER:
            return None
        name = header[:16].decode('ascii', 'replace').strip().rstrip('/')
        try:
            size = int(header[48:58].decode('ascii').strip())
        except ValueError:
            return None
        if name.startswith('control.tar'):
            return handle.read(size)
        handle.seek(size + size % 2, io.SEEK_CUR)


def _fields(control: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in control.splitlines():
        if line[:1] in (' ', '\t') or ':' not in line:
            continue
        key, value = line.split(':', 1)
        fields[key.strip()] = value.strip()
    return fields


def deb_fields(path: str) -> dict[str, str] | None:
    try:
        with open(path, 'rb') as handle:
            member = _control_tar(handle)
        if member is None:
            return None
        with tarfile.open(fileobj=io.BytesIO(member), mode='r:*') as archive:
            info = next((item for item in archive.getmembers()
                         if item.isfile() and item.name.lstrip('./') == 'control'), None)
            if info is None:
                return None
            extracted = archive.extractfile(info)
            control = extracted.read().decode('utf-8', 'replace') if extracted else ''
    except (OSError, tarfile.TarError, EOFError):
        return None
    fields = _fields(control)
    if not fields.get('Package') or not fields.get('Version'):
        return None
    return {'Package': fields['Package'], 'Version': fields['Version']}


class FilterModule:
    def filters(self) -> dict[str, Callable[..., Any]]:
        return {'deb_fields': deb_fields}
