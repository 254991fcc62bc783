# Copyright: (c) 2026, pgcitus.cluster contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: citus_tls_current
short_description: Whether a key, request and certificate on the controller are what the citus role would make
version_added: 0.9.0
author:
  - pgcitus.cluster developers
description:
  - Reads, on the controller, the files C(BASE.key), C(BASE.csr) and C(BASE.crt) that the
    P(pgcitus.cluster.citus#role) role's certificate tasks write (community.crypto), and returns V(true) only when
    all three exist with the modes those tasks set (C(0600), C(0644), C(0644)) in a directory of mode C(0700), the
    key is an ECC P-256 key, the request and the certificate carry that key, the certificate names exactly the given
    names and usages, is signed by the given CA certificate and has not expired.
  - The role skips its three certificate tasks (three module runs per host) when it returns V(true); when it returns
    V(false) those tasks run and decide themselves, so a wrong V(false) costs time only.
  - With O(ca=true) it checks a cluster CA instead (C(BASE) is the CA's path without extension) - self-signed, a CA
    with the given common name, not expired - and O(ca_cert) is not used.
positional: _input, names, usages, ca_cert
options:
  _input:
    description: The files' path without extension (C(BASE)).
    type: str
    required: true
  names:
    description:
      - The certificate's names and addresses, its common name first; or, with O(ca=true), a list holding the CA's
        common name.
    type: list
    elements: str
    required: true
  usages:
    description: The extended key usages (C(serverAuth), C(clientAuth)); ignored with O(ca=true).
    type: list
    elements: str
    required: true
  ca_cert:
    description: Path of the CA certificate on the controller that must have signed the certificate.
    type: str
    default: ''
  ca:
    description: Check a self-signed cluster CA instead of a certificate signed by one.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Sign the certificate only when it is not current
  ansible.builtin.import_tasks: tls_sign.yml
  when: not (base | pgcitus.cluster.citus_tls_current(names, ['serverAuth', 'clientAuth'], ca_cert))
'''

RETURN = r'''
_value:
  description: V(true) when the three files are current, V(false) otherwise.
  type: bool
'''

import datetime
import ipaddress
import os
import stat

# cryptography is imported by the filter when it runs (_import_cryptography), not when Ansible loads the file: Ansible
# loads every filter file of the collection in each task's worker that uses any of them
# (tests/unit/plugins/filter/test_filter_imports.py).
x509 = serialization = ec = ExtendedKeyUsageOID = NameOID = None

_USAGES = {'serverAuth': 'SERVER_AUTH', 'clientAuth': 'CLIENT_AUTH'}


def _read(path, mode):
    """The file's bytes when it exists with the given mode, else None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if stat.S_IMODE(st.st_mode) != mode:
        return None
    with open(path, 'rb') as handle:
        return handle.read()


def _public(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _san(name):
    try:
        return ('IP', ipaddress.ip_address(name))
    except ValueError:
        return ('DNS', name)


def _sans(obj):
    try:
        ext = obj.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return ({('DNS', n) for n in ext.get_values_for_type(x509.DNSName)}
            | {('IP', a) for a in ext.get_values_for_type(x509.IPAddress)})


def _common_name(name):
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return values[0].value if values else None


def _not_expired(cert):
    return cert.not_valid_after_utc > datetime.datetime.now(datetime.UTC)


def _current(base, names, usages, ca_cert='', ca=False):
    if not ca and (not os.path.isdir(os.path.dirname(base))
                   or stat.S_IMODE(os.stat(os.path.dirname(base)).st_mode) != 0o700):
        return False
    key_pem = _read(base + '.key', 0o600)
    csr_pem = _read(base + '.csr', 0o644)
    crt_pem = _read(base + '.crt', 0o644)
    if key_pem is None or csr_pem is None or crt_pem is None:
        return False
    key = serialization.load_pem_private_key(key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != 'secp256r1':
        return False
    csr = x509.load_pem_x509_csr(csr_pem)
    cert = x509.load_pem_x509_certificate(crt_pem)
    public = _public(key.public_key())
    if _public(csr.public_key()) != public or _public(cert.public_key()) != public or not _not_expired(cert):
        return False
    if _common_name(csr.subject) != names[0] or _common_name(cert.subject) != names[0]:
        return False
    if ca:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        cert.verify_directly_issued_by(cert)
        return constraints.ca and cert.issuer == cert.subject
    expected = {_san(name) for name in names}
    if _sans(csr) != expected or _sans(cert) != expected:
        return False
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    if set(eku) != {getattr(ExtendedKeyUsageOID, _USAGES[u]) for u in usages}:
        return False
    with open(ca_cert, 'rb') as handle:
        issuer = x509.load_pem_x509_certificate(handle.read())
    if cert.issuer != issuer.subject or not _not_expired(issuer):
        return False
    cert.verify_directly_issued_by(issuer)
    return True


def _import_cryptography():
    """Import the parts of cryptography the checks use, once; False when it is not installed."""
    global x509, serialization, ec, ExtendedKeyUsageOID, NameOID
    if NameOID is None:  # the last one imported
        try:
            from cryptography import x509
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        except ImportError:  # pragma: no cover - the controller's Ansible ships it
            return False
    return True


def citus_tls_current(base, names, usages, ca_cert='', ca=False):
    """True when BASE.key, BASE.csr and BASE.crt are what the role's certificate tasks would leave."""
    if not _import_cryptography() or not names or any(u not in _USAGES for u in ([] if ca else usages)):
        return False
    try:
        return _current(str(base), [str(n) for n in names], list(usages), str(ca_cert), bool(ca))
    except Exception:  # any doubt (missing, unreadable, malformed, wrong signature): the tasks decide
        return False


class FilterModule:
    def filters(self):
        return {'citus_tls_current': citus_tls_current}
