"""Reports: inventory value, production cost per batch, material usage and turnover, sales
with their cost of goods and margin, and the movement history. Each is a few grouped queries
over the ledger and balances."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.domain import order_lifecycle as lifecycle
from shopfloor.domain import sales as sales_rules
from shopfloor.domain.costing import variance, yield_variance
from shopfloor.domain.quantities import ZERO, round_money
from shopfloor.extensions import db
from shopfloor.models.master import Customer, Item, Location
from shopfloor.models.production import ProductionOrder
from shopfloor.models.sales import SalesOrder, SalesOrderLine
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.stock import Balance, Lot, StockMove
from shopfloor.models.users import User
from shopfloor.services.availability import ON_HAND

CATEGORIES = ("materials", "intermediates", "wip", "finished")
_KIND_CATEGORY = {"material": "materials", "intermediate": "intermediates",
                  "product": "finished"}


# --- valuation -------------------------------------------------------------------------------

@dataclass
class ValuedLot:
    code: str
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal  # exact


@dataclass
class ValuedItem:
    sku: str
    name: str
    unit: str
    category: str
    quantity: Decimal = ZERO
    value: Decimal = ZERO  # exact
    lots: list[ValuedLot] = field(default_factory=list)


@dataclass
class Valuation:
    totals: dict[str, Decimal]  # per category, to the cent
    items: list[ValuedItem]

    @property
    def total(self) -> Decimal:
        return sum(self.totals.values(), ZERO)


def category_of(kind: str, location_kind: str) -> str:
    """Stock in an order's work in progress is WIP whatever it is; elsewhere it is valued
    by what the item is."""
    return "wip" if location_kind == "wip" else _KIND_CATEGORY[kind]


def valuation() -> Valuation:
    """Inventory value at lot cost, split into materials, intermediates, work in progress
    and finished goods, down to item and lot. Each category is rounded to the cent once,
    and the total is their sum, so the parts always add up to it."""
    rows = db.session.execute(
        sa.select(Item.sku, Item.name, Item.unit, Item.kind, Location.kind, Lot.code,
                  Lot.unit_cost, sa.func.sum(Balance.quantity))
        .join(Lot, Lot.id == Balance.lot_id).join(Item, Item.id == Balance.item_id)
        .join(Location, Location.id == Balance.location_id)
        .where(ON_HAND)
        .group_by(Item.sku, Item.name, Item.unit, Item.kind, Location.kind, Lot.code,
                  Lot.unit_cost)
        .order_by(Item.sku, Lot.code)).all()
    exact = dict.fromkeys(CATEGORIES, ZERO)
    items: dict[tuple[str, str], ValuedItem] = {}
    for sku, name, unit, kind, location_kind, code, unit_cost, quantity in rows:
        category = category_of(kind, location_kind)
        value = quantity * unit_cost
        exact[category] += value
        entry = items.setdefault((category, sku), ValuedItem(sku, name, unit, category))
        entry.quantity += quantity
        entry.value += value
        entry.lots.append(ValuedLot(code, quantity, unit_cost, value))
    return Valuation({name: round_money(total) for name, total in exact.items()},
                     sorted(items.values(), key=lambda i: (CATEGORIES.index(i.category),
                                                           i.sku)))


def valuation_from_ledger() -> dict[str, Decimal]:
    """The same split computed from the ledger alone (every move's signed quantity at its
    lot's cost), not from balances: an independent check of the valuation."""
    signed = sa.union_all(
        sa.select(StockMove.lot_id.label("lot_id"), StockMove.to_location_id.label("loc"),
                  StockMove.quantity.label("qty")).where(StockMove.to_location_id.is_not(None)),
        sa.select(StockMove.lot_id, StockMove.from_location_id, -StockMove.quantity)
        .where(StockMove.from_location_id.is_not(None))).subquery()
    rows = db.session.execute(
        sa.select(Item.kind, Location.kind, Lot.unit_cost, sa.func.sum(signed.c.qty))
        .select_from(signed).join(Lot, Lot.id == signed.c.lot_id)
        .join(Item, Item.id == Lot.item_id).join(Location, Location.id == signed.c.loc)
        .group_by(Lot.id, Item.kind, Location.kind, Lot.unit_cost)).all()
    exact = dict.fromkeys(CATEGORIES, ZERO)
    for kind, location_kind, unit_cost, quantity in rows:
        exact[category_of(kind, location_kind)] += quantity * unit_cost
    return {name: round_money(total) for name, total in exact.items()}


# --- production cost per batch -------------------------------------------------------------------

@dataclass
class BatchCost:
    order: ProductionOrder
    unit_cost: Decimal | None
    material_variance: list  # UsageVariance per component
    yield_variance: object | None


def batch_costs(since: date | None = None, limit: int = 200) -> list[BatchCost]:
    """Completed orders with their cost split and plan versus actual (material usage and
    yield), newest first."""
    query = (sa.select(ProductionOrder).where(ProductionOrder.status == lifecycle.COMPLETED)
             .options(sa.orm.selectinload(ProductionOrder.requirements),
                      sa.orm.joinedload(ProductionOrder.item),
                      sa.orm.joinedload(ProductionOrder.output_lot))
             .order_by(ProductionOrder.completed_at.desc()).limit(limit))
    if since:
        query = query.where(ProductionOrder.completed_at >= datetime.combine(since,
                                                                             datetime.min.time()))
    result = []
    for order in db.session.scalars(query):
        planned = {req.item.sku: req.required for req in order.requirements}
        actual = {req.item.sku: req.consumed for req in order.requirements}
        result.append(BatchCost(order, order.output_lot.unit_cost if order.output_lot else None,
                                variance(planned, actual),
                                yield_variance(order.planned_quantity,
                                               order.produced_quantity)))
    return result


# --- usage, turnover, days of cover ---------------------------------------------------------

@dataclass
class Usage:
    item: Item
    weeks: list[tuple[date, Decimal]]  # week start, quantity used (consumed or shipped)
    used: Decimal
    on_hand: Decimal
    days: int

    @property
    def daily(self) -> Decimal:
        return self.used / self.days if self.days else ZERO

    @property
    def days_of_cover(self) -> Decimal | None:
        """How long stock lasts at the recent rate of use (None: not used lately)."""
        return (self.on_hand / self.daily).quantize(Decimal("0.1")) if self.daily else None

    @property
    def turnover(self) -> Decimal | None:
        """Used in the period over what is on hand (annualised)."""
        if not self.on_hand:
            return None
        return (self.used / self.on_hand * Decimal(365) / self.days).quantize(Decimal("0.01"))


def usage(weeks: int = 12, on: date | None = None, item_ids=None) -> list[Usage]:
    """What each item used per week (consumed by production or shipped) over the last
    `weeks` weeks, with turnover and days of cover."""
    on = on or date.today()
    start = on - timedelta(days=on.weekday()) - timedelta(weeks=weeks - 1)
    rows = db.session.execute(
        sa.select(Lot.item_id, StockMove.created_at, StockMove.quantity)
        .join(Lot, Lot.id == StockMove.lot_id)
        .where(StockMove.reason.in_(("consume", "ship")),
               StockMove.created_at >= datetime.combine(start, datetime.min.time())))
    per_item: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for item_id, created_at, quantity in rows:
        week = created_at.date() - timedelta(days=created_at.weekday())
        per_item[item_id][week] += quantity
    on_hand = dict(db.session.execute(
        sa.select(Balance.item_id, sa.func.sum(Balance.quantity))
        .join(Location, Location.id == Balance.location_id).where(Location.kind != "wip")
        .group_by(Balance.item_id)).all())
    query = sa.select(Item).where(Item.archived.is_(False)).order_by(Item.sku)
    if item_ids is not None:
        query = query.where(Item.id.in_(list(item_ids)))
    week_starts = [start + timedelta(weeks=n) for n in range(weeks)]
    days = (on - start).days + 1
    result = []
    for item in db.session.scalars(query):
        used_by_week = per_item.get(item.id, {})
        series = [(week, used_by_week.get(week, ZERO)) for week in week_starts]
        result.append(Usage(item, series, sum((q for _, q in series), ZERO),
                            on_hand.get(item.id, ZERO), days))
    return result


# --- movement history ---------------------------------------------------------------------

# --- sales, cost of goods sold and margin ------------------------------------------------------

@dataclass
class SalesReport:
    start: date
    end: date
    by_product: list[sales_rules.SalesTotal]
    by_customer: list[sales_rules.SalesTotal]
    by_order: list[sales_rules.SalesTotal]
    units: dict[str, str]  # product SKU → its unit


@dataclass(frozen=True)
class SoldRow:
    shipped_on: date
    shipment: str
    lot: str
    unit: str
    sold: sales_rules.Sold


def sold_between(start: date, end: date, *, order_id: int | None = None) -> list[SoldRow]:
    """Every shipped lot quantity from `start` to `end` (inclusive; or of one sales order,
    whenever shipped), at the price of the order's line of its item and the lot's cost."""
    price = (sa.select(SalesOrderLine.price)
             .where(SalesOrderLine.order_id == Shipment.sales_order_id,
                    SalesOrderLine.item_id == Lot.item_id)
             .order_by(SalesOrderLine.position).limit(1).correlate(Shipment, Lot)
             .scalar_subquery())
    query = (sa.select(Shipment.shipped_on, Shipment.number, Lot.code, Item.sku, Item.unit,
                       Customer.name, SalesOrder.number, ShipmentLine.quantity, price,
                       Lot.unit_cost)
             .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
             .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
             .join(Customer, Customer.id == Shipment.customer_id)
             .outerjoin(SalesOrder, SalesOrder.id == Shipment.sales_order_id)
             .order_by(Shipment.shipped_on, Shipment.id, ShipmentLine.id))
    if order_id is not None:
        query = query.where(Shipment.sales_order_id == order_id)
    else:
        query = query.where(Shipment.shipped_on.between(start, end))
    return [SoldRow(shipped_on, shipment, lot, unit,
                    sales_rules.Sold(sku, customer, order, quantity, unit_price, unit_cost))
            for shipped_on, shipment, lot, sku, unit, customer, order, quantity, unit_price,
            unit_cost in db.session.execute(query)]


def sales(start: date, end: date) -> SalesReport:
    """Sales by product, by customer and by order over a period: revenue at the orders'
    prices, cost of goods sold at the actual cost of the lots shipped, and the margin."""
    rows = sold_between(start, end)
    sold = [row.sold for row in rows]
    return SalesReport(start, end,
                       sales_rules.sales_totals(sold, lambda s: s.item),
                       sales_rules.sales_totals(sold, lambda s: s.customer),
                       sales_rules.sales_totals(sold, lambda s: s.order),
                       {row.sold.item: row.unit for row in rows})


def order_margin(order: SalesOrder) -> sales_rules.SalesTotal | None:
    """What an order's shipments earned and cost so far (None before the first)."""
    totals = sales_rules.sales_totals((row.sold for row in sold_between(
        date.min, date.max, order_id=order.id)), lambda s: s.order)
    return totals[0] if totals else None


@dataclass
class MoveFilter:
    item: str | None = None
    lot: str | None = None
    location: str | None = None
    reason: str | None = None
    user: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def movements(flt: MoveFilter, *, before_id: int | None = None, limit: int = 100):
    """The ledger, newest first, filtered; `before_id` pages backwards."""
    from_location = sa.orm.aliased(Location)
    to_location = sa.orm.aliased(Location)
    query = (sa.select(StockMove, Lot.code, Item.sku, Item.unit, from_location.code,
                       to_location.code, User.username)
             .join(Lot, Lot.id == StockMove.lot_id).join(Item, Item.id == Lot.item_id)
             .outerjoin(from_location, from_location.id == StockMove.from_location_id)
             .outerjoin(to_location, to_location.id == StockMove.to_location_id)
             .outerjoin(User, User.id == StockMove.user_id)
             .order_by(StockMove.id.desc()))
    if flt.item:
        query = query.where(Item.sku == flt.item)
    if flt.lot:
        query = query.where(Lot.code == flt.lot)
    if flt.location:
        query = query.where(sa.or_(from_location.code == flt.location,
                                   to_location.code == flt.location))
    if flt.reason:
        query = query.where(StockMove.reason == flt.reason)
    if flt.user:
        query = query.where(User.username == flt.user)
    if flt.date_from:
        query = query.where(StockMove.created_at >= datetime.combine(flt.date_from,
                                                                     datetime.min.time()))
    if flt.date_to:
        query = query.where(StockMove.created_at <= datetime.combine(flt.date_to,
                                                                     datetime.max.time()))
    if before_id:
        query = query.where(StockMove.id < before_id)
    if limit:
        query = query.limit(limit)
    else:  # a whole history for an export: stream it in chunks
        query = query.execution_options(yield_per=1000)
    return db.session.execute(query)
