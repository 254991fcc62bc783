"""deb_fields against package files built by dpkg-deb, with each compression dpkg-deb offers here."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from ansible_collections.pgcitus.cluster.plugins.filter.deb_fields import deb_fields

pytestmark = pytest.mark.skipif(shutil.which('dpkg-deb') is None, reason='dpkg-deb builds the package files')


def build(tmp_path, compression, version='13.2.2.citus-1'):
    root = tmp_path / f'pkg-{compression}'
    (root / 'DEBIAN').mkdir(parents=True)
    (root / 'usr/share/doc/demo').mkdir(parents=True)
    (root / 'usr/share/doc/demo/README').write_text('x' * 100_000)
    (root / 'DEBIAN/control').write_text(
        f'Package: postgresql-15-citus-13.2\nVersion: {version}\nArchitecture: amd64\nMaintainer: t <t@example.com>\n'
        'Description: demo\n a continuation line: Version: 0\n')
    deb = tmp_path / f'demo-{compression}.deb'
    proc = subprocess.run(['dpkg-deb', '--root-owner-group', f'-Z{compression}', '--build', str(root), str(deb)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.skip(f'dpkg-deb here cannot build with {compression}: {proc.stderr.strip()}')
    return deb


@pytest.mark.parametrize('compression', ['xz', 'gzip', 'none'])
def test_reads_the_package_and_version_as_dpkg_deb_does(tmp_path, compression):
    deb = build(tmp_path, compression, version='1:13.2.2.citus-1')
    fields = subprocess.run(['dpkg-deb', '-f', str(deb), 'Package', 'Version'], capture_output=True, text=True,
                            check=True).stdout
    assert deb_fields(str(deb)) == {'Package': 'postgresql-15-citus-13.2', 'Version': '1:13.2.2.citus-1'}
    assert fields == 'Package: postgresql-15-citus-13.2\nVersion: 1:13.2.2.citus-1\n'


def test_an_unreadable_file_gives_null_so_the_role_installs_it_as_before(tmp_path):
    assert deb_fields(str(tmp_path / 'missing.deb')) is None
    (tmp_path / 'text.deb').write_text('not an archive\n')
    assert deb_fields(str(tmp_path / 'text.deb')) is None
    zstd = build(tmp_path, 'zstd')
    assert deb_fields(str(zstd)) is None, 'Python 3.11 has no zstd: the caller copies and installs the file'
