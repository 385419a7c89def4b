"""The one gunicorn launcher of the suite: `gunicorn wsgi:app` as in production, on a free
loopback port, in a process group of its own (so a test may kill it as a power cut would).
`live_server` (tests/conftest.py) and the reliability tests' `gunicorn` both start it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """`gunicorn wsgi:app` as in production, in a process group of its own."""

    database_url: str
    workers: int = 4
    process: subprocess.Popen | None = None
    base: str = ""
    starts: list[float] = field(default_factory=list)  # seconds each start took

    def start(self, timeout: float = 90) -> str:
        assert self.process is None or self.process.poll() is not None
        port = free_port()
        env = {**os.environ, "DATABASE_URL": self.database_url, "SECRET_KEY": "test-secret",
               "SHOPFLOOR_BASE_URL": "https://shop.example"}
        began = time.monotonic()
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    self.starts.append(time.monotonic() - began)
                    return self.base
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise AssertionError("gunicorn did not start")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the master and every worker at once (they share the process group)."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=60)
        if sig == signal.SIGKILL:
            # Workers are the master's children; with the master gone they may outlive it
            # for a moment. Wait until the group is empty.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    os.killpg(self.process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill(signal.SIGTERM)
