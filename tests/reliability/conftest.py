"""Fixtures for the reliability tests: the long-run switch, a gunicorn that the test itself
may kill (SIGKILL of the whole process group, as a power cut would to the app), and a
database that a Hypothesis state machine can empty again before each example.

Everything listens on loopback only and every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from shopfloor import create_app
from shopfloor.extensions import db
from tests.conftest import ON_POSTGRES, _config, long_run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def long(request) -> bool:
    """True for the long variants (`pytest --long` or SHOPFLOOR_LONG=1)."""
    return long_run(request.config)


# --- a gunicorn the test owns ------------------------------------------------------------------

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


@pytest.fixture
def gunicorn():
    """gunicorn(database_url, workers=4) -> a Server not yet started; every server is
    stopped after the test."""
    servers: list[Server] = []

    def make(database_url: str, workers: int = 4) -> Server:
        server = Server(database_url, workers)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


# --- a database a state machine can reset -------------------------------------------------------

class ResettableDatabase:
    """One app on one database that `reset()` empties: on SQLite by copying the empty
    template file over it, on PostgreSQL by truncating every table (as the `app` fixture
    does). Hypothesis runs many examples inside one test, so per-test fixtures cannot give
    each example a fresh database."""

    def __init__(self, template_url: str, directory: Path):
        if ON_POSTGRES:
            self.url = template_url
            self.path = None
        else:
            self.template = Path(template_url.removeprefix("sqlite:///"))
            self.path = directory / "machine.db"
            self.url = f"sqlite:///{self.path}"
        self.app = create_app(_config(self.url))

    def reset(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
            if self.path is None:
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                db.session.commit()
                db.session.remove()
                return
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.path)

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def resettable_database(database_template, tmp_path):
    database = ResettableDatabase(database_template, tmp_path)
    yield database
    database.close()



# --- many clients at once ---------------------------------------------------------------------

@dataclass
class Answer:
    label: str
    status: int
    body: bytes
    headers: dict

    @property
    def json(self):
        import json

        return json.loads(self.body) if self.body else None


def race(calls, timeout: float = 120) -> list[Answer]:
    """Send every call at the same moment from a thread of its own (all wait on one
    barrier) and return the answers in the order of the calls. A call is
    (label, method, url, headers, json body)."""
    import threading

    import requests

    barrier = threading.Barrier(len(calls))
    answers: list[Answer | None] = [None] * len(calls)
    failures: list[BaseException] = []

    def send(index, label, method, url, headers, body):
        try:
            barrier.wait(timeout=60)
            response = requests.request(method, url, headers=headers, json=body,
                                        timeout=timeout)
            answers[index] = Answer(label, response.status_code, response.content,
                                    dict(response.headers))
        except BaseException as error:  # reported below, with the call that failed
            failures.append(error)

    threads = [threading.Thread(target=send, args=(n, *call), daemon=True)
               for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 70)
    assert not failures, failures
    assert all(answer is not None for answer in answers), "a request did not finish"
    return answers  # type: ignore[return-value]


@pytest.fixture
def race_requests():
    """race_requests([(label, method, url, headers, json), ...]) -> [Answer, ...]."""
    return race


def assert_clean(answers, allowed=(200, 201, 409)) -> None:
    """No server error, no 'database is locked', only the statuses the rules allow."""
    for answer in answers:
        text = answer.body.decode(errors="replace")
        assert answer.status in allowed, (answer.label, answer.status, text[:500])
        assert "locked" not in text.lower(), (answer.label, text[:500])


@pytest.fixture
def clean():
    return assert_clean
