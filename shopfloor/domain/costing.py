"""What a production run cost, and how it differed from the plan (docs/ARCHITECTURE.md,
"Costing a completion").

A produced lot costs exactly what it consumed plus labour and overhead — and what the run
scrapped: material lost in production is charged to the batch that lost it. Every part is
rounded to the cent once, where it arises — each consumed or scrapped lot line, the labour,
the overhead — and the total is the exact sum of those rounded parts, so the cost report adds
up to the cent with the consumed lines beside it. Only the per-unit cost, which the lot
keeps per base unit, has more places (six, half up).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .errors import ValidationError
from .messages import t
from .quantities import MONEY_PLACES, ZERO, exact, round_fraction, round_money

PERCENT_PLACES = 2


@dataclass(frozen=True)
class ConsumedLot:
    lot_code: str
    quantity: Decimal  # in the item's base unit
    unit_cost: Decimal  # per base unit


@dataclass(frozen=True)
class CostLine:
    lot_code: str
    quantity: Decimal
    cost: Decimal  # to the cent


@dataclass(frozen=True)
class ProductionCost:
    material_cost: Decimal
    labour_cost: Decimal
    overhead_cost: Decimal
    total_cost: Decimal
    unit_cost: Decimal  # per base unit of the product, six places
    lines: tuple[CostLine, ...]
    scrap_lines: tuple[CostLine, ...] = ()  # material lost in the run, part of material_cost


def cost_of_production(
    consumed: Iterable[ConsumedLot],
    labour_minutes: Decimal,
    labour_rate: Decimal,
    overhead: Decimal,
    recipe_yield: Decimal,
    order_quantity: Decimal,
    produced_quantity: Decimal,
    scrapped: Iterable[ConsumedLot] = (),
) -> ProductionCost:
    """Cost a completed order.

    Consumed quantities of the same lot (picked from two places, say) are one line. Labour
    (minutes / 60 x rate per hour) and overhead are given per recipe yield and scale with
    the ORDERED quantity over the yield: the work was planned and done for the order even
    when fewer units came out, and then each unit that did come out costs more.
    `scrapped` lots (written off during the run) are costed like consumed ones, in lines of
    their own, and are part of the material cost.
    """
    if not produced_quantity > 0:
        raise ValidationError(t("produced quantity must be greater than zero"), field="quantity")
    if not recipe_yield > 0:
        raise ValidationError(t("yield quantity must be greater than zero"),
                              field="yield_quantity")
    if order_quantity < 0:
        raise ValidationError(t("order quantity must not be negative"), field="quantity")

    lines = _cost_lines(consumed)
    scrap_lines = _cost_lines(scrapped)
    runs = Fraction(order_quantity) / Fraction(recipe_yield)
    labour_cost = round_fraction(
        Fraction(labour_minutes) / 60 * Fraction(labour_rate) * runs, 2, ROUND_HALF_UP
    )
    overhead_cost = round_fraction(Fraction(overhead) * runs, 2, ROUND_HALF_UP)

    material_cost = sum((line.cost for line in lines + scrap_lines), ZERO)
    total_cost = material_cost + labour_cost + overhead_cost
    unit_cost = round_fraction(
        Fraction(total_cost) / Fraction(produced_quantity), MONEY_PLACES, ROUND_HALF_UP
    )
    return ProductionCost(
        material_cost=round_money(material_cost),
        labour_cost=round_money(labour_cost),
        overhead_cost=round_money(overhead_cost),
        total_cost=round_money(total_cost),
        unit_cost=unit_cost,
        lines=lines,
        scrap_lines=scrap_lines,
    )


def _cost_lines(lots: Iterable[ConsumedLot]) -> tuple[CostLine, ...]:
    """One line per lot (and unit cost), its quantities added up, costed to the cent."""
    merged: dict[tuple[str, Decimal], Decimal] = {}
    for lot in lots:
        if lot.quantity < 0 or lot.unit_cost < 0:
            raise ValidationError(
                t("consumed quantity and cost of {lot} must not be negative", lot=lot.lot_code),
                field="consumed",
            )
        key = (lot.lot_code, lot.unit_cost)
        merged[key] = merged.get(key, ZERO) + lot.quantity
    with exact():  # a product of two stored values fits the context exactly
        return tuple(
            CostLine(lot_code, quantity, round_money(quantity * unit_cost))
            for (lot_code, unit_cost), quantity in merged.items()
            if quantity
        )


@dataclass(frozen=True)
class UsageVariance:
    """Actual minus planned use of one item; `percent` of the plan (None when nothing was
    planned, so any use is unplanned)."""

    item: str
    planned: Decimal
    actual: Decimal
    difference: Decimal
    percent: Decimal | None


@dataclass(frozen=True)
class YieldVariance:
    planned: Decimal
    produced: Decimal
    difference: Decimal  # produced - planned: negative when the run came out short
    percent: Decimal


def variance(planned: Mapping[str, Decimal], actual: Mapping[str, Decimal]) -> list[UsageVariance]:
    """Plan against actual material use, per item: the planned items in plan order, then
    anything used that was not planned."""
    items = list(planned) + sorted(item for item in actual if item not in planned)
    rows = []
    for item in items:
        plan = Decimal(planned.get(item, ZERO))
        used = Decimal(actual.get(item, ZERO))
        with exact():
            difference = used - plan
        rows.append(UsageVariance(item, plan, used, difference, _percent(difference, plan)))
    return rows


def yield_variance(planned_qty: Decimal, produced_qty: Decimal) -> YieldVariance:
    """How far the output fell short of (or beat) the planned quantity."""
    if not planned_qty > 0:
        raise ValidationError(t("planned quantity must be greater than zero"), field="quantity")
    with exact():
        difference = produced_qty - planned_qty
    percent = _percent(difference, planned_qty)
    assert percent is not None
    return YieldVariance(planned_qty, produced_qty, difference, percent)


def _percent(difference: Decimal, base: Decimal) -> Decimal | None:
    if base == 0:
        return None
    return round_fraction(
        Fraction(difference) * 100 / Fraction(base), PERCENT_PLACES, ROUND_HALF_UP
    )


UNUSUAL_COST_FACTOR = 5


def is_unusual_cost(new: Decimal, recent: Decimal, factor: int = UNUSUAL_COST_FACTOR) -> bool:
    """A receipt cost more than `factor` times the item's recent cost, or less than a
    `factor`-th of it: most often a price typed per kg on a per-gram line (or the reverse),
    so the receiver is asked to confirm it before it values the stock."""
    if recent <= 0 or new <= 0:
        return False
    return new > recent * factor or new * factor < recent
