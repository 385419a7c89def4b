"""Sales orders: what a customer ordered, what is held for it, what it still misses
(docs/ARCHITECTURE.md, "Availability": a sales order is one more holder in the one pool of
reservations).

Pure functions over plain values, like `fefo` and `recipes`: the service loads the order and
the stock, asks here what to do, and owns the transaction. Nothing here reads a database or
a clock (`today` is passed in).

Rules:
- The lifecycle is `draft → confirmed → partially_shipped → shipped | cancelled`. Only a
  draft is confirmed; an order is shipped against and planned once confirmed (and while
  partially shipped); anything not yet shipped in full or cancelled may be cancelled.
- Confirming reserves, line by line in order, as much of each line as is available; what
  is missing is the line's shortage. Lines of the same item share what is available, so two
  lines never both count the same units.
- A shipment counts against the order's lines of its lot's item; shipping more than a line
  still awaits is refused (409) and a lot of an item the order does not hold is refused.
- Shipping suggestions are first to expire among the lots with at least the order's minimum
  remaining shelf life left on the day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from . import fefo
from . import recipes as rules
from .errors import Conflict, ValidationError
from .messages import t, word
from .quantities import ZERO, format_quantity

DRAFT = "draft"
CONFIRMED = "confirmed"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"
CANCELLED = "cancelled"
STATUSES = (DRAFT, CONFIRMED, PARTIALLY_SHIPPED, SHIPPED, CANCELLED)
OPEN_STATUSES = (DRAFT, CONFIRMED, PARTIALLY_SHIPPED)
# Statuses in which an order holds stock (draft holds nothing yet).
HOLDING_STATUSES = (CONFIRMED, PARTIALLY_SHIPPED)

SOURCES = ("manual", "shopify", "woocommerce", "api")

NUMBER_PREFIX = "SO-"
MAX_SHELF_LIFE_DAYS = 36_500


# --- the lifecycle -----------------------------------------------------------------------

def can_confirm(status: str) -> bool:
    return status == DRAFT


def can_ship(status: str) -> bool:
    return status in HOLDING_STATUSES


def can_plan(status: str) -> bool:
    return status in HOLDING_STATUSES


def can_cancel(status: str) -> bool:
    return status in OPEN_STATUSES


_ALLOWED = {"confirm": can_confirm, "ship": can_ship, "plan": can_plan, "cancel": can_cancel}
_REFUSALS = {
    "confirm": "{order} is {status}; only a draft can be confirmed",
    "ship": "{order} is {status}; only a confirmed order can be shipped against",
    "plan": "{order} is {status}; only a confirmed order can be planned",
    "cancel": "{order} is {status}; it can no longer be cancelled",
}


def check_allowed(action: str, number: str, status: str) -> None:
    """Refuse (409, field `status`) an action the order's status does not allow."""
    if not _ALLOWED[action](status):
        raise Conflict(t(_REFUSALS[action], order=number, status=word(status)), field="status")


def status_after_shipping(lines: Iterable[LineState]) -> str:
    """`shipped` once every line has gone in full, else `partially_shipped` once anything
    has gone, else `confirmed`."""
    lines = list(lines)
    if all(line.shipped >= line.quantity for line in lines):
        return SHIPPED
    if any(line.shipped > 0 for line in lines):
        return PARTIALLY_SHIPPED
    return CONFIRMED


# --- lines, reservations and shortages -------------------------------------------------------

@dataclass(frozen=True)
class LineState:
    """One order line as the rules see it: item by SKU, quantities in its base unit."""

    item: str
    quantity: Decimal
    reserved: Decimal = ZERO
    shipped: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        """Still to ship (the backorder once something has gone)."""
        return max(self.quantity - self.shipped, ZERO)

    @property
    def shortage(self) -> Decimal:
        """Still to ship and not held in stock."""
        return max(self.outstanding - self.reserved, ZERO)


@dataclass(frozen=True)
class Reservation:
    reserved: Decimal
    shortage: Decimal


def reserve_lines(lines: Sequence[LineState], available: Mapping[str, Decimal]
                  ) -> list[Reservation]:
    """What each line may hold: as much of what it still awaits as is available, lines
    taken in order, each leaving the rest of an item's stock to the lines after it.
    `available` is per item, net of every reservation, these lines' own included (what a
    line already holds is added back to it here)."""
    left = {sku: max(Decimal(quantity), ZERO) for sku, quantity in available.items()}
    result = []
    for line in lines:
        free = left.get(line.item, ZERO) + line.reserved  # what the line holds stays its own
        reserved = min(line.outstanding, free)
        left[line.item] = free - reserved
        result.append(Reservation(reserved, line.outstanding - reserved))
    return result


def line_for_shipment(lines: Sequence[LineState], item: str, quantity: Decimal,
                      number: str) -> int:
    """Which line a shipped lot quantity counts against: the first line of its item that
    still awaits that much. Refused when the order has no line of the item (422, `lot`) or
    when the quantity is more than the order still awaits of it (409, `quantity`)."""
    if quantity <= 0:
        raise ValidationError(t("quantity must be greater than zero"), field="quantity")
    candidates = [index for index, line in enumerate(lines) if line.item == item]
    if not candidates:
        raise ValidationError(t("{order} has no line of {sku}", order=number, sku=item),
                              field="lot", code="not_on_order")
    for index in candidates:
        if lines[index].outstanding >= quantity:
            return index
    awaiting = sum((lines[index].outstanding for index in candidates), ZERO)
    raise Conflict(t("{order} awaits only {quantity} of {sku}; shipping more than ordered is "
                     "refused", order=number, quantity=format_quantity(awaiting), sku=item),
                   field="quantity", code="more_than_ordered")


# --- shelf life and suggestions ---------------------------------------------------------------

def has_shelf_life(expiry: date | None, today: date, min_days: int | None) -> bool:
    """Whether a lot keeps at least `min_days` of shelf life after `today` (a lot without
    an expiry always does)."""
    if not min_days or expiry is None:
        return True
    return expiry >= today + timedelta(days=min_days)


def with_shelf_life(lots: Iterable[fefo.StockLot], today: date, min_days: int | None
                    ) -> list[fefo.StockLot]:
    return [lot for lot in lots if has_shelf_life(lot.expiry, today, min_days)]


def suggest_for_line(lots: Iterable[fefo.StockLot], quantity: Decimal, today: date,
                     min_days: int | None) -> fefo.SuggestionResult:
    """Lots to ship for a line: first to expire (then oldest) among usable lots with the
    minimum shelf life left."""
    return fefo.suggest_lots(with_shelf_life(lots, today, min_days), quantity, today)


# --- can we make the shortage? ----------------------------------------------------------------

@dataclass(frozen=True)
class CanMake:
    """Whether the stock makes a line's shortage now through every recipe level, and if not,
    how much of it (`makeable`, at most the shortage) and what limits it. `makeable` is
    None for an item without a recipe (it can only be bought)."""

    makeable: Decimal | None
    limiting: str | None
    covers: bool


def can_make_now(recipes: Mapping[str, rules.Recipe], item: str, shortage: Decimal,
                 available: Mapping[str, Decimal], whole: bool = False) -> CanMake:
    if item not in recipes:
        return CanMake(None, None, shortage <= 0)
    # Searched up to the shortage only: whether it can be made, and if not, how much can.
    quantity, limiting = rules.can_make(recipes, item, available, at_most=shortage,
                                        **({"places": 0} if whole else {}))
    covers = quantity >= shortage
    return CanMake(quantity, None if covers else limiting, covers)


@dataclass(frozen=True)
class PlannedOrder:
    item: str
    quantity: Decimal
    for_line: bool  # the order's own line's item (not an intermediate it needs)


def plan_for_shortage(recipes: Mapping[str, rules.Recipe], item: str, shortage: Decimal,
                      available: Mapping[str, Decimal]) -> list[PlannedOrder]:
    """Production orders to make a line's shortage: one for the item itself and one for
    each intermediate it needs (at any level) that stock does not cover, sized to what is
    missing. Nothing for an item without a recipe (it is bought, not made)."""
    return plan_for_shortages(recipes, [(item, shortage)], available)[0]


def plan_for_shortages(recipes: Mapping[str, rules.Recipe],
                       shortages: Sequence[tuple[str, Decimal]],
                       available: Mapping[str, Decimal]) -> list[list[PlannedOrder]]:
    """`plan_for_shortage` for several lines, in order, sharing the stock: what one line's
    plan takes of an intermediate (or material) in stock is not counted again for the next."""
    left = {sku: max(Decimal(quantity), ZERO) for sku, quantity in available.items()}
    plans = []
    for item, shortage in shortages:
        if shortage <= 0 or item not in recipes:
            plans.append([])
            continue
        orders = [PlannedOrder(item, shortage, True)]
        for row in rules.explode(recipes, item, shortage, left):
            left[row.item] = row.available - min(row.required, row.available)
            if row.shortage > 0 and row.item in recipes:
                orders.append(PlannedOrder(row.item, row.shortage, False))
        plans.append(orders)
    return plans


# --- what was sold, what it cost, what it earned ------------------------------------------------

@dataclass(frozen=True)
class Sold:
    """One shipped lot quantity as the sales report sees it: at the order line's price (None
    when shipped without an order, or the line has no price) and at the lot's own cost."""

    item: str
    customer: str
    order: str | None
    quantity: Decimal
    price: Decimal | None
    unit_cost: Decimal


@dataclass
class SalesTotal:
    """Revenue and cost of goods sold of one product, customer or order. The margin is
    against the prices: goods shipped without a price count in `cost` and `unpriced` but
    not in the margin, which would otherwise read as a loss."""

    key: str
    quantity: Decimal = ZERO
    revenue: Decimal = ZERO
    cost: Decimal = ZERO
    priced_cost: Decimal = ZERO
    unpriced: Decimal = ZERO

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.priced_cost

    @property
    def margin_percent(self) -> Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(Decimal("0.1"))

    def add(self, sold: Sold) -> None:
        cost = sold.quantity * sold.unit_cost
        self.quantity += sold.quantity
        self.cost += cost
        if sold.price is None:
            self.unpriced += sold.quantity
        else:
            self.revenue += sold.quantity * sold.price
            self.priced_cost += cost


def sales_totals(sold: Iterable[Sold], key) -> list[SalesTotal]:
    """Totals per `key(sold)` (a product, a customer, an order), largest revenue first.
    Exact: rounding to the cent is for showing."""
    totals: dict[str, SalesTotal] = {}
    for row in sold:
        name = key(row)
        if name is None:
            continue
        totals.setdefault(name, SalesTotal(name)).add(row)
    return sorted(totals.values(), key=lambda total: (-total.revenue, -total.cost, total.key))
