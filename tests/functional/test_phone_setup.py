"""`/phone`: the HTTPS address as a QR code and the local authority, for a new phone."""

from __future__ import annotations

import ipaddress
import plistlib

import pytest
from cryptography import x509

from shopfloor.serving import tls
from shopfloor.serving.network import MachineIdentity

LAN = ipaddress.ip_address("192.168.7.20")
IDENTITY = MachineIdentity(names=("workshop", "workshop.local", "localhost"),
                           addresses=(LAN, ipaddress.ip_address("127.0.0.1")))


@pytest.fixture
def authority(app, tmp_path):
    app.instance_path = str(tmp_path)
    app.config.update(SHOPFLOOR_BASE_URL="", SHOPFLOOR_TLS=True, HTTPS_PORT=5443)
    files = tls.ensure_certificates(tmp_path / "tls", IDENTITY)
    return x509.load_pem_x509_certificate(files.authority_file.read_bytes())


def test_phone_page_shows_the_https_address_and_both_downloads_without_signing_in(
        client, authority):
    page = client.get("/phone", base_url="http://192.168.7.20:5000")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "https://192.168.7.20:5443/" in html and "<svg" in html
    assert "/phone/shopfloor-ca.crt" in html and "/phone/shopfloor.mobileconfig" in html
    assert tls.fingerprint(authority) in html


def test_phone_page_opened_on_the_server_itself_points_phones_at_a_network_address(
        client, authority):
    html = client.get("/phone", base_url="http://localhost:5000").get_data(as_text=True)
    assert "https://192.168.7.20:5443/" in html and "https://localhost" not in html


def test_phone_page_is_in_romanian_too(client, authority):
    html = client.get("/phone", headers={"Accept-Language": "ro"}).get_data(as_text=True)
    assert "Configurați un telefon" in html and "Android" in html


def test_android_gets_the_authority_as_a_der_ca_certificate(client, authority):
    response = client.get("/phone/shopfloor-ca.crt")
    assert response.status_code == 200
    assert response.mimetype == "application/x-x509-ca-cert"
    assert x509.load_der_x509_certificate(response.data) == authority


def test_ios_gets_a_configuration_profile_with_a_root_payload(client, authority):
    response = client.get("/phone/shopfloor.mobileconfig")
    assert response.status_code == 200
    assert response.mimetype == "application/x-apple-aspen-config"
    profile = plistlib.loads(response.data)
    assert profile["PayloadType"] == "Configuration"
    (root,) = profile["PayloadContent"]
    assert root["PayloadType"] == "com.apple.security.root"
    assert x509.load_der_x509_certificate(root["PayloadContent"]) == authority
    assert client.get("/phone/shopfloor.mobileconfig").data == response.data  # stable ids


def test_with_tls_off_there_is_no_authority_to_install(app, client, authority):
    app.config.update(SHOPFLOOR_TLS=False, SHOPFLOOR_BASE_URL="https://shop.example")
    html = client.get("/phone").get_data(as_text=True)
    assert "https://shop.example/" in html and "shopfloor-ca.crt" not in html
    assert client.get("/phone/shopfloor-ca.crt").status_code == 404
    assert client.get("/phone/shopfloor.mobileconfig").status_code == 404
