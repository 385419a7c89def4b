"""`make run` serves the app with gunicorn on $PORT, on SQLite, from nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(url: str, seconds: float = 60) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.mark.skipif(ON_POSTGRES, reason="make run serves SQLite; covered by the SQLite run")
def test_make_run_serves_the_login_page(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MAKE"))}
    env.update(PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}")
    server = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/login") == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as response:
            page = response.read().decode()
        assert 'name="username"' in page and 'name="password"' in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode(errors="replace")
    assert "demo data loaded" in output
