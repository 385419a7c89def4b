"""The read side of availability: what of an item is usable, reserved and available; which
lots may be taken and from where; and the guard that nobody takes stock reserved for
someone else (docs/ARCHITECTURE.md, "Availability").

Every command and page that asks "how much may be used?" asks here. The rule itself is
`domain.availability`; `usable_stock` is the same rule as one SQL expression, built here
and used by every query that filters or sums usable stock.

A reservation is one concept whoever holds it: `reservations()` is every quantity held
against an item, one row per holder, and everything below sums that. A new kind of holder
(a sales order) adds its rows there and is then counted by releases, picks, shipments,
reorder suggestions and the stock pages alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.domain import availability as rule
from shopfloor.domain import fefo
from shopfloor.domain.errors import InsufficientStock, ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import ZERO, format_quantity
from shopfloor.extensions import db
from shopfloor.models.master import Item, Location
from shopfloor.models.production import OrderRequirement
from shopfloor.models.sales import SalesOrderLine
from shopfloor.models.stock import Balance, Lot
from shopfloor.services import fields
from shopfloor.services.master import get_location

# A balance with something in it. Every used-up lot leaves rows at zero behind (most rows
# of a long history), and ix_balances_on_hand holds only the others; SQLite uses such a
# partial index only when the query states its condition literally, not as a parameter.
ON_HAND = Balance.quantity > sa.literal_column("0")

# Who holds a reservation: ("production_order", id). Taking stock for a holder may use
# what that holder itself reserved.
Holder = tuple[str, int]
PRODUCTION_ORDER = "production_order"
SALES_ORDER = "sales_order"


def usable_stock(on: date):
    """SQL: the balance row's stock is usable on `on` (its lot available and not expired,
    its place free). The query must join Lot and Location. `domain.availability.is_usable`
    says the same over plain values."""
    return sa.and_(Lot.status == rule.AVAILABLE,
                   sa.or_(Lot.expiry.is_(None), Lot.expiry >= on),
                   free_place())


def free_place():
    """SQL: the balance row's place is free (not quarantine, not work in progress)."""
    return Location.kind.not_in(rule.UNAVAILABLE_LOCATION_KINDS)


# --- reservations ------------------------------------------------------------------------------

def reservations():
    """Every reservation as rows (item_id, quantity, holder_type, holder_id): what released
    production orders still hold of each requirement, and what confirmed sales orders hold
    of each line."""
    production = (sa.select(OrderRequirement.item_id.label("item_id"),
                            OrderRequirement.reserved.label("quantity"),
                            sa.literal(PRODUCTION_ORDER).label("holder_type"),
                            OrderRequirement.order_id.label("holder_id"))
                  .where(OrderRequirement.reserved > 0))
    sales = (sa.select(SalesOrderLine.item_id, SalesOrderLine.reserved,
                       sa.literal(SALES_ORDER), SalesOrderLine.order_id)
             .where(SalesOrderLine.reserved > 0))
    return sa.union_all(production, sales)


def reserved_by_item(item_ids: Iterable[int], *, excluding: Holder | None = None
                     ) -> dict[int, Decimal]:
    """Quantity reserved of each item, by every holder but `excluding`."""
    item_ids = list(item_ids)
    if not item_ids:
        return {}
    held = reservations().subquery()
    query = (sa.select(held.c.item_id, sa.func.sum(held.c.quantity))
             .where(held.c.item_id.in_(item_ids)).group_by(held.c.item_id))
    if excluding is not None:
        query = query.where(sa.not_(sa.and_(held.c.holder_type == excluding[0],
                                            held.c.holder_id == excluding[1])))
    return {item_id: total for item_id, total in db.session.execute(query)}


# --- usable and available ----------------------------------------------------------------------

def usable_by_item(item_ids: Iterable[int], on: date) -> dict[int, Decimal]:
    """On hand in usable lots at free locations, per item (before reservations)."""
    item_ids = list(item_ids)
    if not item_ids:
        return {}
    rows = db.session.execute(
        sa.select(Balance.item_id, sa.func.sum(Balance.quantity))
        .join(Lot, Lot.id == Balance.lot_id).join(Location, Location.id == Balance.location_id)
        .where(Balance.item_id.in_(item_ids), ON_HAND, usable_stock(on))
        .group_by(Balance.item_id)).all()
    return {item_id: total for item_id, total in rows}


def available_by_item(item_ids: Iterable[int], on: date, *, excluding: Holder | None = None
                      ) -> dict[int, Decimal]:
    """Usable less every reservation (but `excluding`'s), per item; zero at worst."""
    item_ids = list(item_ids)
    usable = usable_by_item(item_ids, on)
    reserved = reserved_by_item(item_ids, excluding=excluding)
    return {item_id: rule.available(usable.get(item_id, ZERO), reserved.get(item_id, ZERO))
            for item_id in item_ids}


# --- lots to take ------------------------------------------------------------------------------

def stock_lots(item_ids: Iterable[int], on: date, *, include_unusable: bool = False
               ) -> dict[int, list[fefo.StockLot]]:
    """The lots of some items with their quantities per free location, as fefo.StockLot,
    in one query. Unusable lots (expired, quarantined) come too when asked, so a scan of
    one can be refused with the reason."""
    # Columns, not Lot objects: picking needs these facts only, and an item may have
    # hundreds of lots in stock.
    query = (sa.select(Lot.id, Lot.item_id, Lot.code, Lot.expiry, Lot.received_on, Lot.status,
                       Location.code, Balance.quantity)
             .join(Balance, Balance.lot_id == Lot.id)
             .join(Location, Location.id == Balance.location_id)
             .where(Balance.item_id.in_(list(item_ids)), ON_HAND,
                    usable_stock(on) if not include_unusable else free_place())
             .order_by(Lot.id, Location.code))
    grouped: dict[int, tuple] = {}
    for lot_id, item_id, code, expiry, received_on, status, location_code, quantity in \
            db.session.execute(query):
        lot = grouped.get(lot_id)
        if lot is None:
            lot = grouped[lot_id] = (item_id, code, expiry, received_on, status, [])
        lot[5].append(fefo.LotLocation(location_code, quantity))
    result: dict[int, list[fefo.StockLot]] = defaultdict(list)
    for item_id, code, expiry, received_on, status, places in grouped.values():
        result[item_id].append(fefo.StockLot(code=code, expiry=expiry, received_on=received_on,
                                             status=status, locations=tuple(places)))
    return result


def lot_to_take(lot: Lot, on: date) -> tuple[fefo.StockLot, list[fefo.StockLot]]:
    """A scanned lot as stock to pick or ship (with its free places), and every lot of its
    item; refused (422, saying why) when it is expired, in quarantine or rejected."""
    candidates = stock_lots([lot.item_id], on, include_unusable=True).get(lot.item_id, [])
    this = next((c for c in candidates if c.code == lot.code), None) or \
        fefo.StockLot(lot.code, lot.expiry, lot.received_on, lot.status)
    why_not = fefo.pickable(this, on)
    if why_not is not None:
        reasons = {rule.EXPIRED: t("lot {lot} expired on {expiry}", lot=lot.code,
                                   expiry=lot.expiry),
                   rule.QUARANTINE: t("lot {lot} is in quarantine", lot=lot.code),
                   rule.REJECTED: t("lot {lot} is rejected", lot=lot.code)}
        raise ValidationError(reasons[why_not], field="lot", code=why_not)
    return this, candidates


def place_to_take_from(data: Mapping, lot: fefo.StockLot) -> Location:
    """Where to take a lot from: the `location` the request names, else the one free place
    that holds the lot; refused when it is nowhere free, or in several places unnamed."""
    code = fields.text(data, "location", max_length=40)
    if code:
        return get_location(code)
    places = [p for p in lot.locations if p.quantity > 0]
    if len(places) == 1:
        return get_location(places[0].location)
    if not places:
        raise InsufficientStock(t("nothing of lot {lot} is in a free location", lot=lot.code),
                                field="lot")
    raise ValidationError(t("lot {lot} is in {count} places; say which",
                            lot=lot.code, count=len(places)),
                          field="location")


def lock_items(session, item_ids: Iterable[int]) -> None:
    """Lock item rows, in id order (so two takers never wait on each other crosswise), while
    a command counts their free stock and takes or reserves it: concurrent takers and
    reservers of one item then count one at a time. FOR NO KEY UPDATE on PostgreSQL, not FOR
    UPDATE: a move that creates a balance row checks its foreign key to the item with FOR
    KEY SHARE, which FOR UPDATE blocks, while this command then waits for that move's
    balance lock — a deadlock. The takers still exclude one another."""
    session.execute(sa.select(Item.id).where(Item.id.in_(sorted(set(item_ids))))
                    .order_by(Item.id).with_for_update(key_share=True))


def refuse_taking_others_reservations(session, item: Item, quantity: Decimal, on: date,
                                      *, holder: Holder | None = None) -> None:
    """Stock reserved for someone else is not free to take: refused (409) when taking
    `quantity` of `item` would eat into reservations other than `holder`'s. The item row is
    locked (`lock_items`) so concurrent takers count the same free stock one at a time."""
    lock_items(session, [item.id])
    usable = usable_by_item([item.id], on).get(item.id, ZERO)
    others = reserved_by_item([item.id], excluding=holder).get(item.id, ZERO)
    if others and quantity > usable - others:
        raise InsufficientStock(
            t("only {quantity} {unit} of {sku} is free; the rest is reserved for production "
              "and sales orders", quantity=format_quantity(rule.available(usable, others)),
              unit=item.unit, sku=item.sku),
            field="quantity")
