"""HTTPS on the workshop network: a browser that trusts only the local authority that
`flask --app shopfloor serve` (what `make run` ends with) made under instance/tls/ opens the
app with no certificate warning, as a secure context with its service worker; and that
authority's name constraints make the same browser refuse a certificate it signed for any
name that is not this machine's.

Chromium on Linux reads the certificates a user trusts from the NSS database under
`$HOME/.pki/nssdb`; the test makes one in a temporary HOME with only the authority in it
(`certutil`, from Debian's libnss3-tools: scripts/system-deps installs it)."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from shopfloor.serving import network, tls
from tests.browser.conftest import launch, phone_context, sign_in, wait_for_service_worker

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TLS_DIR = ROOT / "instance" / "tls"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def launcher(app, database_url):
    """The launcher serving this test's database: (HTTP port, HTTPS port)."""
    from shopfloor.extensions import db

    with app.app_context():
        db.engine.dispose()
    port, https_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k != "SHOPFLOOR_TLS"}
    env.update(DATABASE_URL=database_url, SECRET_KEY="test-secret", SHOPFLOOR_BASE_URL="")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "flask"), "--app", "shopfloor", "serve",
         "--port", str(port), "--https-port", str(https_port), "--workers", "1"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("the launcher did not start") from None
                time.sleep(0.2)
        yield port, https_port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


@pytest.fixture
def trusting_home(tmp_path, launcher):
    """A HOME whose NSS database trusts the local authority, and nothing else added."""
    certutil = shutil.which("certutil")
    if certutil is None:
        pytest.fail("certutil is missing: run scripts/system-deps (as root) to install it")
    nssdb = tmp_path / "home" / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run([certutil, "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
    subprocess.run([certutil, "-A", "-d", f"sql:{nssdb}", "-n", "shopfloor-local-authority",
                    "-t", "C,,", "-i", str(TLS_DIR / tls.CA_CERT)], check=True)
    return tmp_path / "home"


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = b"<!doctype html><title>hello</title><p>hello</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve_with(tmp_path: Path, names: list[str]):
    """An HTTPS server on 127.0.0.1 with a certificate the local authority signed for
    `names`; returns (server, port)."""
    ca_cert, ca_key = tls.load_authority(TLS_DIR)
    cert, key = tls.issue_certificate(ca_cert, ca_key, names, [])
    certfile, keyfile = tmp_path / f"{names[0]}.crt", tmp_path / f"{names[0]}.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM)
                         + ca_cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def test_browser_trusting_only_the_local_authority_opens_the_app_as_a_secure_context(
        playwright, launcher, trusting_home, tmp_path, make_user):
    _port, https_port = launcher
    address = network.machine_identity().reachable[0]
    base = network.url("https", address, https_port)
    inside, inside_port = _serve_with(tmp_path, ["localhost"])
    outside, outside_port = _serve_with(tmp_path, ["outside.example"])
    browser = launch(playwright, extra_args=[
        "--host-resolver-rules=MAP outside.example 127.0.0.1"],
        env={**os.environ, "HOME": str(trusting_home)})
    try:
        context = phone_context(browser)
        page = context.new_page()
        response = page.goto(f"{base}/login")  # a certificate warning raises here
        assert response.ok
        assert page.evaluate("window.isSecureContext") is True
        sign_in(page, base, make_user("operator"))
        wait_for_service_worker(page)
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == f"{base}/sw.js"

        # The same authority's certificate for a name within its constraints is accepted...
        assert page.goto(f"https://localhost:{inside_port}/").ok
        # ...and for a name outside them refused, though the authority signed it.
        with pytest.raises(Exception, match="ERR_CERT"):
            page.goto(f"https://outside.example:{outside_port}/")
        context.close()
    finally:
        browser.close()
        for server in (inside, outside):
            server.shutdown()
            server.server_close()
