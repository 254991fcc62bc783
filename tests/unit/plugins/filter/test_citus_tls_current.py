"""citus_tls_current against files made the way the role's community.crypto tasks make them."""

from __future__ import annotations

import datetime
import ipaddress

import pytest
from ansible_collections.pgcitus.cluster.plugins.filter.citus_tls_current import citus_tls_current
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.datetime.now(datetime.UTC)
NAMES = ['worker-1', '10.0.0.5']
USAGES = ['serverAuth', 'clientAuth']


def write(path, data, mode):
    path.write_bytes(data)
    path.chmod(mode)


def name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def san(names):
    entries = []
    for item in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(item)))
        except ValueError:
            entries.append(x509.DNSName(item))
    return x509.SubjectAlternativeName(entries)


def make_ca(directory, common_name='pgcitus cluster CA', days=3650):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(name(common_name)).sign(key, hashes.SHA256())
    cert = (x509.CertificateBuilder().subject_name(name(common_name)).issuer_name(name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=1)).not_valid_after(NOW + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    write(directory / 'ca.key', key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()), 0o600)
    write(directory / 'ca.csr', csr.public_bytes(pem), 0o644)
    write(directory / 'ca.crt', cert.public_bytes(pem), 0o644)
    return key, cert


def make_node(base, ca_key, ca_cert, names=NAMES, usages=(ExtendedKeyUsageOID.SERVER_AUTH,
                                                          ExtendedKeyUsageOID.CLIENT_AUTH), days=365):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder().subject_name(name(names[0]))
           .add_extension(san(names), critical=False).sign(key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(name(names[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - datetime.timedelta(days=2)).not_valid_after(NOW + datetime.timedelta(days=days))
            .add_extension(san(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    write(base.with_suffix('.key'), key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()), 0o600)
    write(base.with_suffix('.csr'), csr.public_bytes(pem), 0o644)
    write(base.with_suffix('.crt'), cert.public_bytes(pem), 0o644)


@pytest.fixture
def cluster(tmp_path):
    (tmp_path / 'nodes').mkdir(mode=0o700)
    ca_key, ca_cert = make_ca(tmp_path)
    make_node(tmp_path / 'nodes' / 'worker-1', ca_key, ca_cert)
    return tmp_path, ca_key, ca_cert


def current(directory, names=NAMES, usages=USAGES):
    return citus_tls_current(str(directory / 'nodes' / 'worker-1'), names, usages, str(directory / 'ca.crt'))


def test_current_files_are_recognised(cluster):
    directory = cluster[0]
    assert current(directory)
    assert citus_tls_current(str(directory / 'ca'), ['pgcitus cluster CA'], [], ca=True)


def test_other_names_usages_or_ca_name_are_not_current(cluster):
    directory = cluster[0]
    assert not current(directory, names=['worker-1'])
    assert not current(directory, names=['worker-1', '10.0.0.5', 'worker-1.example'])
    assert not current(directory, usages=['clientAuth'])
    assert not citus_tls_current(str(directory / 'ca'), ['another CA'], [], ca=True)


def test_a_certificate_from_another_ca_is_not_current(cluster, tmp_path_factory):
    directory = cluster[0]
    other = tmp_path_factory.mktemp('other')
    other_key, other_cert = make_ca(other)
    make_node(directory / 'nodes' / 'worker-1', other_key, other_cert)
    assert not current(directory)


def test_expired_missing_or_loosened_files_are_not_current(cluster):
    directory, ca_key, ca_cert = cluster
    (directory / 'nodes' / 'worker-1.key').chmod(0o644)
    assert not current(directory)
    make_node(directory / 'nodes' / 'worker-1', ca_key, ca_cert, days=-1)
    assert not current(directory)
    make_node(directory / 'nodes' / 'worker-1', ca_key, ca_cert)
    (directory / 'nodes').chmod(0o755)
    assert not current(directory)
    (directory / 'nodes').chmod(0o700)
    (directory / 'nodes' / 'worker-1.csr').unlink()
    assert not current(directory)


def test_unreadable_content_is_not_current(cluster):
    directory = cluster[0]
    (directory / 'nodes' / 'worker-1.crt').write_text('not a certificate')
    assert not current(directory)
