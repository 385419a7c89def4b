"""Idempotency under concurrency (docs/ARCHITECTURE.md, "Idempotency"): a phone that lost its
connection replays its outbox, maybe several times at once, maybe through different gunicorn
workers. Ten simultaneous requests with one `Idempotency-Key` make one effect, and all ten
get the same answer, byte for byte; one of them is the original, nine say
`Idempotent-Replayed`.

Through gunicorn with four workers, on SQLite and PostgreSQL. `--long` repeats each case
with fresh keys for many rounds.
"""

from __future__ import annotations

import itertools
import uuid

import pytest
import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.idempotency import IdempotencyRecord
from shopfloor.models.master import Customer
from shopfloor.models.production import ProductionOrder
from shopfloor.models.shipping import Shipment
from shopfloor.models.stock import Lot, StockMove
from shopfloor.services import master, production, recipes
from shopfloor.services.invariants import check_all
from tests.factories import balance, make_item, make_location, receive, user

pytestmark = pytest.mark.reliability

REPLAYS = 10
SHORT_ROUNDS, LONG_ROUNDS = 1, 20
_round = itertools.count(1)


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _moves_with_key(key: str) -> list[tuple[str, str]]:
    return db.session.execute(
        sa.select(Lot.code, StockMove.reason).join(Lot, Lot.id == StockMove.lot_id)
        .where(StockMove.idempotency_key == key).order_by(StockMove.id)).all()


def _one_answer(answers, status: int) -> bytes:
    """All answers are `status` with the same body; exactly one is not a replay."""
    assert {a.status for a in answers} == {status}, [(a.status, a.body[:300]) for a in answers]
    assert len({a.body for a in answers}) == 1, [a.body[:300] for a in answers]
    originals = [a for a in answers if a.headers.get("Idempotent-Replayed") != "true"]
    assert len(originals) == 1, len(originals)
    return answers[0].body


def test_ten_simultaneous_replays_of_one_key_make_one_effect_and_the_same_answer(
        app, supervisor, operator, token_for, live_server, race_requests, clean, long):
    auth = {"Authorization": f"Bearer {token_for(operator)}"}
    with app.app_context():
        master.create_party(Customer, {"name": "Replay Shop"})
    make_location(app, "FG")
    base = live_server(workers=4)

    sent = []

    def replay(path: str, body: dict | None, key: str, times: int = REPLAYS):
        headers = {**auth, "Idempotency-Key": key}
        answers = race_requests([(path, "POST", f"{base}/api/v1{path}", headers, body)
                                 for _ in range(times)])
        clean(answers)
        sent.extend(answers)
        return answers

    rounds = LONG_ROUNDS if long else SHORT_ROUNDS
    for _ in range(rounds):
        n = next(_round)
        shelf, other = make_location(app, f"S{n}"), make_location(app, f"T{n}")
        wax = make_item(app, sku=f"WAX{n}", unit="g")
        candle = make_item(app, sku=f"CANDLE{n}", kind="product", unit="pcs")

        # A receipt with a generated lot code: one lot, one receipt move.
        key = f"receipt-{uuid.uuid4()}"
        body = _one_answer(replay("/receipts", {"item": wax, "location": shelf,
                                                "quantity": "100", "unit_cost": "0.02"}, key),
                           201)
        with app.app_context():
            lots = db.session.scalars(sa.select(Lot.code).join(Lot.item)
                                      .where(Lot.item.has(sku=wax))).all()
            assert len(lots) == 1 and lots[0].encode() in body
            assert _moves_with_key(key) == [(lots[0], "receipt")]
        lot = lots[0]

        # A move: one transfer.
        key = f"move-{uuid.uuid4()}"
        _one_answer(replay("/moves", {"lot": lot, "from": shelf, "to": other,
                                      "quantity": "40"}, key), 201)
        assert balance(app, lot, shelf) == 60 and balance(app, lot, other) == 40
        with app.app_context():
            assert _moves_with_key(key) == [(lot, "transfer")]

        # A shipment: one shipment, one ship move.
        key = f"ship-{uuid.uuid4()}"
        _one_answer(replay("/shipments", {"customer": "Replay Shop", "reference": f"INV-{n}",
                                          "lines": [{"lot": lot, "location": other,
                                                     "quantity": "15"}]}, key), 201)
        assert balance(app, lot, other) == 25
        with app.app_context():
            assert _count(Shipment, Shipment.reference == f"INV-{n}") == 1
            assert _moves_with_key(key) == [(lot, "ship")]

        # A pick and a completion: one pick, one output lot.
        with app.app_context():
            sup = user(app, supervisor)
            recipes.create_recipe({"product": candle, "yield_quantity": "1",
                                   "lines": [{"item": wax, "quantity": "20"}]}, sup)
            number = production.create_order({"product": candle, "quantity": "2"},
                                              sup).number
            production.release_order(number, sup)
        key = f"pick-{uuid.uuid4()}"
        _one_answer(replay(f"/production-orders/{number}/picks",
                           {"lot": lot, "location": shelf, "quantity": "40"}, key), 201)
        assert balance(app, lot, f"WIP-{number}") == 40 and balance(app, lot, shelf) == 20
        key = f"complete-{uuid.uuid4()}"
        body = _one_answer(replay(f"/production-orders/{number}/complete",
                                  {"quantity": "2", "location": "FG"}, key), 200)
        with app.app_context():
            order = db.session.scalar(sa.select(ProductionOrder)
                                      .where(ProductionOrder.number == number))
            assert order.status == "completed" and order.output_lot.code.encode() in body
            assert _count(Lot, Lot.item.has(sku=candle)) == 1
            assert _moves_with_key(key) == [(lot, "consume"), (order.output_lot.code,
                                                                "produce")]
            assert check_all() == []
    print(f"idempotency races: {rounds} rounds, {len(sent)} requests in groups of {REPLAYS} "
          f"with one key, {len(sent) // REPLAYS} effects")


def test_simultaneous_replays_of_a_refused_or_altered_request(
        app, supervisor, operator, token_for, live_server, race_requests, clean, long):
    """A refused request leaves its key free, so each replay is judged again: ten at once
    are all refused alike and change nothing. The same key with two different bodies at
    once: one body wins, the others with it get its answer, the different one a 422."""
    auth = {"Authorization": f"Bearer {token_for(operator)}"}
    base = live_server(workers=4)
    for _ in range(LONG_ROUNDS if long else SHORT_ROUNDS):
        n = next(_round)
        shelf, other = make_location(app, f"S{n}"), make_location(app, f"T{n}")
        lot = receive(app, supervisor, make_item(app, sku=f"OIL{n}", unit="ml"), shelf,
                      quantity="30", lot_code=f"OIL{n}-1")
        url = f"{base}/api/v1/moves"

        key = f"too-much-{uuid.uuid4()}"
        headers = {**auth, "Idempotency-Key": key}
        answers = race_requests([("move", "POST", url, headers, {
            "lot": lot, "from": shelf, "to": other, "quantity": "31"})] * REPLAYS)
        clean(answers, allowed=(409,))
        assert len({a.body for a in answers}) == 1
        assert balance(app, lot, shelf) == 30
        with app.app_context():
            assert _count(IdempotencyRecord, IdempotencyRecord.key == key) == 0
            assert _moves_with_key(key) == []

        key = f"altered-{uuid.uuid4()}"
        headers = {**auth, "Idempotency-Key": key}
        small = {"lot": lot, "from": shelf, "to": other, "quantity": "10"}
        large = {**small, "quantity": "20"}
        answers = race_requests([("small" if k % 2 else "large", "POST", url, headers,
                                  small if k % 2 else large) for k in range(REPLAYS)])
        clean(answers, allowed=(201, 422))
        winners = {a.label for a in answers if a.status == 201}
        assert len(winners) == 1, [(a.label, a.status) for a in answers]
        winner = winners.pop()
        for answer in answers:
            if answer.label == winner:
                assert answer.status == 201
            else:
                assert answer.status == 422
                assert answer.json["error"]["field"] == "Idempotency-Key", answer.json
        moved = 10 if winner == "small" else 20
        assert balance(app, lot, other) == moved and balance(app, lot, shelf) == 30 - moved
        with app.app_context():
            assert _moves_with_key(key) == [(lot, "transfer")]
            assert check_all() == []
