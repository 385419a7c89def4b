"""Purchasing: reorder suggestions that become draft purchase orders in one step, editing,
sending, and receiving against order lines through the normal receiving flow."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.database import command
from shopfloor.domain import units
from shopfloor.domain.errors import Conflict, NotFound, ValidationError
from shopfloor.domain.messages import t, word
from shopfloor.domain.quantities import ZERO, format_quantity, quantize_unit_cost
from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.master import Item, Supplier
from shopfloor.models.purchasing import PO_OPEN_STATUSES, PurchaseOrder, PurchaseOrderLine
from shopfloor.models.stock import Lot
from shopfloor.models.users import User
from shopfloor.services import fields
from shopfloor.services.audit import record_change
from shopfloor.services.availability import reserved_by_item, usable_by_item
from shopfloor.services.clock import today
from shopfloor.services.lookups import the_one
from shopfloor.services.master import find_party, get_item
from shopfloor.services.numbering import next_number


def get_purchase_order(number: str, *, lock: bool = False) -> PurchaseOrder:
    return the_one(PurchaseOrder, PurchaseOrder.number, number,
                   lambda: t("no purchase order {number}", number=number), "number",
                   lock=lock)


def on_order_by_item(item_ids=None) -> dict[int, Decimal]:
    """What open purchase orders still expect, per item."""
    query = (sa.select(PurchaseOrderLine.item_id,
                       sa.func.sum(PurchaseOrderLine.quantity
                                   - PurchaseOrderLine.received_quantity))
             .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
             .where(PurchaseOrder.status.in_(PO_OPEN_STATUSES),
                    PurchaseOrderLine.quantity > PurchaseOrderLine.received_quantity)
             .group_by(PurchaseOrderLine.item_id))
    if item_ids is not None:
        query = query.where(PurchaseOrderLine.item_id.in_(list(item_ids)))
    return {item_id: total for item_id, total in db.session.execute(query)}


def last_cost_by_item(item_ids) -> dict[int, Decimal]:
    """The cost per base unit of each item's most recent received lot."""
    latest = (sa.select(Lot.item_id, sa.func.max(Lot.id).label("lot_id"))
              .where(Lot.item_id.in_(list(item_ids)), Lot.origin.in_(("receipt", "opening")))
              .group_by(Lot.item_id).subquery())
    return dict(db.session.execute(
        sa.select(Lot.item_id, Lot.unit_cost).join(latest, latest.c.lot_id == Lot.id)).all())


@dataclass
class ReorderSuggestion:
    item: Item
    on_hand: Decimal
    on_order: Decimal
    reserved: Decimal
    quantity: Decimal  # suggested, in the item's base unit
    unit_cost: Decimal | None

    @property
    def position(self) -> Decimal:
        return self.on_hand + self.on_order - self.reserved


def reorder_suggestions(on: date | None = None) -> dict[Supplier | None, list[ReorderSuggestion]]:
    """Items whose position — usable stock + on order − reserved for production and sales
    orders — is below the reorder point, grouped by default supplier, with the quantity to
    order: the reorder quantity, or more when that would not reach the point."""
    on = on or today()
    items = db.session.scalars(sa.select(Item).where(
        Item.reorder_point > 0, Item.archived.is_(False), Item.kind == "material")
        .order_by(Item.sku)).all()
    ids = [item.id for item in items]
    usable = usable_by_item(ids, on)
    on_order = on_order_by_item(ids)
    reserved = reserved_by_item(ids)
    costs = last_cost_by_item(ids)
    groups: dict[Supplier | None, list[ReorderSuggestion]] = defaultdict(list)
    for item in items:
        suggestion = ReorderSuggestion(item, usable.get(item.id, ZERO),
                                       on_order.get(item.id, ZERO), reserved.get(item.id, ZERO),
                                       ZERO, costs.get(item.id))
        if suggestion.position < item.reorder_point:
            suggestion.quantity = max(item.reorder_quantity,
                                      item.reorder_point - suggestion.position)
            groups[item.default_supplier].append(suggestion)
    return dict(groups)


def create_orders_from_suggestions(user: User, skus: list[str] | None = None
                                   ) -> list[PurchaseOrder]:
    """One draft purchase order per supplier from the reorder suggestions (optionally only
    some SKUs), priced at each item's last cost. Items without a default supplier are left
    out: nobody to order from."""
    if skus is not None and (not isinstance(skus, list)
                             or not all(isinstance(sku, str) for sku in skus)):
        raise ValidationError(t("items must be a list of SKUs"), field="items")
    with command() as session:
        orders = []
        for supplier, suggestions in reorder_suggestions().items():
            chosen = [s for s in suggestions if skus is None or s.item.sku in skus]
            if supplier is None or not chosen:
                continue
            order = PurchaseOrder(number=f"PO-{next_number(session, 'purchase_order'):06d}",
                                  supplier=supplier, status="draft", created_by_id=user.id)
            for suggestion in chosen:
                order.lines.append(PurchaseOrderLine(
                    item=suggestion.item, quantity=suggestion.quantity,
                    unit=suggestion.item.unit, ordered_quantity=suggestion.quantity,
                    unit_price=suggestion.unit_cost or ZERO))
            session.add(order)
            orders.append(order)
        if not orders:
            raise Conflict(t("nothing to order: no suggestion has a default supplier"),
                           field="items")
    return orders


def _lines(data: Mapping) -> list[Mapping]:
    lines = data.get("lines") or []
    if not isinstance(lines, list) or not all(isinstance(raw, Mapping) for raw in lines):
        raise ValidationError(t("lines must be a list of {item, quantity, unit?, unit_price?}"),
                              field="lines")
    return lines


def _line_values(data: Mapping, item: Item) -> dict:
    unit = units.canonical_unit(fields.text(data, "unit", max_length=20) or item.unit)
    ordered = fields.quantity(data, "quantity")
    return {"unit": unit, "ordered_quantity": ordered,
            "quantity": units.convert(ordered, unit, item.unit, item.density),
            "unit_price": fields.money(data, "unit_price", default=ZERO)}


def create_purchase_order(data: Mapping, user: User) -> PurchaseOrder:
    """A draft order: supplier, expected date, notes and lines [{item, quantity, unit?,
    unit_price?}] (price per the line's unit)."""
    with command() as session:
        supplier_key = fields.text(data, "supplier", required=True)
        try:
            supplier = find_party(Supplier, supplier_key)
        except NotFound:
            raise NotFound(t("no supplier {key}", key=supplier_key),
                           field="supplier") from None
        order = PurchaseOrder(number=f"PO-{next_number(session, 'purchase_order'):06d}",
                              supplier=supplier, status="draft", created_by_id=user.id,
                              expected_on=fields.iso_date(data, "expected_date"),
                              notes=fields.text(data, "notes", max_length=2000))
        for raw in _lines(data):
            item = get_item(fields.text(raw, "item", required=True, max_length=40), "lines")
            order.lines.append(PurchaseOrderLine(item=item, **_line_values(raw, item)))
        session.add(order)
    return order


def update_purchase_order(number: str, data: Mapping, user: User) -> PurchaseOrder:
    """Change a draft: expected date, notes, and lines (`lines` replaces them all: each
    {id?, item, quantity, unit?, unit_price?}; a quantity of 0 removes a line)."""
    with command():
        order = get_purchase_order(number, lock=True)
        if order.status != "draft":
            raise Conflict(t("{order} was {status}; only a draft can be edited",
                             order=order.number, status=word(order.status)),
                           field="status")
        if "expected_date" in data:
            order.expected_on = fields.iso_date(data, "expected_date")
        if "notes" in data:
            order.notes = fields.text(data, "notes", max_length=2000)
        if "lines" in data:
            kept = []
            for raw in _lines(data):
                if str(raw.get("quantity", "")).strip() in ("0", "0.0", ""):
                    continue
                item = get_item(fields.text(raw, "item", required=True, max_length=40), "lines")
                kept.append(PurchaseOrderLine(item=item, **_line_values(raw, item)))
            order.lines = kept
        record_change(user, "purchase_order", order.number, None,
                      {"lines": len(order.lines)})
    return order


def mark_sent(number: str, user: User) -> PurchaseOrder:
    with command():
        order = get_purchase_order(number, lock=True)
        if order.status != "draft":
            raise Conflict(t("{order} is already {status}",
                             order=order.number, status=word(order.status)),
                           field="status")
        if not order.lines:
            raise ValidationError(t("an order needs at least one line"), field="lines")
        order.status, order.sent_at = "sent", utcnow()
        record_change(user, "purchase_order", order.number, {"status": "draft"},
                      {"status": "sent"})
    return order


def cancel_purchase_order(number: str, user: User) -> PurchaseOrder:
    with command():
        order = get_purchase_order(number, lock=True)
        if order.status not in PO_OPEN_STATUSES:
            raise Conflict(t("{order} is {status}", order=order.number, status=word(order.status)),
                           field="status")
        record_change(user, "purchase_order", order.number, {"status": order.status},
                      {"status": "cancelled"})
        order.status = "cancelled"
    return order


def receipt_defaults(line_id: int) -> dict:
    """Receiving-form values for a purchase order line: item, what is still expected (in
    the ordered unit when it divides evenly, else the base unit), price, supplier."""
    line = db.session.get(PurchaseOrderLine, line_id)
    if line is None:
        raise NotFound(t("no purchase order line {line_id}", line_id=line_id),
                       field="purchase_order_line")
    outstanding = line.outstanding
    in_ordered_unit = units.convert(outstanding, line.item.unit, line.unit, line.item.density)
    back = units.convert(in_ordered_unit, line.unit, line.item.unit, line.item.density)
    if back == outstanding:
        quantity, unit, price = in_ordered_unit, line.unit, line.unit_price
    else:
        quantity, unit = outstanding, line.item.unit
        price = quantize_unit_cost(line.unit_price * line.ordered_quantity / line.quantity)
    return {"item": line.item.sku, "quantity": format_quantity(quantity), "unit": unit,
            "unit_cost": format_quantity(price), "supplier": line.order.supplier.name,
            "purchase_order_line": str(line.id)}


def receive_against_line(session, line_id, item: Item, base_quantity: Decimal) -> Supplier:
    """Inside a receipt command: book the received quantity on its order line and move the
    order to partial or received. Returns the order's supplier."""
    line = session.scalar(sa.select(PurchaseOrderLine).where(PurchaseOrderLine.id == line_id)
                          .with_for_update())
    if line is None:
        raise NotFound(t("no purchase order line {line_id}", line_id=line_id),
                       field="purchase_order_line")
    order = line.order
    if order.status not in ("sent", "partial", "draft"):
        raise Conflict(t("{order} is {status}", order=order.number, status=word(order.status)),
                       field="purchase_order_line")
    if line.item_id != item.id:
        raise ValidationError(t("that order line is for {line_sku}, not {sku}",
                                line_sku=line.item.sku, sku=item.sku),
                              field="purchase_order_line")
    line.received_quantity += base_quantity
    session.flush()
    complete = all(other.received_quantity >= other.quantity for other in order.lines)
    order.status = "received" if complete else "partial"
    return order.supplier


def expected_deliveries(limit: int = 50) -> list[PurchaseOrder]:
    """Sent or partly received orders, earliest expected first: what the receiving operator
    may receive against (each line's Receive button on the order's page)."""
    query = (sa.select(PurchaseOrder).options(sa.orm.joinedload(PurchaseOrder.supplier))
             .where(PurchaseOrder.status.in_(("sent", "partial")))
             .order_by(PurchaseOrder.expected_on.is_(None), PurchaseOrder.expected_on,
                       PurchaseOrder.id)
             .limit(limit))
    return list(db.session.scalars(query))


def list_purchase_orders(status: str | None = None, limit: int = 200) -> list[PurchaseOrder]:
    query = (sa.select(PurchaseOrder).options(sa.orm.selectinload(PurchaseOrder.lines),
                                              sa.orm.joinedload(PurchaseOrder.supplier))
             .order_by(PurchaseOrder.id.desc()).limit(limit))
    if status:
        query = query.where(PurchaseOrder.status == status)
    return list(db.session.scalars(query))
