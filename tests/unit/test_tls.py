"""The local certificate authority: bound to this machine, renewed when it no longer fits."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from shopfloor.serving import launcher, tls
from shopfloor.serving.network import MachineIdentity

LAN = ipaddress.ip_address("192.168.7.20")
LOOP = ipaddress.ip_address("127.0.0.1")
V6 = ipaddress.ip_address("fd00::20")
IDENTITY = MachineIdentity(names=("workshop", "workshop.local", "localhost"),
                           addresses=(LAN, V6, LOOP))


def _cert(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_authority_is_bound_by_critical_name_constraints_to_this_machine(tmp_path):
    files = tls.ensure_certificates(tmp_path, IDENTITY)
    ca = _cert(files.authority_file)
    constraints = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = constraints.value.permitted_subtrees
    assert {n.value for n in permitted if isinstance(n, x509.DNSName)} == {
        "workshop", "workshop.local", "localhost"}
    assert {n.value for n in permitted if isinstance(n, x509.IPAddress)} == {
        ipaddress.ip_network("192.168.7.20/32"), ipaddress.ip_network("fd00::20/128"),
        ipaddress.ip_network("127.0.0.1/32")}
    basic = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca


def test_server_certificate_names_every_name_and_address_and_is_signed_by_the_authority(
        tmp_path):
    files = tls.ensure_certificates(tmp_path, IDENTITY)
    server, ca = _cert(files.certfile), _cert(files.authority_file)
    server.verify_directly_issued_by(ca)
    assert tls.certificate_names(server) == (set(IDENTITY.names), {LAN, V6, LOOP})
    eku = server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert server.not_valid_after_utc - server.not_valid_before_utc <= dt.timedelta(days=825)


def test_keys_and_certificates_are_readable_by_their_owner_alone(tmp_path):
    directory = tmp_path / "tls"
    tls.ensure_certificates(directory, IDENTITY)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for path in directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_a_second_run_keeps_what_still_fits(tmp_path):
    first = tls.ensure_certificates(tmp_path, IDENTITY)
    before = (first.authority_file.read_bytes(), first.certfile.read_bytes())
    again = tls.ensure_certificates(tmp_path, IDENTITY)
    assert not again.made_authority and not again.issued_certificate
    assert (again.authority_file.read_bytes(), again.certfile.read_bytes()) == before


def test_certificate_is_renewed_within_thirty_days_of_expiry(tmp_path):
    tls.ensure_certificates(tmp_path, IDENTITY)
    serial = _cert(tmp_path / tls.SERVER_CERT).serial_number
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=tls.SERVER_DAYS - 20)
    renewed = tls.ensure_certificates(tmp_path, IDENTITY, now=later)
    assert renewed.issued_certificate and not renewed.made_authority
    assert _cert(tmp_path / tls.SERVER_CERT).serial_number != serial
    assert _cert(tmp_path / tls.SERVER_CERT).not_valid_after_utc > later + dt.timedelta(days=300)


def test_a_changed_address_makes_a_new_authority_and_certificate(tmp_path):
    tls.ensure_certificates(tmp_path, IDENTITY)
    moved = MachineIdentity(names=IDENTITY.names,
                            addresses=(ipaddress.ip_address("10.0.0.9"), LOOP))
    renewed = tls.ensure_certificates(tmp_path, moved)
    assert renewed.made_authority and renewed.issued_certificate
    assert tls.authority_covers(_cert(renewed.authority_file), moved)
    assert tls.certificate_names(_cert(renewed.certfile))[1] == {
        ipaddress.ip_address("10.0.0.9"), LOOP}


def test_launcher_lists_reachable_addresses_never_the_wildcard(tmp_path):
    plan = launcher.plan(tmp_path, 5000, 5443, True, identity=IDENTITY)
    assert "https://192.168.7.20:5443" in plan.https_urls
    assert "http://192.168.7.20:5000" in plan.http_urls
    text = launcher.banner(plan, ["admin / pw  (admin)"], 5000, 5443)
    assert "0.0.0.0" not in text and "127.0.0.1" not in text
    assert "http://192.168.7.20:5000/phone" in text and "admin / pw" in text
    assert "█" in text  # the QR code, drawn in the terminal
