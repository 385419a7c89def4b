"""Fixtures in the spirit of flaskr: `app`, `client`, `runner`, plus factories.

The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL points at one
(`make test` does both). Each test gets an empty database: on SQLite a fresh copy of a
template file, on PostgreSQL the same tables truncated.
"""

from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa

from shopfloor import create_app
from shopfloor.extensions import db

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")
PASSWORD = "correct horse battery"


def _config(url: str) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "SHOPFLOOR_BASE_URL": "https://shop.example",
    }


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Build the schema once per run."""
    if ON_POSTGRES:
        url = DATABASE_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.db'}"
    app = create_app(_config(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return url


@pytest.fixture
def database_url(database_template, tmp_path):
    if ON_POSTGRES:
        return database_template
    path = tmp_path / "test.db"
    shutil.copyfile(database_template.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url):
    app = create_app(_config(database_url))
    if ON_POSTGRES:
        with app.app_context():
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """make_user("supervisor") -> the username of a new user with that role."""
    from shopfloor.services.auth import create_user

    counter = {"n": 0}

    def make(role: str = "operator", username: str | None = None, locale: str | None = None):
        counter["n"] += 1
        username = username or f"{role}{counter['n']}"
        with app.app_context():
            create_user(username, PASSWORD, role, locale)
        return username

    return make


@pytest.fixture
def login(client):
    def do(username: str, password: str = PASSWORD):
        return client.post("/login", data={"username": username, "password": password})

    return do


@pytest.fixture
def token_for(app):
    """token_for("alice") -> a bearer token acting as alice."""
    from shopfloor.services.auth import create_token

    def make(username: str) -> str:
        with app.app_context():
            return create_token(username, "test")

    return make


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")


@pytest.fixture
def operator(make_user):
    return make_user("operator")


@pytest.fixture
def api(app, make_user, token_for):
    """api(role) -> a client whose requests carry a bearer token for a new user of that
    role: api("operator").post("/api/v1/moves", json={...})."""

    class TokenClient:
        def __init__(self, username: str):
            self.username = username
            self.headers = {"Authorization": f"Bearer {token_for(username)}"}
            self.client = app.test_client()

        def __getattr__(self, method):
            def call(url, headers=None, **kwargs):
                merged = {**self.headers, **(headers or {})}
                return getattr(self.client, method)(url, headers=merged, **kwargs)

            return call

    return lambda role="operator": TokenClient(make_user(role))


@pytest.fixture
def workshop(app, supervisor):
    """The candle workshop with both recipes (tests/scenarios.py)."""
    from tests.scenarios import candle_workshop

    return candle_workshop(app, supervisor)


@pytest.fixture
def live_server(app, database_url):
    """start() -> base URL of gunicorn serving this test's database with several workers,
    as in production; stopped after the test."""
    from tests.servers import Server

    servers = []

    def start(workers: int = 4) -> str:
        with app.app_context():
            db.engine.dispose()  # the server's workers open their own connections
        server = Server(database_url, workers)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", default=False,
                     help="run the long variants of tests/reliability (same as SHOPFLOOR_LONG=1)")


def long_run(config) -> bool:
    """The long variants of the reliability tests: `pytest --long` or SHOPFLOOR_LONG=1."""
    return bool(config.getoption("--long", default=False)) or \
        os.environ.get("SHOPFLOOR_LONG", "") not in ("", "0")
