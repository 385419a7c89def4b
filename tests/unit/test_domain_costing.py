"""Costing a production run, and plan against actual."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopfloor.domain.costing import (
    ConsumedLot,
    CostLine,
    UsageVariance,
    cost_of_production,
    variance,
    yield_variance,
)
from shopfloor.domain.errors import ValidationError

D = Decimal


def cost(
    consumed=(),
    *,
    labour_minutes="0",
    labour_rate="0",
    overhead="0",
    recipe_yield="1",
    order_quantity="1",
    produced_quantity="1",
):
    return cost_of_production(
        [ConsumedLot(code, D(quantity), D(unit_cost)) for code, quantity, unit_cost in consumed],
        D(labour_minutes),
        D(labour_rate),
        D(overhead),
        D(recipe_yield),
        D(order_quantity),
        D(produced_quantity),
    )


def test_production_cost_equals_consumed_plus_labour_and_overhead_to_the_cent():
    result = cost(
        [("WAX-1", "2992.5", "0.0123"), ("JAR-1", "20", "1.15"), ("WICK-1", "20", "0.085")],
        labour_minutes="30",
        labour_rate="42.50",
        overhead="5",
        recipe_yield="10",
        order_quantity="20",
        produced_quantity="20",
    )
    # 36.80775 -> 36.81; 23.00; 1.70; labour 30/60 x 42.50 x 2 = 42.50; overhead 10.00
    assert [line.cost for line in result.lines] == [D("36.81"), D("23.00"), D("1.70")]
    assert result.material_cost == D("61.51")
    assert (result.labour_cost, result.overhead_cost) == (D("42.50"), D("10.00"))
    assert result.total_cost == D("114.01")
    assert (
        result.total_cost
        == sum(line.cost for line in result.lines) + result.labour_cost + result.overhead_cost
    )


def test_each_consumed_line_is_rounded_to_the_cent_half_up():
    result = cost([("A", "1", "0.005"), ("B", "1", "0.0049")])
    assert [line.cost for line in result.lines] == [D("0.01"), D("0.00")]
    assert result.total_cost == D("0.01")


def test_labour_and_overhead_scale_with_order_quantity_over_yield():
    result = cost(
        labour_minutes="90",
        labour_rate="20",
        overhead="4",
        recipe_yield="12",
        order_quantity="30",
        produced_quantity="30",
    )
    # 2.5 runs of the recipe: labour 1.5 h x 20 x 2.5 = 75, overhead 4 x 2.5 = 10
    assert (result.labour_cost, result.overhead_cost) == (D("75.00"), D("10.00"))


def test_labour_and_overhead_are_each_rounded_to_the_cent():
    result = cost(
        labour_minutes="7", labour_rate="10", overhead="1", recipe_yield="3", order_quantity="1"
    )
    # labour 7/60 x 10 / 3 = 0.3888..., overhead 1/3 = 0.3333...
    assert (result.labour_cost, result.overhead_cost) == (D("0.39"), D("0.33"))
    assert result.total_cost == D("0.72")


def test_unit_cost_is_total_over_produced_quantity_to_six_places():
    result = cost(
        [("A", "2.333", "0.017")],
        labour_minutes="30",
        labour_rate="60",
        overhead="5",
        recipe_yield="10",
        order_quantity="20",
        produced_quantity="19",
    )
    assert result.total_cost == D("70.04")
    assert result.unit_cost == D("3.686316")  # 70.04 / 19 = 3.68631578...


def test_fewer_units_produced_makes_each_cost_more():
    full = cost([("A", "10", "1")], order_quantity="10", produced_quantity="10")
    short = cost([("A", "10", "1")], order_quantity="10", produced_quantity="8")
    assert full.total_cost == short.total_cost
    assert (full.unit_cost, short.unit_cost) == (D(1), D("1.25"))


@pytest.mark.parametrize("produced", ["0", "-1"])
def test_produced_quantity_must_be_greater_than_zero(produced):
    with pytest.raises(ValidationError) as error:
        cost([("A", "1", "1")], produced_quantity=produced)
    assert error.value.field == "quantity"


def test_same_lot_consumed_from_two_places_is_one_line():
    result = cost([("A", "1.333", "0.017"), ("B", "1", "2"), ("A", "1", "0.017")])
    assert result.lines == (CostLine("A", D("2.333"), D("0.04")), CostLine("B", D(1), D("2.00")))


def test_lot_returned_in_full_is_not_a_cost_line():
    result = cost([("A", "0", "3"), ("B", "1", "2")])
    assert [line.lot_code for line in result.lines] == ["B"]


def test_negative_consumption_is_refused():
    with pytest.raises(ValidationError):
        cost([("A", "-1", "3")])


def test_nothing_consumed_and_no_labour_costs_zero():
    result = cost()
    assert (result.total_cost, result.unit_cost, result.lines) == (D("0.00"), D(0), ())


money = st.decimals(min_value=0, max_value=1000, places=6)
amounts = st.decimals(min_value=0, max_value=10**6, places=6)
positive = st.decimals(min_value=D("0.001"), max_value=10**4, places=3)


@given(
    st.lists(st.tuples(st.sampled_from(["L1", "L2", "L3", "L4"]), amounts, money), max_size=8),
    st.decimals(min_value=0, max_value=600, places=2),
    money,
    money,
    positive,
    positive,
    positive,
)
def test_total_is_the_exact_sum_of_cent_rounded_parts(
    consumed, minutes, rate, overhead, recipe_yield, ordered, produced
):
    result = cost_of_production(
        [ConsumedLot(code, quantity, unit_cost) for code, quantity, unit_cost in consumed],
        minutes,
        rate,
        overhead,
        recipe_yield,
        ordered,
        produced,
    )
    parts = [line.cost for line in result.lines] + [result.labour_cost, result.overhead_cost]
    assert all(part == part.quantize(D("0.01")) for part in parts)
    assert result.total_cost == sum(parts)
    assert result.material_cost == sum(line.cost for line in result.lines)
    exact_material = sum(Fraction(q) * Fraction(c) for _, q, c in consumed)
    assert abs(Fraction(result.material_cost) - exact_material) <= Fraction(1, 200) * len(
        result.lines
    )
    assert abs(
        Fraction(result.unit_cost) * Fraction(produced) - Fraction(result.total_cost)
    ) <= Fraction(produced) / (2 * 10**6)


def test_usage_variance_per_item_with_unplanned_items_last():
    rows = variance({"WAX": D(1000), "JAR": D(20)}, {"JAR": D(22), "WAX": D(950), "DYE": D(3)})
    assert rows == [
        UsageVariance("WAX", D(1000), D(950), D(-50), D("-5.00")),
        UsageVariance("JAR", D(20), D(22), D(2), D("10.00")),
        UsageVariance("DYE", D(0), D(3), D(3), None),
    ]


def test_planned_item_not_used_is_a_full_negative_variance():
    assert variance({"WICK": D(10)}, {}) == [
        UsageVariance("WICK", D(10), D(0), D(-10), D("-100.00"))
    ]


def test_yield_variance_is_absolute_and_percent():
    result = yield_variance(D(120), D(113))
    assert (result.difference, result.percent) == (D(-7), D("-5.83"))


def test_yield_variance_needs_a_planned_quantity():
    with pytest.raises(ValidationError):
        yield_variance(D(0), D(5))


def test_scrapped_material_is_charged_to_the_batch_in_lines_of_its_own():
    """Material lost in the run is part of what the batch cost: costed per lot like a
    consumed one, to the cent, and added to the material cost (never to the genealogy's
    consumed lines)."""
    result = cost_of_production(
        [ConsumedLot("WAX-1", D("880"), D("0.0042"))], D("30"), D("20"), D("1.50"),
        D("1000"), D("1000"), D("900"),
        scrapped=[ConsumedLot("WAX-1", D("15"), D("0.0042")),
                  ConsumedLot("WAX-1", D("5"), D("0.0042")),
                  ConsumedLot("OIL-1", D("5"), D("0.064"))])
    assert result.lines == (CostLine("WAX-1", D("880"), D("3.70")),)
    assert result.scrap_lines == (CostLine("WAX-1", D("20"), D("0.08")),
                                  CostLine("OIL-1", D("5"), D("0.32")))
    assert result.material_cost == D("4.10")
    assert result.total_cost == D("4.10") + D("10.00") + D("1.50")
    assert result.unit_cost == D("0.017333")  # 15.60 / 900
