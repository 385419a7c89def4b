"""`make run` serves the app with gunicorn on $PORT and $HTTPS_PORT, on SQLite, from nothing,
and says where a phone can open it."""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(url: str, seconds: float = 300, context=None) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                return response.status
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.mark.skipif(ON_POSTGRES, reason="make run serves SQLite; covered by the SQLite run")
def test_make_run_serves_the_login_page(tmp_path):
    port, https_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATABASE_URL", "MAKE", "SHOPFLOOR_TLS"))}
    env.update(PORT=str(port), HTTPS_PORT=str(https_port),
               DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}")
    server = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/login") == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as response:
            page = response.read().decode()
        assert 'name="username"' in page and 'name="password"' in page
        # HTTPS answers with a certificate of the local authority, verified against it.
        trusting_the_authority = ssl.create_default_context(
            cafile=str(ROOT / "instance" / "tls" / "ca.crt"))
        assert _wait_for(f"https://localhost:{https_port}/healthz",
                         context=trusting_the_authority) == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert "demo data loaded" in output
    # The addresses a phone can open: this machine's own, never the wildcard.
    printed = set(re.findall(r"^  (https?://\S+)$", output, re.MULTILINE))
    https = {url for url in printed if url.startswith("https://")}
    assert https and all(url.endswith(f":{https_port}") for url in https), printed
    assert any(url.endswith(f":{port}") for url in printed - https), printed
    assert not any(host in url for url in printed for host in ("0.0.0.0", "127.0.0.1", "[::]"))
    assert "admin / shopfloor-demo" in output and "/phone" in output
