"""Fixtures for the reliability tests: the long-run switch, a gunicorn that the test itself
may kill (SIGKILL of the whole process group, as a power cut would to the app), and a
database that a Hypothesis state machine can empty again before each example.

Everything listens on loopback only and every wait is bounded.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from shopfloor import create_app
from shopfloor.extensions import db
from tests.conftest import ON_POSTGRES, _config, long_run
from tests.servers import Server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def long(request) -> bool:
    """True for the long variants (`pytest --long` or SHOPFLOOR_LONG=1)."""
    return long_run(request.config)


# --- a gunicorn the test owns ------------------------------------------------------------------

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
