"""What a sales order's lines hold of the one pool of reservations (docs/ARCHITECTURE.md,
"Availability"): confirming holds what is free, and the output of a production order
planned for the sales order is held for it as it is made. Both `services.sales` and
`services.production` write holds through here, so the rule (`domain.sales.reserve_lines`)
is applied in one place and neither service imports the other to do it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.domain import sales as rules
from shopfloor.domain.quantities import ZERO
from shopfloor.extensions import db
from shopfloor.models.master import Item
from shopfloor.models.sales import SalesOrder
from shopfloor.services.availability import available_by_item, lock_items


def reserve_what_is_free(session, order: SalesOrder, on: date) -> None:
    """Hold as much of each line as is available, net of everyone else's reservations. The
    items are locked first, so two confirmations (or a confirmation and a pick or
    shipment) count the same free stock one at a time."""
    lock_items(session, [line.item_id for line in order.lines])
    # Net of every reservation, this order's too: `reserve_lines` adds back what each line
    # already holds.
    available = available_by_item({line.item_id for line in order.lines}, on)
    _hold(order, {line.item.sku: available.get(line.item_id, ZERO) for line in order.lines})


def hold_output(session, sales_order_id: int, item: Item, quantity: Decimal) -> None:
    """A production order planned for a sales order has made `quantity` of `item` (a new,
    usable lot): the order's lines of that item hold it, up to what they still miss. An
    order no longer holding stock (shipped, cancelled) holds nothing."""
    order = db.session.scalar(sa.select(SalesOrder).where(SalesOrder.id == sales_order_id)
                              .with_for_update())
    if order is None or order.status not in rules.HOLDING_STATUSES:
        return
    lock_items(session, [item.id])
    _hold(order, {item.sku: quantity}, only=item.sku)


def _hold(order: SalesOrder, free: dict[str, Decimal], only: str | None = None) -> None:
    lines = [line for line in order.lines if only is None or line.item.sku == only]
    held = rules.reserve_lines([line.state() for line in lines], free)
    for line, reservation in zip(lines, held, strict=True):
        line.reserved = reservation.reserved
