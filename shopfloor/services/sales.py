"""Sales orders (POST /sales-orders and its actions): take an order, confirm it (reserving
from the one pool), plan production for what is short, ship against it, cancel it.

The rules are `domain.sales`; this module loads, locks and commits. A line's `reserved`
is counted by `services.availability.reservations()`, so what a confirmed order holds is
no longer available to anyone else: production, other orders, shipments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shopfloor.database import command
from shopfloor.domain import sales as rules
from shopfloor.domain.errors import DomainError, NotFound, ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import MAX_MAGNITUDE, ZERO
from shopfloor.domain.units import canonical_unit
from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.master import Customer, Item
from shopfloor.models.production import ProductionOrder
from shopfloor.models.sales import SalesOrder, SalesOrderLine
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.stock import Lot
from shopfloor.models.users import User
from shopfloor.services import fields, production, recipes
from shopfloor.services.availability import SALES_ORDER, available_by_item
from shopfloor.services.clock import today
from shopfloor.services.lookups import contains, the_one
from shopfloor.services.master import find_party, get_item
from shopfloor.services.numbering import next_number
from shopfloor.services.sales_holds import reserve_what_is_free

MAX_LINES = 1000


def get_order(number: str, *, lock: bool = False) -> SalesOrder:
    return the_one(SalesOrder, SalesOrder.number, number,
                   lambda: t("no sales order {number}", number=number), "number", lock=lock)


def _holder(order: SalesOrder) -> tuple[str, int]:
    return (SALES_ORDER, order.id)


def list_orders(status: str | None = None, customer: str | None = None,
                limit: int = 500) -> list[SalesOrder]:
    """Newest first. `status` "open" means any status not yet shipped or cancelled;
    `customer` is part of the customer's name."""
    query = (sa.select(SalesOrder)
             .options(selectinload(SalesOrder.customer),
                      selectinload(SalesOrder.lines).selectinload(SalesOrderLine.item))
             .order_by(SalesOrder.id.desc()).limit(limit))
    if status == "open":
        query = query.where(SalesOrder.status.in_(rules.OPEN_STATUSES))
    elif status:
        query = query.where(SalesOrder.status == status)
    if customer:
        query = query.join(Customer, Customer.id == SalesOrder.customer_id).where(
            Customer.name.ilike(contains(customer), escape="\\"))
    return list(db.session.scalars(query))


def shipments_of(order: SalesOrder) -> list[Shipment]:
    return list(db.session.scalars(
        sa.select(Shipment).where(Shipment.sales_order_id == order.id).order_by(Shipment.id)
        .options(selectinload(Shipment.lines).selectinload(ShipmentLine.lot)
                 .selectinload(Lot.item))))


# --- taking an order -------------------------------------------------------------------------

def create_order(data: Mapping, user: User | None, *, source: str = "manual") -> SalesOrder:
    """A draft order for a customer, its lines in the customer's units (kept) and in each
    item's base unit (counted)."""
    with command() as session:
        customer_key = fields.text(data, "customer", required=True)
        try:
            customer = find_party(Customer, customer_key)
        except NotFound:
            raise NotFound(t("no customer {key}", key=customer_key), field="customer") from None
        min_days = fields.integer(data, "min_shelf_life_days", minimum=0,
                                  maximum=rules.MAX_SHELF_LIFE_DAYS)
        raw_lines = data.get("lines")
        if not isinstance(raw_lines, list) or not raw_lines:
            raise ValidationError(t("a sales order needs at least one line"), field="lines")
        if len(raw_lines) > MAX_LINES:
            raise ValidationError(t("a sales order has at most {count} lines", count=MAX_LINES),
                                  field="lines")
        order = SalesOrder(
            number=f"{rules.NUMBER_PREFIX}{next_number(session, 'sales_order'):06d}",
            customer=customer, reference=fields.text(data, "reference", max_length=100),
            due_on=fields.iso_date(data, "due_date"), min_shelf_life_days=min_days,
            status=rules.DRAFT, source=source, created_by_id=user.id if user else None)
        for position, raw in enumerate(raw_lines, start=1):
            try:
                order.lines.append(_line(raw, position))
            except DomainError as error:
                fields.name_the_line(error, position, len(raw_lines))
                raise
        session.add(order)
    return order


def _line(raw, position: int) -> SalesOrderLine:
    if not isinstance(raw, Mapping):
        raise ValidationError(t("each line needs item and quantity"), field="lines")
    item = get_item(fields.text(raw, "item", required=True, max_length=40))
    quantity = fields.quantity_of(raw, "quantity", item)
    if quantity > MAX_MAGNITUDE:
        raise ValidationError(t("quantity is too large"), field="quantity")
    unit = fields.text(raw, "unit", max_length=20)
    return SalesOrderLine(position=position, item=item, quantity=quantity,
                          unit=canonical_unit(unit, "unit") if unit else item.unit,
                          price=fields.money(raw, "price"), reserved=ZERO, shipped=ZERO)


# --- confirming and cancelling ---------------------------------------------------------------

def confirm_order(number: str, user: User | None) -> SalesOrder:
    """Reserve what is available for each line; what is missing is the line's shortage."""
    with command() as session:
        order = get_order(number, lock=True)
        rules.check_allowed("confirm", order.number, order.status)
        reserve_what_is_free(session, order, today())
        order.status = rules.CONFIRMED
        order.confirmed_at = utcnow()
    return order


def cancel_order(number: str, user: User | None) -> SalesOrder:
    """Release everything the order holds; what has shipped stays shipped."""
    with command():
        order = get_order(number, lock=True)
        rules.check_allowed("cancel", order.number, order.status)
        for line in order.lines:
            line.reserved = ZERO
        order.status = rules.CANCELLED
        order.cancelled_at = utcnow()
    return order


# --- planning production for the shortages ---------------------------------------------------

def plan_order(number: str, user: User) -> list[ProductionOrder]:
    """Draft production orders for the lines' shortages and for the intermediates they need
    that stock does not cover, linked to the sales order. Lines of bought items plan
    nothing. What is already planned for the order (open production orders) is counted."""
    with command() as session:
        order = get_order(number, lock=True)
        rules.check_allowed("plan", order.number, order.status)
        reserve_what_is_free(session, order, today())  # hold what arrived since confirming first
        planned = _planned_by_item(order)
        shortages = []
        for line in order.lines:
            state = line.state()
            short = max(state.shortage - planned.get(line.item_id, ZERO), ZERO)
            planned[line.item_id] = max(planned.get(line.item_id, ZERO) - state.shortage, ZERO)
            shortages.append((line.item.sku, short))
        wanted = [sku for sku, short in shortages if short > 0]
        if not wanted:
            return []
        book = recipes.recipe_book_for(wanted)
        skus = set(book) | {line.item for recipe in book.values() for line in recipe.lines}
        ids = dict(session.execute(sa.select(Item.sku, Item.id).where(Item.sku.in_(skus))).all())
        available = available_by_item(ids.values(), today())
        by_sku = {sku: available.get(item_id, ZERO) for sku, item_id in ids.items()}
        created = []
        for plan in rules.plan_for_shortages(book, shortages, by_sku):
            for planned_order in plan:
                made = production.create_order(
                    {"product": planned_order.item, "quantity": str(planned_order.quantity),
                     "due_date": order.due_on.isoformat() if order.due_on else None}, user)
                made.sales_order_id = order.id
                created.append(made)
    return created


def _planned_by_item(order: SalesOrder) -> dict[int, Decimal]:
    """What open production orders planned for this sales order will make, per item."""
    rows = db.session.execute(
        sa.select(ProductionOrder.item_id, sa.func.sum(ProductionOrder.planned_quantity))
        .where(ProductionOrder.sales_order_id == order.id,
               ProductionOrder.status.not_in(("completed", "cancelled")))
        .group_by(ProductionOrder.item_id))
    return {item_id: total for item_id, total in rows}


def production_orders_of(order: SalesOrder) -> list[ProductionOrder]:
    return production_orders_by_order([order])[order.id]


def production_orders_by_order(orders) -> dict[int, list[ProductionOrder]]:
    """The production orders planned for each of `orders`, in one query."""
    found: dict[int, list[ProductionOrder]] = {order.id: [] for order in orders}
    if found:
        for made in db.session.scalars(
                sa.select(ProductionOrder).where(ProductionOrder.sales_order_id.in_(found))
                .options(selectinload(ProductionOrder.item)).order_by(ProductionOrder.id)):
            found[made.sales_order_id].append(made)
    return found


def shipment_numbers_by_order(orders) -> dict[int, list[str]]:
    """The numbers of each order's shipments, in one query."""
    found: dict[int, list[str]] = {order.id: [] for order in orders}
    if found:
        for order_id, number in db.session.execute(
                sa.select(Shipment.sales_order_id, Shipment.number)
                .where(Shipment.sales_order_id.in_(found)).order_by(Shipment.id)):
            found[order_id].append(number)
    return found


# --- what the order page shows ---------------------------------------------------------------

@dataclass(frozen=True)
class LineOutlook:
    """A line as its order page shows it: what it still misses and whether stock would
    make that now (through every recipe level), or None when nothing is missing."""

    line: SalesOrderLine
    shortage: Decimal
    can_make: rules.CanMake | None


def outlook(order: SalesOrder, on: date) -> list[LineOutlook]:
    """Per line: the shortage, and for an open order what stock allows making now. Each
    line is answered on its own (two short lines needing one material each see all of it);
    Plan shares the stock between them."""
    states = [(line, line.state()) for line in order.lines]
    short = {state.item for line, state in states if state.shortage > 0}
    if not short or order.status not in rules.OPEN_STATUSES:
        return [LineOutlook(line, state.shortage, None) for line, state in states]
    book = recipes.recipe_book_for(short)
    skus = set(book) | {line.item for recipe in book.values() for line in recipe.lines}
    rows = db.session.execute(sa.select(Item.sku, Item.id, Item.unit)
                              .where(Item.sku.in_(skus | short))).all()
    available = available_by_item([row.id for row in rows], on)
    by_sku = {row.sku: available.get(row.id, ZERO) for row in rows}
    pieces = {row.sku for row in rows if row.unit == "pcs"}
    return [LineOutlook(line, state.shortage,
                        rules.can_make_now(book, state.item, state.shortage, by_sku,
                                           whole=state.item in pieces)
                        if state.shortage > 0 else None)
            for line, state in states]


def to_ship(on: date) -> list[SalesOrder]:
    """Confirmed orders due by `on` (the late first) that still await something: the
    packers' list for the day."""
    return list(db.session.scalars(
        sa.select(SalesOrder).where(SalesOrder.status.in_(rules.HOLDING_STATUSES),
                                    SalesOrder.due_on <= on)
        .options(selectinload(SalesOrder.customer),
                 selectinload(SalesOrder.lines).selectinload(SalesOrderLine.item))
        .order_by(SalesOrder.due_on, SalesOrder.id).limit(200)))


def late_orders(on: date) -> list[SalesOrder]:
    """Open orders past their due date (not shipped in full, not cancelled)."""
    return list(db.session.scalars(
        sa.select(SalesOrder).where(SalesOrder.status.in_(rules.OPEN_STATUSES),
                                    SalesOrder.due_on < on)
        .options(selectinload(SalesOrder.customer))
        .order_by(SalesOrder.due_on, SalesOrder.id).limit(50)))


# --- shipping against an order (called by services.shipping, inside its command) ------------

def order_to_ship_against(number: str, customer: Customer) -> SalesOrder:
    """The order a shipment counts against, locked; refused when it is not the shipment's
    customer's or cannot be shipped against in its state."""
    order = get_order(number, lock=True)
    if order.customer_id != customer.id:
        raise ValidationError(t("{order} is not an order of {customer}", order=order.number,
                                customer=customer.name), field="sales_order")
    rules.check_allowed("ship", order.number, order.status)
    return order


def count_shipped(order: SalesOrder, item: Item, quantity: Decimal) -> None:
    """A shipped quantity of `item` counts against the order's line of it: shipped goes up,
    and what the line held is used first. Refused when the order has no such line or
    awaits less (`domain.sales.line_for_shipment`)."""
    lines = order.lines
    index = rules.line_for_shipment([line.state() for line in lines], item.sku, quantity,
                                    order.number)
    line = lines[index]
    line.shipped += quantity
    line.reserved = max(min(line.reserved - quantity, line.quantity - line.shipped), ZERO)


def after_shipping(order: SalesOrder) -> None:
    order.status = rules.status_after_shipping(line.state() for line in order.lines)
    if order.status == rules.SHIPPED:
        for line in order.lines:
            line.reserved = ZERO
