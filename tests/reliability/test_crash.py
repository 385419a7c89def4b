"""The crash test: gunicorn killed with SIGKILL (master and every worker at once) at random
moments under write load, restarted on the same database, then checked.

Clients send receipts, moves and shipments, each with an `Idempotency-Key`, from several
threads. After every kill, before the restart:
- SQLite's `PRAGMA integrity_check` is ok and `PRAGMA foreign_key_check` finds nothing;
- `check_all()` (`flask --app shopfloor check`) finds nothing;
- every request answered 2xx is in the ledger exactly once, as sent, and its remembered
  answer is the very body the client got;
- nothing is half-applied: every remembered key has its effect and every keyed ledger row
  its remembered key, every lot its one receipt, every shipment its lines and moves;
- a request that got no answer (the kill cut it) has happened once or not at all.
After the restart the unanswered requests are replayed with their keys, as the phone's
outbox does: each then has happened exactly once (or was refused, and not at all).

A few kills in `make test`; `--long` (or SHOPFLOOR_LONG=1) many more.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests
import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.idempotency import IdempotencyRecord
from shopfloor.models.master import Customer, Location
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.stock import Lot, StockMove
from shopfloor.models.users import User
from shopfloor.services import master
from shopfloor.services.invariants import check_all
from tests.conftest import ON_POSTGRES
from tests.factories import make_item, make_location, receive

pytestmark = pytest.mark.reliability

SHORT_KILLS, LONG_KILLS = 3, 40
CLIENTS = 6
LOAD_SECONDS = (0.3, 2.0)  # how long the load runs before the kill, at random


@dataclass
class Sent:
    key: str
    path: str
    body: dict
    status: int | None = None  # None: no answer (the kill cut it)
    answer: bytes = b""


class Load:
    """Client threads writing through the API until told to stop."""

    def __init__(self, base: str, token: str, rng: random.Random, seed_lot: str):
        self.base, self.rng = base, rng
        self.headers = {"Authorization": f"Bearer {token}"}
        self.stop = threading.Event()
        self.sent: list[Sent] = []
        self.lots = [seed_lot]  # lots known to exist, to move and ship
        self.lock = threading.Lock()

    def request(self) -> Sent:
        with self.lock:
            choice, lot = self.rng.random(), self.rng.choice(self.lots)
            quantity = self.rng.randint(1, 5)
            there, back = self.rng.sample(["A", "B"], 2)
        if choice < 0.45:
            return Sent(f"r-{uuid.uuid4()}", "/receipts", {
                "item": "WAX", "location": "A", "quantity": str(self.rng.randint(10, 90)),
                "unit_cost": "0.02", "lot_code": f"C-{uuid.uuid4().hex[:12]}"})
        if choice < 0.85:
            return Sent(f"m-{uuid.uuid4()}", "/moves", {
                "lot": lot, "from": there, "to": back, "quantity": str(quantity)})
        return Sent(f"s-{uuid.uuid4()}", "/shipments", {
            "customer": "Crash Shop", "reference": "crash",
            "lines": [{"lot": lot, "location": there, "quantity": str(quantity)}]})

    def send(self, sent: Sent) -> Sent:
        try:
            response = requests.post(
                f"{self.base}/api/v1{sent.path}", json=sent.body, timeout=60,
                headers={**self.headers, "Idempotency-Key": sent.key})
        except requests.RequestException:
            return sent
        sent.status, sent.answer = response.status_code, response.content
        if sent.status == 201 and sent.path == "/receipts":
            with self.lock:
                self.lots.append(sent.body["lot_code"])
        return sent

    def client(self):
        while not self.stop.is_set():
            sent = self.request()
            with self.lock:
                self.sent.append(sent)
            self.send(sent)

    def run_until_killed(self, server, seconds: float) -> None:
        threads = [threading.Thread(target=self.client, daemon=True) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        self.stop.set()
        server.kill()  # SIGKILL to the whole process group, requests in flight
        for thread in threads:
            thread.join(90)
            assert not thread.is_alive(), "a client hung after the kill"


def _effects(key: str) -> list[tuple]:
    return db.session.execute(
        sa.select(Lot.code, StockMove.reason, StockMove.quantity)
        .join(Lot, Lot.id == StockMove.lot_id)
        .where(StockMove.idempotency_key == key).order_by(StockMove.id)).all()


def _expected_effect(sent: Sent) -> list[tuple]:
    body = sent.body
    if sent.path == "/receipts":
        return [(body["lot_code"], "receipt", Decimal(body["quantity"]))]
    if sent.path == "/moves":
        return [(body["lot"], "transfer", Decimal(body["quantity"]))]
    line = body["lines"][0]
    return [(line["lot"], "ship", Decimal(line["quantity"]))]


def verify(app, database_url: str, history: list[Sent], user_id: int) -> dict:
    """Everything the crash test promises, checked on the database with the server down."""
    with app.app_context():
        if not ON_POSTGRES:
            assert db.session.execute(sa.text("PRAGMA integrity_check")).all() == [("ok",)]
            assert db.session.execute(sa.text("PRAGMA foreign_key_check")).all() == []
        assert check_all() == []

        records = {key: (status, body) for key, status, body in db.session.execute(
            sa.select(IdempotencyRecord.key, IdempotencyRecord.status_code,
                      IdempotencyRecord.body).where(IdempotencyRecord.user_id == user_id))}
        keyed_moves = set(db.session.scalars(
            sa.select(StockMove.idempotency_key).where(StockMove.idempotency_key.is_not(None))))
        # A key is remembered exactly when its effect is in the ledger, and always with
        # its answer: no claim without an answer survives a kill.
        assert set(records) == keyed_moves
        assert all(status is not None for status, _ in records.values())

        answered = [s for s in history if s.status is not None and 200 <= s.status < 300]
        for sent in answered:  # every acknowledged write is there, once, as sent
            assert _effects(sent.key) == _expected_effect(sent), sent
            assert records[sent.key] == (sent.status, sent.answer), sent
        for sent in history:
            if sent.status is None:  # cut by the kill: once or not at all
                assert _effects(sent.key) in ([], _expected_effect(sent)), sent
            elif sent.status >= 300:  # refused: not at all
                assert sent.status in (409, 422) and _effects(sent.key) == [], sent

        # Whole commands only: each lot has its one receipt; each shipment its lines, each
        # line its ship move of the same lot and quantity.
        receipts = dict(db.session.execute(
            sa.select(Lot.code, sa.func.count(StockMove.id)).outerjoin(
                StockMove, sa.and_(StockMove.lot_id == Lot.id, StockMove.reason == "receipt"))
            .group_by(Lot.code)).all())
        assert set(receipts.values()) == {1}, receipts
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Shipment).where(
            ~Shipment.lines.any())) == 0
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(ShipmentLine).join(
                StockMove, StockMove.id == ShipmentLine.move_id).where(sa.or_(
                    StockMove.reason != "ship", StockMove.lot_id != ShipmentLine.lot_id,
                    StockMove.quantity != ShipmentLine.quantity))) == 0
        counts = {"lots": len(receipts), "keyed moves": len(keyed_moves)}
        db.session.rollback()
        db.engine.dispose()
    return counts


def test_sigkill_under_write_load_loses_no_acknowledged_write_and_half_applies_nothing(
        app, database_url, supervisor, operator, token_for, gunicorn, long, request):
    make_location(app, "A"), make_location(app, "B")
    make_item(app, sku="WAX", unit="g")
    seed_lot = receive(app, supervisor, "WAX", "A", quantity="500", lot_code="SEED")
    with app.app_context():
        master.create_party(Customer, {"name": "Crash Shop"})
        user_id = db.session.scalar(sa.select(User.id).where(User.username == operator))
        assert {code for code, in db.session.execute(sa.select(Location.code))} == {"A", "B"}
    token = token_for(operator)
    with app.app_context():
        db.engine.dispose()

    seed = random.randrange(2**32)
    rng = random.Random(seed)
    request.node.user_properties.append(("crash seed", seed))
    server = gunicorn(database_url, workers=4)
    history: list[Sent] = []
    unanswered: list[Sent] = []
    cut = 0
    kills = LONG_KILLS if long else SHORT_KILLS
    for _ in range(kills):
        load = Load(server.start(), token, rng, seed_lot)
        load.lots += [s.body["lot_code"] for s in history
                      if s.path == "/receipts" and s.status == 201]
        for sent in unanswered:  # the outbox replays what got no answer
            load.send(sent)
            assert sent.status is not None and sent.status in (201, 409), (seed, sent)
        unanswered = []
        load.run_until_killed(server, rng.uniform(*LOAD_SECONDS))
        history += load.sent
        unanswered = [s for s in load.sent if s.status is None]
        cut += len(unanswered)
        assert all(s.status is None or s.status < 500 for s in load.sent), seed
        verify(app, database_url, history, user_id)

    load = Load(server.start(), token, rng, seed_lot)
    for sent in unanswered:
        load.send(sent)
        assert sent.status in (201, 409), (seed, sent)
    server.stop()
    counts = verify(app, database_url, history, user_id)
    assert len(history) - cut > kills, "the load hardly ran"
    print(f"crash: {kills} kills, {len(history)} requests, {cut} cut by a kill and replayed, "
          f"{counts}, seed {seed}, restarts {[round(t, 1) for t in server.starts]} s")
