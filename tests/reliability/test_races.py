"""Many clients at once, through gunicorn with four workers, on SQLite and PostgreSQL.

Every scenario is built so that exactly which requests are feasible is known in advance,
whatever order the server takes them in: exactly those succeed, every other one gets a 409
naming the rule, nothing answers 5xx or "database is locked", and afterwards the books
balance (`check_all()`) and hold exactly what the successes say.

`--long` (or SHOPFLOOR_LONG=1) plays each scenario for many rounds on the same server.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.master import Customer
from shopfloor.models.production import ProductionOrder
from shopfloor.models.stock import Lot, StockMove
from shopfloor.services import master, production, recipes, stock
from shopfloor.services.invariants import check_all
from tests.conftest import ON_POSTGRES
from tests.factories import balance, make_item, make_location, receive, user

pytestmark = pytest.mark.reliability

SHORT_ROUNDS, LONG_ROUNDS = 1, 15
_round = itertools.count(1)


def _tally(name: str, rounds: int, answers: list) -> None:
    print(f"{name}: {rounds} rounds, {len(answers)} requests, {_successes(answers)} succeeded, "
          f"{sum(a.status == 409 for a in answers)} refused with 409")


def _headers(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _by_label(answers, prefix: str):
    return [answer for answer in answers if answer.label.startswith(prefix)]


def _successes(answers) -> int:
    return sum(answer.status in (200, 201) for answer in answers)


def test_competing_takers_get_exactly_what_each_lot_holds(
        app, supervisor, operator, token_for, live_server, race_requests, clean, long):
    """Moves and shipments of the same lots at the same moment: a 100 g lot gives ten
    10 g takes and a 50 g lot five, whoever asks; moves back and forth between two shelves
    never deadlock and never lose a gram."""
    tokens = [_headers(token_for(operator)), _headers(token_for(supervisor))]
    with app.app_context():
        master.create_party(Customer, {"name": "Race Shop"})
    base = live_server(workers=4)
    rounds, everything = LONG_ROUNDS if long else SHORT_ROUNDS, []
    for _ in range(rounds):
        n = next(_round)
        shelf_a, shelf_b = make_location(app, f"A{n}"), make_location(app, f"B{n}")
        wax = make_item(app, sku=f"WAX{n}", unit="g")
        big = receive(app, supervisor, wax, shelf_a, quantity="100", lot_code=f"BIG{n}")
        small = receive(app, supervisor, wax, shelf_a, quantity="50", lot_code=f"SMALL{n}")
        both = receive(app, supervisor, wax, shelf_a, quantity="50", lot_code=f"BOTH{n}")
        with app.app_context():  # BOTH: 25 g on each shelf
            stock.move_stock({"lot": both, "from": shelf_a, "to": shelf_b, "quantity": "25"},
                             user(app, supervisor))

        def move(label, lot, source, target, token):
            return (label, "POST", f"{base}/api/v1/moves", token,
                    {"lot": lot, "from": source, "to": target, "quantity": "10"})

        def ship(label, lot, place, token):
            return (label, "POST", f"{base}/api/v1/shipments", token,
                    {"customer": "Race Shop", "reference": "race",
                     "lines": [{"lot": lot, "location": place, "quantity": "10"}]})

        calls = []
        for k in range(8):
            calls.append(move("big move", big, shelf_a, shelf_b, tokens[k % 2]))
            calls.append(ship("big ship", big, shelf_a, tokens[(k + 1) % 2]))
        calls += [move("small move", small, shelf_a, shelf_b, tokens[k % 2]) for k in range(10)]
        calls += [move("both a-b", both, shelf_a, shelf_b, tokens[k % 2]) for k in range(8)]
        calls += [move("both b-a", both, shelf_b, shelf_a, tokens[k % 2]) for k in range(8)]
        answers = race_requests(calls)
        everything += answers

        clean(answers, allowed=(201, 409))
        big_answers = _by_label(answers, "big")
        assert _successes(big_answers) == 10, [(a.label, a.status) for a in big_answers]
        assert _successes(_by_label(answers, "small")) == 5
        for refused in (a for a in answers if a.status == 409):
            assert refused.json["error"]["field"] == "quantity", refused.json
            assert refused.json["error"]["code"] == "insufficient_stock", refused.json
        there, back = (_successes(_by_label(answers, label)) for label in ("both a-b",
                                                                            "both b-a"))
        assert balance(app, big, shelf_a) == 0
        assert balance(app, big, shelf_b) == 10 * _successes(_by_label(answers, "big move"))
        assert balance(app, small, shelf_a) == 0 and balance(app, small, shelf_b) == 50
        assert balance(app, both, shelf_a) == 25 - 10 * there + 10 * back
        assert balance(app, both, shelf_a) + balance(app, both, shelf_b) == 50
        with app.app_context():
            moves = db.session.scalar(
                sa.select(sa.func.count()).select_from(StockMove).join(Lot)
                .where(Lot.code.in_([big, small, both]), StockMove.reason.in_(
                    ("transfer", "ship"))))
            assert moves == 1 + _successes(answers)  # the set-up move, then one per success
            assert check_all() == []
    _tally("competing takers", rounds, everything)


def test_competing_releases_picks_shipments_completions_and_cancels(
        app, supervisor, operator, token_for, live_server, race_requests, clean, long):
    """100 g of wax and eight orders needing 30 g each: three releases succeed. Then two
    pickers per released order and six 5 g shipments at once: one pick per order and
    two shipments (the 10 g nobody holds). Then two completions and a cancel per order, and
    two cancels per unreleased draft: exactly one of each group wins."""
    boss = _headers(token_for(supervisor))
    pickers = [_headers(token_for(operator)), _headers(token_for(operator))]
    with app.app_context():
        master.create_party(Customer, {"name": "Race Shop"})
    make_location(app, "FG")
    base = live_server(workers=4)
    rounds, everything = LONG_ROUNDS if long else SHORT_ROUNDS, []
    for _ in range(rounds):
        n = next(_round)
        shelf = make_location(app, f"RAW{n}")
        wax = make_item(app, sku=f"WAX{n}", unit="g")
        candle = make_item(app, sku=f"CANDLE{n}", kind="product", unit="pcs")
        lot = receive(app, supervisor, wax, shelf, quantity="100", unit_cost="0.02",
                      lot_code=f"W{n}")
        with app.app_context():
            sup = user(app, supervisor)
            recipes.create_recipe({"product": candle, "yield_quantity": "1",
                                   "lines": [{"item": wax, "quantity": "30"}],
                                   "labour_minutes": "6", "labour_rate": "10"}, sup)
            numbers = [production.create_order({"product": candle, "quantity": "1"},
                                               sup).number for _ in range(8)]
        url = f"{base}/api/v1/production-orders"

        # 1. Eight releases for 100 g: three fit.
        answers = race_requests([(number, "POST", f"{url}/{number}/release", boss, None)
                                 for number in numbers])
        everything += answers
        clean(answers)
        released = [a.label for a in answers if a.status == 200]
        assert len(released) == 3, [(a.label, a.status, a.json) for a in answers]
        for refused in (a for a in answers if a.status == 409):
            assert refused.json["error"]["code"] == "insufficient_stock"
            assert refused.json["error"]["details"]["shortages"][0]["item"] == wax

        # 2. Two pickers per released order, and six shipments of the 10 g left free.
        calls = [(f"pick {number}", "POST", f"{url}/{number}/picks", pickers[k],
                  {"lot": lot, "location": shelf, "quantity": "30"})
                 for number in released for k in range(2)]
        calls += [("ship", "POST", f"{base}/api/v1/shipments", pickers[k % 2],
                   {"customer": "Race Shop", "lines": [
                       {"lot": lot, "location": shelf, "quantity": "5"}]})
                  for k in range(6)]
        answers = race_requests(calls)
        everything += answers
        clean(answers, allowed=(201, 409))
        for number in released:
            assert _successes(_by_label(answers, f"pick {number}")) == 1, number
        assert _successes(_by_label(answers, "ship")) == 2
        assert balance(app, lot, shelf) == Decimal(0)

        # 3. Completions race a cancel on each started order; drafts get two cancels.
        drafts = [number for number in numbers if number not in released]
        calls = []
        for number in released:
            calls += [(f"{number} complete", "POST", f"{url}/{number}/complete", pickers[k],
                       {"quantity": "1", "location": "FG"}) for k in range(2)]
            calls.append((f"{number} cancel", "POST", f"{url}/{number}/cancel", boss, None))
        calls += [(f"{number} cancel", "POST", f"{url}/{number}/cancel", boss, None)
                  for number in drafts for _ in range(2)]
        answers = race_requests(calls)
        everything += answers
        clean(answers)
        completed = []
        for number in numbers:
            group = _by_label(answers, number)
            winners = [a for a in group if a.status == 200]
            assert len(winners) == 1, [(a.label, a.status, a.json) for a in group]
            if winners[0].label.endswith("complete"):
                completed.append(number)
        with app.app_context():
            statuses = dict(db.session.execute(
                sa.select(ProductionOrder.number, ProductionOrder.status)
                .where(ProductionOrder.number.in_(numbers))).all())
        assert statuses == {number: "completed" if number in completed else "cancelled"
                            for number in numbers}
        # Cancelled orders returned their 30 g to the shelf; completed ones consumed it.
        cancelled_started = len(released) - len(completed)
        assert balance(app, lot, shelf) == 30 * cancelled_started
        for number in released:
            assert balance(app, lot, f"WIP-{number}") == 0
        with app.app_context():
            assert check_all() == []
    _tally("competing orders", rounds, everything)


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks; SQLite has one writer at a time")
def test_a_taker_holding_its_item_does_not_block_a_move_into_a_new_place(app, supervisor):
    """Found by the long run of the competing takers on PostgreSQL: a 500, "deadlock
    detected". A shipment (or pick) locks the item, then the balance it takes from; a
    move that creates a balance row locks its source balance, then checks the new row's
    foreign key to the item (FOR KEY SHARE), which the shipment's FOR UPDATE blocked. The
    takers now lock the item FOR NO KEY UPDATE, which excludes the other takers only: here
    a move into a new place completes while a taker holds the item."""
    import threading

    from shopfloor.database import command
    from shopfloor.services.availability import refuse_taking_others_reservations

    make_item(app, sku="WAX", unit="g")
    shelf, new_place = make_location(app, "S1"), make_location(app, "S2")
    lot = receive(app, supervisor, "WAX", shelf, quantity="100")
    moved = threading.Event()

    def move():
        with app.app_context():
            stock.move_stock({"lot": lot, "from": shelf, "to": new_place, "quantity": "1"},
                             user(app, supervisor))
            moved.set()

    with app.app_context(), command() as session:  # a taker between its check and its move
        refuse_taking_others_reservations(session, master.get_item("WAX"), Decimal(1),
                                          stock.today())
        mover = threading.Thread(target=move, daemon=True)
        mover.start()
        finished_while_held = moved.wait(timeout=10)
    mover.join(timeout=30)
    assert finished_while_held, "the move waited for the taker's lock on the item"
    assert balance(app, lot, new_place) == 1
