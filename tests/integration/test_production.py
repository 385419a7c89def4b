"""Recipes and production orders on a real database: explosion, reservation, FEFO picks,
completion cost to the cent, genealogy, cancellation."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.domain.errors import Conflict, InsufficientStock, ValidationError
from shopfloor.extensions import db
from shopfloor.models.production import LotLink
from shopfloor.services import production, recipes, stock
from shopfloor.services.invariants import check_all
from shopfloor.services.stock_queries import item_stock
from tests.factories import balance, receive, user


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def _make(app, username, product, quantity, picks, completed):
    """Create, release, pick each (lot, quantity) and complete; return the completion."""
    with app.app_context():
        who = user(app, username)
        number = production.create_order({"product": product, "quantity": quantity}, who).number
        production.release_order(number, who)
        for lot, qty in picks:
            production.pick(number, {"lot": lot, "quantity": qty}, who)
        done = production.complete_order(number, {"quantity": completed, "location": "FG"},
                                         who)
        return number, done.output_lot.code


def test_requirements_scale_from_the_recipe_with_loss(app, workshop):
    with app.app_context():
        order = production.create_order({"product": "BASE", "quantity": "2500"},
                                        user(app, workshop["sup"]))
        required = {req.item.sku: req.required for req in order.requirements}
    assert required == {"WAX": Decimal("2375"), "OIL": Decimal("127.5")}


def test_a_recipe_cycle_is_refused_naming_it(app, workshop):
    with app.app_context(), pytest.raises(ValidationError) as refused:
        recipes.create_recipe({"product": "BASE", "yield_quantity": "1000",
                               "lines": [{"item": "CANDLE", "quantity": "1"}]},
                              user(app, workshop["sup"]))
    assert "BASE → CANDLE → BASE" in refused.value.message


def test_editing_a_recipe_makes_a_new_version_and_orders_keep_theirs(app, workshop):
    with app.app_context():
        sup = user(app, workshop["sup"])
        order = production.create_order({"product": "BASE", "quantity": "1000"}, sup)
        recipes.create_recipe({"product": "BASE", "yield_quantity": "1000",
                               "lines": [{"item": "WAX", "quantity": "1000"}]}, sup)
        order = production.get_order(order.number)
        assert order.recipe.version == 1
        assert recipes.get_recipe(order.item).version == 2


def test_release_reserves_and_stock_shows_it(app, workshop):
    with app.app_context():
        sup = user(app, workshop["sup"])
        number = production.create_order({"product": "BASE", "quantity": "2000"}, sup).number
        production.release_order(number, sup)
        wax = item_stock(stock.get_lot("WAX-OLD").item, date.today())
        assert (wax.on_hand, wax.reserved, wax.available) == (
            Decimal("5000"), Decimal("1900"), Decimal("3100"))


def test_release_is_refused_with_the_shortages_including_a_missing_intermediate(app, workshop):
    with app.app_context():
        sup = user(app, workshop["sup"])
        number = production.create_order({"product": "CANDLE", "quantity": "10"}, sup).number
        with pytest.raises(InsufficientStock) as refused:
            production.release_order(number, sup)
        details = refused.value.details
        assert details["shortages"] == [{"item": "BASE", "required": "1800.000",
                                         "available": "0.000", "shortage": "1800.000"}]
        assert details["plan"] == [{"item": "BASE", "quantity": "1800.000"}]
        assert production.get_order(number).status == "draft"


def test_a_second_order_cannot_reserve_what_the_first_holds(app, workshop):
    with app.app_context():
        sup = user(app, workshop["sup"])
        first = production.create_order({"product": "BASE", "quantity": "4000"}, sup).number
        production.release_order(first, sup)
        second = production.create_order({"product": "BASE", "quantity": "2000"}, sup).number
        with pytest.raises(InsufficientStock):
            production.release_order(second, sup)


def test_suggestions_put_the_sooner_expiring_lot_first_even_if_received_later(app, workshop):
    receive(app, workshop["sup"], "WAX", workshop["shelf"], quantity="1000", unit_cost="0.005",
            expiry=days(20), lot_code="WAX-NEW")
    with app.app_context():
        sup = user(app, workshop["sup"])
        order = production.create_order({"product": "BASE", "quantity": "2000"}, sup)
        production.release_order(order.number, sup)
        found = {s.requirement.item.sku: s.picks for s in production.suggestions(order)}
    assert [(p.lot_code, p.quantity) for p in found["WAX"]] == [
        ("WAX-NEW", Decimal("1000")), ("WAX-OLD", Decimal("900"))]


def test_a_later_lot_is_refused_without_a_reason_and_kept_with_one(app, workshop):
    receive(app, workshop["sup"], "WAX", workshop["shelf"], quantity="1000", unit_cost="0.005",
            expiry=days(20), lot_code="WAX-NEW")
    with app.app_context():
        sup = user(app, workshop["sup"])
        number = production.create_order({"product": "BASE", "quantity": "1000"}, sup).number
        production.release_order(number, sup)
        with pytest.raises(Conflict) as refused:
            production.pick(number, {"lot": "WAX-OLD", "quantity": "950"}, sup)
        assert refused.value.field == "override_reason" and "WAX-NEW" in refused.value.message
        picked = production.pick(number, {"lot": "WAX-OLD", "quantity": "950",
                                          "override_reason": "WAX-NEW is still sealed"}, sup)
        assert picked.override_reason == "WAX-NEW is still sealed"
        assert picked.move.note == "WAX-NEW is still sealed"


@pytest.mark.parametrize("status, code", [("quarantine", "quarantine"),
                                          ("rejected", "rejected")])
def test_a_quarantined_or_rejected_lot_is_refused_saying_why(app, workshop, status, code):
    with app.app_context():
        sup = user(app, workshop["sup"])
        number = production.create_order({"product": "BASE", "quantity": "1000"}, sup).number
        production.release_order(number, sup)
        stock.change_lot_status("OIL-1", {"status": status, "reason": "test"}, sup)
        with pytest.raises(ValidationError) as refused:
            production.pick(number, {"lot": "OIL-1", "quantity": "10"}, sup)
    assert refused.value.status == 422 and refused.value.code == code


def test_an_expired_lot_is_refused(app, workshop):
    receive(app, workshop["sup"], "WAX", workshop["shelf"], quantity="100",
            expiry=days(-1), lot_code="WAX-GONE", accept_expired="1")
    with app.app_context():
        sup = user(app, workshop["sup"])
        stock.change_lot_status("WAX-GONE", {"status": "release", "reason": "checked"}, sup)
        number = production.create_order({"product": "BASE", "quantity": "100"}, sup).number
        production.release_order(number, sup)
        with pytest.raises(ValidationError) as refused:
            production.pick(number, {"lot": "WAX-GONE", "quantity": "95",
                                     "override_reason": "use it up"}, sup)
    assert refused.value.code == "expired" and "expired on" in refused.value.message


def test_picks_move_into_wip_and_reduce_the_reservation(app, workshop):
    with app.app_context():
        sup = user(app, workshop["sup"])
        number = production.create_order({"product": "BASE", "quantity": "1000"}, sup).number
        production.release_order(number, sup)
        production.pick(number, {"lot": "WAX-OLD", "quantity": "600"}, sup)
        order = production.get_order(number)
        wax = next(r for r in order.requirements if r.item.sku == "WAX")
        assert (order.status, wax.picked, wax.reserved) == (
            "in_progress", Decimal("600"), Decimal("350"))
    assert balance(app, "WAX-OLD", f"WIP-{number}") == Decimal("600")
    assert balance(app, "WAX-OLD", "RAW") == Decimal("4400")


def test_the_two_level_candle_costs_exactly_what_it_consumed_plus_labour_and_overhead(
        app, workshop):
    sup = workshop["sup"]
    # Base: 2000 g from 1900 g wax (at 0.0042/g) and 102 ml oil (at 0.064/ml).
    _, base_lot = _make(app, sup, "BASE", "2000", [("WAX-OLD", "1900"), ("OIL-1", "102")],
                        "2000")
    with app.app_context():
        base = stock.get_lot(base_lot)
        # 7.98 wax + 6.53 oil (6.528 rounded) + labour 2 runs x 30 min x 20/h = 20.00
        # + overhead 2 x 1.50 = 3.00  ->  37.51 for 2000 g
        assert base.unit_cost == Decimal("0.018755")
        order = production.get_order(production.find_order_number("MO-000001"))
        assert (order.material_cost, order.labour_cost, order.overhead_cost,
                order.total_cost) == (Decimal("14.51"), Decimal("20.00"), Decimal("3.00"),
                                      Decimal("37.51"))
    number, candle_lot = _make(app, sup, "CANDLE", "10",
                               [(base_lot, "1800"), ("WICK-1", "10"), ("JAR-1", "10")], "10")
    with app.app_context():
        order = production.get_order(number)
        # base 1800 x 0.018755 = 33.759 -> 33.76; wicks 0.90; jars 6.20; labour 18.00;
        # overhead 4.00
        assert order.total_cost == Decimal("62.86")
        assert stock.get_lot(candle_lot).unit_cost == Decimal("6.286")
        links = db.session.execute(sa.select(LotLink.quantity, LotLink.cost).where(
            LotLink.output_lot_id == order.output_lot_id).order_by(LotLink.cost)).all()
        assert sum(cost for _, cost in links) + order.labour_cost + order.overhead_cost == \
            order.total_cost
        assert check_all() == []
    assert balance(app, candle_lot, "FG") == Decimal("10")


def test_completion_consumes_the_work_in_progress_but_what_is_returned_and_releases_reservations(
        app, workshop):
    sup = workshop["sup"]
    with app.app_context():
        who = user(app, sup)
        number = production.create_order({"product": "BASE", "quantity": "1000"}, who).number
        production.release_order(number, who)
        production.pick(number, {"lot": "WAX-OLD", "quantity": "1200"}, who)
        production.pick(number, {"lot": "OIL-1", "quantity": "51"}, who)
        production.complete_order(number, {
            "quantity": "1000", "location": "FG",
            "returns": [{"lot": "WAX-OLD", "quantity": "250", "location": "RAW"}]}, who)
        order = production.get_order(number)
        assert all(req.reserved == 0 for req in order.requirements)
        wax = next(r for r in order.requirements if r.item.sku == "WAX")
        assert wax.consumed == Decimal("950")
        assert item_stock(stock.get_lot("WAX-OLD").item, date.today()).reserved == 0
    assert balance(app, "WAX-OLD", "RAW") == Decimal("4050")  # 5000 - 1200 + 250
    assert balance(app, "WAX-OLD", f"WIP-{number}") == Decimal(0)


def test_cancel_releases_reservations_and_returns_picked_material(app, workshop):
    sup = workshop["sup"]
    with app.app_context():
        who = user(app, sup)
        number = production.create_order({"product": "BASE", "quantity": "1000"}, who).number
        production.release_order(number, who)
        production.pick(number, {"lot": "WAX-OLD", "quantity": "500"}, who)
        production.cancel_order(number, who)
        order = production.get_order(number)
        assert order.status == "cancelled"
        assert all(req.reserved == 0 for req in order.requirements)
        assert check_all() == []
    assert balance(app, "WAX-OLD", "RAW") == Decimal("5000")


def test_an_order_cannot_be_completed_twice(app, workshop):
    number, _ = _make(app, workshop["sup"], "BASE", "1000",
                      [("WAX-OLD", "950"), ("OIL-1", "51")], "1000")
    with app.app_context(), pytest.raises(Conflict):
        production.complete_order(number, {"quantity": "1"}, user(app, workshop["sup"]))


def test_planning_shows_shortages_and_the_orders_they_block(app, workshop):
    with app.app_context():
        sup = user(app, workshop["sup"])
        production.create_order({"product": "BASE", "quantity": "10000"}, sup)
        lines = {line.item.sku: line for line in production.planning()}
        assert lines["WAX"].shortage == Decimal("4500")
        assert lines["WAX"].blocked == ["MO-000001"]


def test_a_bare_scan_of_a_fully_picked_component_asks_for_a_quantity(app, workshop):
    with app.app_context():
        sup = user(app, workshop["sup"])
        number = production.create_order({"product": "BASE", "quantity": "1000"}, sup).number
        production.release_order(number, sup)
        first = production.pick(number, {"lot": "WAX-OLD"}, sup)
        assert first.quantity == Decimal("950")  # what was still needed
        with pytest.raises(ValidationError) as refused:
            production.pick(number, {"lot": "WAX-OLD"}, sup)
        assert refused.value.field == "quantity"
    assert balance(app, "WAX-OLD", f"WIP-{number}") == Decimal("950")


def test_planning_does_not_call_a_released_order_blocked(app, workshop):
    with app.app_context():
        sup = user(app, workshop["sup"])
        number = production.create_order({"product": "BASE", "quantity": "5000"}, sup).number
        production.release_order(number, sup)
        lines = {line.item.sku: line for line in production.planning()}
        assert lines["WAX"].blocked == []


def test_stock_lost_in_a_count_after_release_is_a_warning_not_a_broken_ledger(
        app, workshop, runner):
    from shopfloor.services.invariants import reservation_warnings

    with app.app_context():
        sup = user(app, workshop["sup"])
        number = production.create_order({"product": "BASE", "quantity": "5000"}, sup).number
        production.release_order(number, sup)
        stock.count_stock("RAW", [stock.CountLine("WAX-OLD", Decimal("4000"))], sup,
                          reason="bag split")
        assert check_all() == []
        assert [w.detail for w in reservation_warnings()] == [
            "WAX: 4750 reserved but 4000 on hand"]
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0 and "re-plan" in result.output
