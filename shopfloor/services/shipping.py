"""Shipping product lots to customers (POST /shipments)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from shopfloor.database import command
from shopfloor.domain import fefo
from shopfloor.domain.availability import place_is_free
from shopfloor.domain.errors import DomainError, NotFound, ValidationError
from shopfloor.domain.messages import t, word
from shopfloor.domain.quantities import ZERO
from shopfloor.domain.sales import has_shelf_life, with_shelf_life
from shopfloor.models.master import Customer
from shopfloor.models.sales import SalesOrder
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.users import User
from shopfloor.services import fields, sales
from shopfloor.services.availability import (
    SALES_ORDER,
    lot_to_take,
    place_to_take_from,
    refuse_taking_others_reservations,
    reserved_by_item,
    stock_lots,
)
from shopfloor.services.clock import today
from shopfloor.services.lookups import the_one
from shopfloor.services.master import find_party, get_lot
from shopfloor.services.numbering import next_number
from shopfloor.services.stock import post_move


def get_shipment(number: str) -> Shipment:
    return the_one(Shipment, Shipment.number, number,
                   lambda: t("no shipment {number}", number=number), "number")


def ship(data: Mapping, user: User, key: str | None = None) -> Shipment:
    """Ship lots to a customer in one step. Expired, quarantined and rejected lots are
    refused saying why; nobody ships what others have reserved. Shipped against a sales
    order (`sales_order`), the lines count against its lines and may take what it holds."""
    with command() as session:
        customer_key = fields.text(data, "customer", required=True)
        try:
            customer = find_party(Customer, customer_key)
        except NotFound:
            raise NotFound(t("no customer {key}", key=customer_key),
                           field="customer") from None
        lines = data.get("lines")
        if not isinstance(lines, list) or not lines:
            raise ValidationError(t("a shipment needs at least one line"), field="lines")
        number = fields.text(data, "sales_order", max_length=20)
        order = sales.order_to_ship_against(number, customer) if number else None
        on = today()
        shipment = Shipment(number=f"SH-{next_number(session, 'shipment'):06d}",
                            customer=customer, sales_order=order, shipped_on=on,
                            user_id=user.id,
                            reference=fields.text(data, "reference", max_length=100),
                            notes=fields.text(data, "notes", max_length=2000))
        session.add(shipment)
        session.flush()
        for number, raw in enumerate(lines, start=1):
            try:
                _ship_line(session, shipment, raw, on, user, key, order)
            except DomainError as error:
                fields.name_the_line(error, number, len(lines))
                raise
        if order is not None:
            sales.after_shipping(order)
    return shipment


def _ship_line(session, shipment: Shipment, raw, on, user: User, key: str | None,
               order: SalesOrder | None) -> None:
    """One line of a shipment: a lot (any usable one), where from, how much; counted
    against the sales order's line of its item when there is an order."""
    if not isinstance(raw, Mapping):
        raise ValidationError(t("each line needs lot and quantity"), field="lines")
    lot = get_lot(fields.text(raw, "lot", required=True, max_length=80))
    this, _others = lot_to_take(lot, on)
    location = place_to_take_from(raw, this)
    if not place_is_free(location.kind):
        raise ValidationError(t("nothing ships from {location}: it holds {kind} stock",
                                location=location.code, kind=word(location.kind)),
                              field="location")
    quantity = fields.quantity_of(raw, "quantity", lot.item)
    if order is not None:
        if not has_shelf_life(lot.expiry, on, order.min_shelf_life_days):
            raise ValidationError(
                t("lot {lot} keeps less than the {days} days of shelf life {order} asks for",
                  lot=lot.code, days=order.min_shelf_life_days, order=order.number),
                field="lot", code="short_shelf_life")
        refuse_taking_others_reservations(session, lot.item, quantity, on,
                                          holder=(SALES_ORDER, order.id))
        sales.count_shipped(order, lot.item, quantity)
    else:
        refuse_taking_others_reservations(session, lot.item, quantity, on)
    move = post_move(session, lot=lot, quantity=quantity, reason="ship",
                     user_id=user.id, from_location=location,
                     reference=("shipment", shipment.id), key=key)
    session.flush()
    session.add(ShipmentLine(shipment=shipment, lot=lot, location=location,
                             quantity=quantity, move=move))


def shipment_suggestions(item_ids, on=None, *, order: SalesOrder | None = None
                         ) -> dict[int, list[fefo.Suggestion]]:
    """FEFO lots to ship first, per item id: what is usable and not held for others, in
    picking order. For a sales `order`: what it holds counts as free, and only lots with
    its minimum shelf life left are suggested (`domain.sales.suggest_for_line`)."""
    on = on or today()
    holder = (SALES_ORDER, order.id) if order is not None else None
    reserved = reserved_by_item(list(item_ids), excluding=holder)
    result = {}
    for item_id, lots in stock_lots(item_ids, on).items():
        if order is not None:
            lots = with_shelf_life(lots, on, order.min_shelf_life_days)
        free = sum((lot.available for lot in lots), ZERO) - reserved.get(item_id, ZERO)
        result[item_id] = list(fefo.suggest_lots(lots, max(free, ZERO), on).picks)
    return result


def total_shipped(shipment: Shipment) -> Decimal:
    return sum((line.quantity for line in shipment.lines), ZERO)
