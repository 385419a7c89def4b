"""Shipments, genealogy both ways, the recall with its mass balance, and `flask check`."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.domain.errors import InsufficientStock, ValidationError
from shopfloor.extensions import db
from shopfloor.models.master import Customer
from shopfloor.models.production import LotLink
from shopfloor.models.stock import Balance, Lot
from shopfloor.services import genealogy, master, production, recipes, shipping, stock
from shopfloor.services.invariants import check_all
from tests.factories import balance, make_item, make_location, receive, user


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


@pytest.fixture
def history(app, supervisor):
    """Receive wax and oil, make a scented base, make candles from it, ship candles to two
    customers. A second wax lot stays unused."""
    make_location(app, "RAW")
    make_location(app, "FG")
    for sku, unit in (("WAX", "g"), ("OIL", "ml"), ("WICK", "pcs")):
        make_item(app, sku=sku, unit=unit)
    make_item(app, sku="BASE", kind="intermediate", unit="g")
    make_item(app, sku="CANDLE", kind="product", unit="pcs", shelf_life_days=365)
    with app.app_context():
        sup = user(app, supervisor)
        for name in ("Casa Verde", "Market Stall"):
            master.create_party(Customer, {"name": name})
        recipes.create_recipe({"product": "BASE", "yield_quantity": "1000",
                               "lines": [{"item": "WAX", "quantity": "950"},
                                         {"item": "OIL", "quantity": "50"}]}, sup)
        recipes.create_recipe({"product": "CANDLE", "yield_quantity": "10",
                               "lines": [{"item": "BASE", "quantity": "1800"},
                                         {"item": "WICK", "quantity": "10"}],
                               "labour_minutes": "60", "labour_rate": "18"}, sup)
    receive(app, supervisor, "WAX", "RAW", quantity="5000", unit_cost="0.0042",
            lot_code="WAX-A", supplier_lot="CP-1187", expiry=days(300))
    receive(app, supervisor, "WAX", "RAW", quantity="5000", unit_cost="0.0042",
            lot_code="WAX-UNUSED", expiry=days(400))
    receive(app, supervisor, "OIL", "RAW", quantity="500", unit_cost="0.064", lot_code="OIL-A")
    receive(app, supervisor, "WICK", "RAW", quantity="100", unit_cost="0.09", lot_code="WICK-A")
    with app.app_context():
        sup = user(app, supervisor)

        def make(product, quantity, picks, lot_code):
            number = production.create_order({"product": product, "quantity": quantity},
                                             sup).number
            production.release_order(number, sup)
            for lot, qty in picks:
                production.pick(number, {"lot": lot, "quantity": qty}, sup)
            production.complete_order(number, {"quantity": quantity, "location": "FG",
                                               "lot_code": lot_code}, sup)

        make("BASE", "2000", [("WAX-A", "1900"), ("OIL-A", "100")], "BASE-1")
        make("CANDLE", "10", [("BASE-1", "1800"), ("WICK-A", "10")], "CANDLE-1")
        shipping.ship({"customer": "Casa Verde", "reference": "INV-1001",
                       "lines": [{"lot": "CANDLE-1", "quantity": "6"}]}, sup)
        shipping.ship({"customer": "Market Stall", "reference": "INV-1002",
                       "lines": [{"lot": "CANDLE-1", "quantity": "3"}]}, sup)
    return supervisor


def test_the_recall_of_the_wax_lot_names_both_customers_with_their_quantities(app, history):
    with app.app_context():
        report = genealogy.recall(["WAX-A"])
    assert report.customers == ["Casa Verde", "Market Stall"]
    assert [(row.customer, row.lot, row.quantity, row.reference) for row in report.shipments] \
        == [("Casa Verde", "CANDLE-1", Decimal("6"), "INV-1001"),
            ("Market Stall", "CANDLE-1", Decimal("3"), "INV-1002")]
    assert {lot.facts.code for lot in report.lots} == {"WAX-A", "BASE-1", "CANDLE-1"}


def test_the_recall_of_an_unused_wax_lot_names_nobody(app, history):
    with app.app_context():
        report = genealogy.recall(["WAX-UNUSED"])
    assert report.customers == [] and report.shipments == []
    assert [lot.facts.code for lot in report.lots] == ["WAX-UNUSED"]


def test_mass_balances_add_up_for_every_affected_lot(app, history):
    with app.app_context():
        report = genealogy.recall(["WAX-A"])
    by_code = {lot.facts.code: lot for lot in report.lots}
    wax, base, candle = by_code["WAX-A"].balance, by_code["BASE-1"].balance, \
        by_code["CANDLE-1"].balance
    assert (wax.received, wax.consumed, wax.on_hand) == (Decimal(5000), Decimal(1900),
                                                         Decimal(3100))
    assert (base.received, base.consumed, base.on_hand) == (Decimal(2000), Decimal(1800),
                                                            Decimal(200))
    assert (candle.received, candle.shipped, candle.on_hand) == (Decimal(10), Decimal(9),
                                                                 Decimal(1))
    assert report.balanced and all(lot.balance.discrepancy == 0 for lot in report.lots)
    assert [loc for loc in by_code["CANDLE-1"].locations] == [("FG", "Test shelf",
                                                               Decimal(1))]


def test_a_balance_altered_behind_the_ledgers_back_shows_as_a_discrepancy(app, history):
    with app.app_context():
        lot_id = db.session.scalar(sa.select(Lot.id).where(Lot.code == "CANDLE-1"))
        db.session.execute(sa.update(Balance).where(Balance.lot_id == lot_id)
                           .values(quantity=Decimal(3)))
        db.session.commit()
        report = genealogy.recall(["WAX-A"])
    candle = next(lot for lot in report.lots if lot.facts.code == "CANDLE-1")
    assert candle.balance.discrepancy == Decimal(2) and not report.balanced


def test_from_a_candle_including_inputs_finds_everyone_who_got_the_same_wax(app, history):
    with app.app_context():
        report = genealogy.recall(["CANDLE-1"], include_inputs=True)
    assert {lot.facts.code for lot in report.lots} >= {"WAX-A", "OIL-A", "BASE-1", "CANDLE-1"}
    assert report.customers == ["Casa Verde", "Market Stall"]


def test_the_backward_trace_reaches_supplier_lots_through_the_intermediate(app, history):
    with app.app_context():
        found = genealogy.trace(stock.get_lot("CANDLE-1"), genealogy.BACKWARD)
    base = next(node for node in found.root.children if node.lot.code == "BASE-1")
    assert base.quantity == Decimal(1800)
    wax = next(node for node in base.children if node.lot.code == "WAX-A")
    assert (wax.quantity, wax.lot.supplier_lot) == (Decimal(1900), "CP-1187")
    assert found.lot_count == 5  # candle, base, wax, oil, wick


def test_the_forward_trace_reaches_products_and_their_shipments(app, history):
    with app.app_context():
        found = genealogy.trace(stock.get_lot("WAX-A"), genealogy.FORWARD)
    assert [c.lot.code for c in found.root.children] == ["BASE-1"]
    assert [c.lot.code for c in found.root.children[0].children] == ["CANDLE-1"]
    assert sorted(row.customer for row in found.shipments) == ["Casa Verde", "Market Stall"]


def test_quarantining_a_recall_holds_every_affected_lot_in_stock(app, history):
    with app.app_context():
        sup = user(app, history)
        held = genealogy.quarantine_recalled(genealogy.recall(["WAX-A"]), "supplier recall",
                                             sup)
        assert held == ["BASE-1", "CANDLE-1", "WAX-A"]
        assert stock.get_lot("CANDLE-1").status == "quarantine"
        with pytest.raises(ValidationError):
            genealogy.quarantine_recalled(genealogy.recall(["WAX-A"]), " ", sup)


def test_expired_or_quarantined_lots_cannot_be_shipped(app, history):
    with app.app_context():
        sup = user(app, history)
        stock.change_lot_status("CANDLE-1", {"status": "quarantine", "reason": "x"}, sup)
        with pytest.raises(ValidationError) as refused:
            shipping.ship({"customer": "Casa Verde",
                           "lines": [{"lot": "CANDLE-1", "quantity": "1"}]}, sup)
    assert refused.value.code == "quarantine"


def test_shipping_more_than_is_there_is_refused_and_changes_nothing(app, history):
    with app.app_context(), pytest.raises(InsufficientStock):
        shipping.ship({"customer": "Casa Verde", "lines": [
            {"lot": "CANDLE-1", "quantity": "1"}, {"lot": "CANDLE-1", "quantity": "5"}]},
            user(app, history))
    assert balance(app, "CANDLE-1", "FG") == Decimal(1)


def test_check_passes_after_the_full_workflow(app, history, runner):
    with app.app_context():
        assert check_all() == []
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0 and "8 invariants hold" in result.output


def test_check_finds_a_cyclic_genealogy_and_a_wrong_cost(app, history, runner):
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Lot.code, Lot.id)).all())
        db.session.add(LotLink(input_lot_id=ids["CANDLE-1"], output_lot_id=ids["WAX-A"],
                               quantity=Decimal(1), cost=Decimal("6.29")))
        db.session.execute(sa.update(Lot).where(Lot.code == "BASE-1")
                           .values(unit_cost=Decimal("0.5")))
        db.session.commit()
        rules = {violation.rule for violation in check_all()}
    assert {"genealogy is acyclic", "produced lot cost"} <= rules
    assert runner.invoke(args=["check"]).exit_code == 1
