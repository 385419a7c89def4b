"""The hot endpoints ask the database a fixed number of times, however long the history:
each count below is pinned, and asked on two synthetic histories of different sizes, so
an N+1 cannot come back unnoticed. (Timings belong to `make bench`, not here.)

Completing an order writes each consumed lot's move and genealogy link and locks its
balance: that part grows with the order (`PER_CONSUMED_LOT`), not with the history.

A changed count is not wrong in itself: if a query was added on purpose, pin the new
number here with the reason.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from shopfloor import create_app
from shopfloor.extensions import db
from tests.conftest import DATABASE_URL, ON_POSTGRES, PASSWORD, _config

SIZES = (400, 2000)
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

# Statements per request, signing in included (a bearer token: 2, a session: 1), the
# transaction control (BEGIN, COMMIT) left out.
PINNED = {
    "scan": 3,
    "lot page": 7,  # 6, and the currency its money is shown in (once per request)
    "suggestions": 8,
    "trace backward": 5,  # token 2, the lot, the closure and its links, the lots' facts
    "trace forward": 6,  # the same and the shipments
    "recall": 11,
    "valuation": 3,
    "receipt": 20,  # 19, and the setting that says whether receipts print by themselves
    "complete": 28 if ON_POSTGRES else 26,
}
# Per consumed lot: lock its WIP balance; on SQLite also write its move and its genealogy
# link one row at a time (PostgreSQL takes each kind of row in one batched INSERT).
PER_CONSUMED_LOT = 1 if ON_POSTGRES else 3


@dataclass
class History:
    lots: int
    app: object
    token: str
    hot: dict

    def count(self, method: str, path: str, *, json=None, session: bool = False):
        """(statements, response) for one request."""
        client = self.app.test_client()
        headers = {}
        if session:
            client.post("/login", data={"username": "counter", "password": PASSWORD})
        else:
            headers["Authorization"] = f"Bearer {self.token}"
        with counting(self.app) as statements:
            response = getattr(client, method)(path, headers=headers, json=json)
        assert response.status_code < 300, response.get_data(as_text=True)[:500]
        return len(statements), response


@contextmanager
def counting(app):
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _empty_database(tmp_path_factory, name: str) -> tuple[str, object]:
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'history.db'}", None
    database = f"counts_{name}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    return DATABASE_URL.rsplit("/", 1)[0] + f"/{database}", (admin, database)


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    from bench.synth import synthesize
    from shopfloor.services.auth import create_token, create_user

    made, cleanups = {}, []
    for lots in SIZES:
        url, cleanup = _empty_database(tmp_path_factory, f"n{lots}")
        app = create_app(_config(url))
        with app.app_context():
            db.create_all()
            summary = synthesize(lots)
            create_user("counter", PASSWORD, "supervisor")
            token = create_token("counter", "counting")
        made[lots] = History(lots, app, token, summary.hot_spots)
        cleanups.append((app, cleanup))
    yield made
    for app, cleanup in cleanups:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if cleanup:
            admin, database = cleanup
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{database}" WITH (FORCE)'))
            admin.dispose()


def counts(histories, method: str, path_of, **options) -> dict[int, int]:
    return {lots: history.count(method, path_of(history.hot), **options)[0]
            for lots, history in histories.items()}


def test_scan_of_a_lot_asks_a_fixed_number_of_queries(histories):
    found = counts(histories, "get", lambda hot: f"/api/v1/scan?code={quote(hot['hub_lot'])}")
    assert set(found.values()) == {PINNED["scan"]}, found


def test_lot_page_asks_a_fixed_number_of_queries_however_long_its_history(histories):
    # The bulk lot of base wax has the longest history of all: hundreds of moves.
    found = counts(histories, "get", lambda hot: f"/l/{quote(hot['hub_lot'])}", session=True)
    assert set(found.values()) == {PINNED["lot page"]}, found


def test_suggestions_ask_a_fixed_number_of_queries_for_twenty_components(histories):
    found = counts(histories, "get",
                   lambda hot: f"/api/v1/production-orders/{hot['suggest_20']}/suggestions")
    assert set(found.values()) == {PINNED["suggestions"]}, found


def test_traces_ask_a_fixed_number_of_queries_however_many_lots_they_reach(histories):
    backward = counts(histories, "get", lambda hot: (
        f"/api/v1/lots/{quote(hot['library_lot'])}/trace?direction=backward"))
    forward = counts(histories, "get", lambda hot: (
        f"/api/v1/lots/{quote(hot['hub_lot'])}/trace?direction=forward"))
    assert set(backward.values()) == {PINNED["trace backward"]}, backward
    assert set(forward.values()) == {PINNED["trace forward"]}, forward


def test_recall_asks_a_fixed_number_of_queries_however_many_lots_it_reaches(histories):
    found = counts(histories, "get", lambda hot: f"/api/v1/recall?lot={quote(hot['hub_lot'])}")
    assert set(found.values()) == {PINNED["recall"]}, found


def test_valuation_asks_a_fixed_number_of_queries(histories):
    found = counts(histories, "get", lambda hot: "/api/v1/reports/valuation")
    assert set(found.values()) == {PINNED["valuation"]}, found


def test_receipt_asks_a_fixed_number_of_queries(histories):
    found = counts(histories, "post", lambda hot: "/api/v1/receipts",
                   json=next(iter(histories.values())).hot["receipt"])
    assert set(found.values()) == {PINNED["receipt"]}, found


@pytest.mark.parametrize("orders", ["ready_20", "ready_200"])
def test_completing_an_order_asks_a_fixed_number_of_queries_per_lot_it_consumes(histories,
                                                                                 orders):
    found = {}
    for lots, history in histories.items():
        number = history.hot[orders][0]
        order = history.app.test_client().get(
            f"/api/v1/production-orders/{number}",
            headers={"Authorization": f"Bearer {history.token}"}).get_json()
        statements, response = history.count(
            "post", f"/api/v1/production-orders/{number}/complete",
            json={"quantity": order["quantity"]})
        consumed = len(response.get_json()["consumed"])
        found[lots] = (statements, consumed, statements - PER_CONSUMED_LOT * consumed)
    assert {fixed for _s, _c, fixed in found.values()} == {PINNED["complete"]}, found
