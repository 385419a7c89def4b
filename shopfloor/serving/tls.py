"""A local certificate authority for this machine alone, so phones can trust its HTTPS.

Phones allow the camera and the offline service worker only on a secure origin, and no
public authority certifies a LAN address. So `make run` makes an authority of its own under
`instance/tls/` and a server certificate signed by it. Installing a root on a phone is a
strong act — it could vouch for any site — so the authority is bound by critical X.509 name
constraints to this machine's host names and addresses (each address as a /32 or /128): a
certificate it signs for any other name is refused by the phone even once the root is
trusted. The price: when the machine's names or addresses change, a new authority is made
and phones trust it again (see docs in README, "Phones: serve over HTTPS").

Files (directory 0700, every file 0600): `ca.crt`, `ca.key`, `server.crt` (the server
certificate followed by the authority, the chain gunicorn sends), `server.key`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from shopfloor.serving.network import IPAddress, MachineIdentity

AUTHORITY_DAYS = 3650
# Apple refuses server certificates valid for more than 825 days, and browsers expect
# about a year; renewal comes a month ahead so a phone never meets an expired one.
SERVER_DAYS = 397
RENEW_BEFORE = dt.timedelta(days=30)

CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY = "ca.crt", "ca.key", "server.crt", "server.key"


@dataclass(frozen=True)
class TlsFiles:
    directory: Path
    made_authority: bool = False
    issued_certificate: bool = False

    @property
    def certfile(self) -> Path:
        return self.directory / SERVER_CERT

    @property
    def keyfile(self) -> Path:
        return self.directory / SERVER_KEY

    @property
    def authority_file(self) -> Path:
        return self.directory / CA_CERT


def ensure_certificates(directory: Path, identity: MachineIdentity,
                        now: dt.datetime | None = None) -> TlsFiles:
    """Make the authority and the server certificate when missing, and make them again when
    they no longer fit: a new authority when its constraints do not cover this machine's
    names and addresses (or it expires within a server certificate's life), a new server
    certificate when its names differ or it expires within RENEW_BEFORE."""
    now = now or dt.datetime.now(dt.UTC)
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    authority = load_authority(directory)
    made_authority = False
    if (authority is None or not authority_covers(authority[0], identity)
            or authority[0].not_valid_after_utc - now < dt.timedelta(days=SERVER_DAYS + 30)):
        authority = make_authority(identity, now)
        _write(directory / CA_KEY, _key_pem(authority[1]))
        _write(directory / CA_CERT, authority[0].public_bytes(serialization.Encoding.PEM))
        made_authority = True
    ca_cert, ca_key = authority
    server = _load_certificate(directory / SERVER_CERT)
    issue = (made_authority or server is None or not (directory / SERVER_KEY).exists()
             or server.issuer != ca_cert.subject
             or certificate_names(server) != (set(identity.names), set(identity.addresses))
             or server.not_valid_after_utc - now < RENEW_BEFORE)
    if issue:
        cert, key = issue_certificate(ca_cert, ca_key, identity.names, identity.addresses, now)
        _write(directory / SERVER_KEY, _key_pem(key))
        _write(directory / SERVER_CERT, cert.public_bytes(serialization.Encoding.PEM)
               + ca_cert.public_bytes(serialization.Encoding.PEM))
    return TlsFiles(directory, made_authority=made_authority, issued_certificate=issue)


def make_authority(identity: MachineIdentity, now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shopfloor"),
        x509.NameAttribute(NameOID.COMMON_NAME,
                           f"Shopfloor local authority ({identity.names[0]})"[:64]),
    ])
    permitted = [x509.DNSName(n) for n in identity.names] + [
        x509.IPAddress(ipaddress.ip_network(f"{a}/{a.max_prefixlen}")) for a in identity.addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=AUTHORITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True,
            content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.NameConstraints(permitted_subtrees=permitted,
                                            excluded_subtrees=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def issue_certificate(ca_cert: x509.Certificate, ca_key, names: Iterable[str],
                      addresses: Iterable[IPAddress], now: dt.datetime | None = None,
                      days: int = SERVER_DAYS):
    """A server certificate signed by the authority for these names and addresses. The
    authority signs whatever it is asked; its name constraints are what make a client refuse
    a certificate for a name outside them (a test relies on being able to ask)."""
    now = now or dt.datetime.now(dt.UTC)
    names, addresses = list(names), list(addresses)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Shopfloor"),
        x509.NameAttribute(NameOID.COMMON_NAME, (names or [str(addresses[0])])[0][:64]),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(
            [x509.DNSName(n) for n in names] + [x509.IPAddress(a) for a in addresses]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=False, crl_sign=False,
            content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def authority_covers(ca_cert: x509.Certificate, identity: MachineIdentity) -> bool:
    """Whether the authority's name constraints are exactly this machine's names and
    addresses (a wider set would trust what the machine no longer is)."""
    try:
        constraints = ca_cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return False
    permitted = constraints.permitted_subtrees or []
    dns = {n.value for n in permitted if isinstance(n, x509.DNSName)}
    networks = {n.value for n in permitted if isinstance(n, x509.IPAddress)}
    wanted = {ipaddress.ip_network(f"{a}/{a.max_prefixlen}") for a in identity.addresses}
    return dns == set(identity.names) and networks == wanted


def certificate_names(cert: x509.Certificate) -> tuple[set[str], set[IPAddress]]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set(), set()
    return set(san.get_values_for_type(x509.DNSName)), set(san.get_values_for_type(x509.IPAddress))


def load_authority(directory: Path):
    cert = _load_certificate(directory / CA_CERT)
    try:
        key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), None)
    except (OSError, ValueError):
        return None
    if cert is None or cert.public_key().public_numbers() != key.public_key().public_numbers():
        return None
    return cert, key


def authority_certificate(directory: Path) -> x509.Certificate | None:
    """The authority a phone is asked to trust, or None when none was made here."""
    return _load_certificate(directory / CA_CERT)


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate as phones show it (pairs of hex digits)."""
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _load_certificate(path: Path) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, data: bytes) -> None:
    """Readable by this user alone, and replaced whole so a server reading the file while it
    is renewed sees either the old one or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
