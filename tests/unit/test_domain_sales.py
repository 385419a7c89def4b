"""Sales orders: lifecycle, reserving lines from what is available, shipping against lines,
minimum shelf life and FEFO suggestions, can-make and planning through recipe levels."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shopfloor.domain import sales
from shopfloor.domain.errors import Conflict, ValidationError
from shopfloor.domain.fefo import LotLocation, StockLot
from shopfloor.domain.recipes import Recipe, RecipeLine
from shopfloor.domain.sales import LineState

D = Decimal
TODAY = date(2026, 12, 2)


# --- lifecycle ---------------------------------------------------------------------------

@pytest.mark.parametrize("status, confirm, ship, plan, cancel", [
    ("draft", True, False, False, True),
    ("confirmed", False, True, True, True),
    ("partially_shipped", False, True, True, True),
    ("shipped", False, False, False, False),
    ("cancelled", False, False, False, False),
])
def test_each_status_allows_only_its_next_steps(status, confirm, ship, plan, cancel):
    assert sales.can_confirm(status) is confirm
    assert sales.can_ship(status) is ship
    assert sales.can_plan(status) is plan
    assert sales.can_cancel(status) is cancel


def test_confirming_a_cancelled_order_is_refused_naming_the_status():
    with pytest.raises(Conflict) as refused:
        sales.check_allowed("confirm", "SO-000001", "cancelled")
    assert refused.value.field == "status"
    assert "SO-000001" in refused.value.message


def test_an_order_is_shipped_when_every_line_went_in_full():
    assert sales.status_after_shipping([LineState("A", D(2), shipped=D(2)),
                                        LineState("B", D(1), shipped=D(1))]) == "shipped"


def test_an_order_with_something_still_to_ship_is_partially_shipped():
    assert sales.status_after_shipping([LineState("A", D(2), shipped=D(2)),
                                        LineState("B", D(1))]) == "partially_shipped"


def test_an_order_with_nothing_shipped_stays_confirmed():
    assert sales.status_after_shipping([LineState("A", D(2))]) == "confirmed"


# --- reserving --------------------------------------------------------------------------------

def test_confirm_reserves_as_much_as_is_available_and_the_rest_is_the_shortage():
    [line] = sales.reserve_lines([LineState("CANDLE", D(10))], {"CANDLE": D(7)})
    assert (line.reserved, line.shortage) == (D(7), D(3))


def test_a_line_fully_available_has_no_shortage():
    [line] = sales.reserve_lines([LineState("CANDLE", D(4))], {"CANDLE": D(7)})
    assert (line.reserved, line.shortage) == (D(4), D(0))


def test_lines_of_one_item_share_what_is_available_in_order():
    first, second = sales.reserve_lines([LineState("CANDLE", D(5)), LineState("CANDLE", D(5))],
                                        {"CANDLE": D(7)})
    assert (first.reserved, second.reserved, second.shortage) == (D(5), D(2), D(3))


def test_nothing_available_reserves_nothing():
    [line] = sales.reserve_lines([LineState("CANDLE", D(5))], {})
    assert (line.reserved, line.shortage) == (D(0), D(5))


def test_what_a_line_already_holds_stays_its_own_when_reserving_again():
    [line] = sales.reserve_lines([LineState("CANDLE", D(5), reserved=D(3))], {"CANDLE": D(1)})
    assert (line.reserved, line.shortage) == (D(4), D(1))


def test_shipped_part_of_a_line_is_not_reserved_again():
    [line] = sales.reserve_lines([LineState("CANDLE", D(5), shipped=D(4))], {"CANDLE": D(9)})
    assert (line.reserved, line.shortage) == (D(1), D(0))


def test_shortage_is_what_is_still_to_ship_and_not_held():
    line = LineState("CANDLE", D(10), reserved=D(3), shipped=D(4))
    assert (line.outstanding, line.shortage) == (D(6), D(3))


# --- shipping against lines ---------------------------------------------------------------

def test_a_shipment_counts_against_the_line_of_its_item():
    lines = [LineState("SOAP", D(5)), LineState("CANDLE", D(5))]
    assert sales.line_for_shipment(lines, "CANDLE", D(5), "SO-000001") == 1


def test_shipping_more_than_ordered_is_refused_with_409():
    with pytest.raises(Conflict) as refused:
        sales.line_for_shipment([LineState("CANDLE", D(5), shipped=D(3))], "CANDLE", D(3),
                                "SO-000001")
    assert refused.value.status == 409
    assert refused.value.field == "quantity"


def test_shipping_exactly_what_remains_is_allowed():
    assert sales.line_for_shipment([LineState("CANDLE", D(5), shipped=D(3))], "CANDLE", D(2),
                                   "SO-000001") == 0


def test_a_lot_of_an_item_not_on_the_order_is_refused_naming_the_lot():
    with pytest.raises(ValidationError) as refused:
        sales.line_for_shipment([LineState("CANDLE", D(5))], "SOAP", D(1), "SO-000001")
    assert refused.value.field == "lot"


def test_a_second_line_of_the_same_item_takes_what_the_first_cannot():
    lines = [LineState("CANDLE", D(2), shipped=D(2)), LineState("CANDLE", D(3))]
    assert sales.line_for_shipment(lines, "CANDLE", D(3), "SO-000001") == 1


# --- shelf life and suggestions ----------------------------------------------------------------

def lot(code, expiry_days, quantity="10", received_days=-10):
    return StockLot(code, None if expiry_days is None else TODAY + timedelta(days=expiry_days),
                    TODAY + timedelta(days=received_days),
                    locations=(LotLocation("SHELF", D(quantity)),))


def test_a_lot_with_less_shelf_life_than_the_order_asks_is_not_suggested():
    lots = [lot("SHORT", 10), lot("LONG", 90)]
    found = sales.suggest_for_line(lots, D(5), TODAY, min_days=30)
    assert [pick.lot_code for pick in found.picks] == ["LONG"]


def test_a_lot_expiring_exactly_at_the_minimum_shelf_life_qualifies():
    assert sales.has_shelf_life(TODAY + timedelta(days=30), TODAY, 30)
    assert not sales.has_shelf_life(TODAY + timedelta(days=29), TODAY, 30)


def test_a_lot_without_expiry_always_has_shelf_life():
    assert sales.has_shelf_life(None, TODAY, 365)


def test_suggestions_are_first_to_expire_among_qualifying_lots():
    lots = [lot("LATE", 200), lot("SOON", 40), lot("TOO-SOON", 5)]
    found = sales.suggest_for_line(lots, D(15), TODAY, min_days=30)
    assert [(p.lot_code, p.quantity) for p in found.picks] == [("SOON", D(10)), ("LATE", D(5))]


def test_without_a_minimum_every_usable_lot_qualifies():
    found = sales.suggest_for_line([lot("TOO-SOON", 5)], D(1), TODAY, min_days=None)
    assert found.picks[0].lot_code == "TOO-SOON"


def test_suggestions_say_what_the_qualifying_lots_cannot_cover():
    found = sales.suggest_for_line([lot("SHORT", 3), lot("LONG", 90, "4")], D(6), TODAY, 30)
    assert found.shortage == D(2)


# --- can we make it? --------------------------------------------------------------------------

def candle_shop():
    """A candle from 200 g of base and a wick; 1000 g of base from 950 g wax and 50 g oil."""
    return {
        "CANDLE": Recipe("CANDLE", D(1), (RecipeLine("BASE", D(200)), RecipeLine("WICK", D(1)))),
        "BASE": Recipe("BASE", D(1000), (RecipeLine("WAX", D(950)), RecipeLine("OIL", D(50)))),
    }


def test_can_make_counts_through_every_recipe_level_and_names_the_limit():
    # 2000 g wax and 100 g oil make 2000 g base = 10 candles: 8 can be made, and the answer
    # stops at the shortage (nothing limits what is asked).
    answer = sales.can_make_now(candle_shop(), "CANDLE", D(8),
                                {"WAX": D(1900), "OIL": D(100), "WICK": D(50)}, whole=True)
    assert (answer.makeable, answer.covers, answer.limiting) == (D(8), True, None)
    # 12 cannot: 10 can, and wax or oil stops the eleventh.
    answer = sales.can_make_now(candle_shop(), "CANDLE", D(12),
                                {"WAX": D(1900), "OIL": D(100), "WICK": D(50)}, whole=True)
    assert (answer.makeable, answer.covers) == (D(10), False)
    assert answer.limiting in ("WAX", "OIL")


def test_can_make_says_when_the_shortage_cannot_be_made_and_what_limits_it():
    answer = sales.can_make_now(candle_shop(), "CANDLE", D(8),
                                {"WAX": D(9500), "OIL": D(500), "WICK": D(3)}, whole=True)
    assert (answer.makeable, answer.limiting, answer.covers) == (D(3), "WICK", False)


def test_an_item_without_a_recipe_cannot_be_made():
    answer = sales.can_make_now(candle_shop(), "WICK", D(1), {"WICK": D(0)})
    assert answer.makeable is None and not answer.covers


def test_planning_a_shortage_makes_the_item_and_each_missing_intermediate():
    planned = sales.plan_for_shortage(candle_shop(), "CANDLE", D(5), {"BASE": D(400)})
    assert [(p.item, p.quantity, p.for_line) for p in planned] == [
        ("CANDLE", D(5), True), ("BASE", D(600), False)]


def test_planning_uses_intermediates_in_stock_before_making_more():
    planned = sales.plan_for_shortage(candle_shop(), "CANDLE", D(5), {"BASE": D(1000)})
    assert [p.item for p in planned] == ["CANDLE"]


def test_nothing_is_planned_for_a_bought_item_or_no_shortage():
    assert sales.plan_for_shortage(candle_shop(), "WICK", D(5), {}) == []
    assert sales.plan_for_shortage(candle_shop(), "CANDLE", D(0), {}) == []


def test_lines_planned_together_do_not_count_the_same_intermediate_twice():
    first, second = sales.plan_for_shortages(candle_shop(), [("CANDLE", D(5)), ("CANDLE", D(5))],
                                             {"BASE": D(1000)})
    assert [p.item for p in first] == ["CANDLE"]
    assert [(p.item, p.quantity) for p in second] == [("CANDLE", D(5)), ("BASE", D(1000))]


def test_sales_totals_add_revenue_and_cost_exactly_and_leave_unpriced_goods_out_of_margin():
    sold = [sales.Sold("CANDLE", "Casa", "SO-1", Decimal("3"), Decimal("18.50"), Decimal("3.1")),
            sales.Sold("CANDLE", "Casa", "SO-1", Decimal("2"), Decimal("18.50"), Decimal("2.9")),
            sales.Sold("CANDLE", "Stall", None, Decimal("1"), None, Decimal("3")),
            sales.Sold("SOAP", "Stall", "SO-2", Decimal("0.5"), Decimal("1"), Decimal("0.3333"))]
    product = {t.key: t for t in sales.sales_totals(sold, lambda s: s.item)}
    candle = product["CANDLE"]
    assert (candle.quantity, candle.revenue, candle.cost) == (Decimal("6"), Decimal("92.50"),
                                                              Decimal("18.1"))
    assert candle.unpriced == Decimal("1") and candle.margin == Decimal("77.40")
    assert candle.margin_percent == Decimal("83.7")
    assert product["SOAP"].cost == Decimal("0.16665")  # exact, not rounded to the cent
    by_order = sales.sales_totals(sold, lambda s: s.order)
    assert [t.key for t in by_order] == ["SO-1", "SO-2"]  # no order, no row
    customers = sales.sales_totals(sold, lambda s: s.customer)
    assert [t.key for t in customers] == ["Casa", "Stall"]
    assert customers[1].margin_percent == Decimal("66.7")  # 0.33335 on 0.50
    assert sales.SalesTotal("X").margin_percent is None
