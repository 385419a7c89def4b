"""Read-side queries for the shipping, genealogy, recall and audit pages. Each page costs a
fixed number of queries however long the history is; nothing here changes anything."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.domain import fefo
from shopfloor.domain.quantities import ZERO
from shopfloor.extensions import db
from shopfloor.models.audit import AuditEvent
from shopfloor.models.master import Customer, Item, Location
from shopfloor.models.sales import SalesOrder
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.stock import Balance, Lot
from shopfloor.models.users import User
from shopfloor.services import shipping
from shopfloor.services.availability import free_place
from shopfloor.services.genealogy import ShipmentRow
from shopfloor.services.lookups import contains

PAGE_SIZE = 50


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _page(query, number: int, size: int = PAGE_SIZE) -> Page:
    """One page of a query, asking for one row more to know whether another page follows."""
    number = max(number, 1)
    rows = list(db.session.execute(query.limit(size + 1).offset((number - 1) * size)).all())
    return Page(rows[:size], number, len(rows) > size)



def page_number(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


# --- shipping ---------------------------------------------------------------------------------

@dataclass
class ShipLine:
    """One line of the shipping form as typed, with what the lot is and whether it may go."""

    code: str
    quantity: str
    location: str
    unit: str = ""  # as chosen; empty: the lot's item's unit
    lot: Lot | None = None
    places: list[tuple[str, Decimal]] = field(default_factory=list)  # free locations
    problem: str | None = None  # unknown, expired, quarantine, rejected, empty

    @property
    def on_hand(self) -> Decimal:
        return sum((quantity for _code, quantity in self.places), ZERO)


def ship_lines(rows: Sequence[tuple[str, str, str, str]], on: date) -> list[ShipLine]:
    """The lines of a shipment being built, (lot, quantity, location, unit) as typed. A
    lot that may not be shipped says why, so the refusal shows next to its line before
    anything is sent."""
    lines = [ShipLine(code, quantity, location, unit) for code, quantity, location, unit in rows]
    wanted = {line.code for line in lines}
    lots = {lot.code: lot for lot in db.session.scalars(
        sa.select(Lot).where(Lot.code.in_(wanted)).options(sa.orm.joinedload(Lot.item)))}
    places: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for lot_id, location_code, quantity in db.session.execute(
            sa.select(Balance.lot_id, Location.code, Balance.quantity)
            .join(Location, Location.id == Balance.location_id)
            .where(Balance.lot_id.in_([lot.id for lot in lots.values()]), Balance.quantity > 0,
                   free_place())
            .order_by(Location.code)):
        places[lot_id].append((location_code, quantity))
    for line in lines:
        line.lot = lots.get(line.code)
        if line.lot is None:
            line.problem = "unknown"
            continue
        line.places = places.get(line.lot.id, [])
        stock_lot = fefo.StockLot(line.lot.code, line.lot.expiry, line.lot.received_on,
                                  line.lot.status)
        line.problem = fefo.pickable(stock_lot, on) or (None if line.places else "empty")
        if not line.location and len(line.places) == 1:
            line.location = line.places[0][0]
    return lines


@dataclass
class SuggestedLot:
    code: str
    location: str
    quantity: Decimal
    expiry: date | None


@dataclass
class ProductSuggestions:
    sku: str
    name: str
    unit: str
    lots: list[SuggestedLot]


def ship_suggestions(on: date, per_item: int = 5, order: SalesOrder | None = None
                     ) -> list[ProductSuggestions]:
    """Lots to ship first, FEFO, the first few of each product — or, shipping against a
    sales order, of each item the order still awaits, with its minimum shelf life left."""
    query = sa.select(Item.id, Item.sku, Item.name, Item.unit).order_by(Item.sku)
    if order is None:
        query = query.where(Item.kind == "product", Item.archived.is_(False))
    else:
        query = query.where(Item.id.in_(
            [line.item_id for line in order.lines if line.state().outstanding > 0]))
    products = list(db.session.execute(query))
    found = shipping.shipment_suggestions([row.id for row in products], on, order=order)
    codes = {pick.lot_code for picks in found.values() for pick in picks}
    expiry = dict(db.session.execute(sa.select(Lot.code, Lot.expiry)
                                     .where(Lot.code.in_(codes))).all()) if codes else {}
    result = []
    for row in products:
        picks = found.get(row.id) or []
        if picks:
            result.append(ProductSuggestions(
                row.sku, row.name, row.unit,
                [SuggestedLot(p.lot_code, p.location, p.quantity, expiry.get(p.lot_code))
                 for p in picks[:per_item]]))
    return result


# --- shipments --------------------------------------------------------------------------------

def shipment_list(customer: str | None, number: int) -> Page:
    """Shipments newest first, with their line count and customer, optionally of one
    customer."""
    lines = (sa.select(ShipmentLine.shipment_id, sa.func.count().label("lines"))
             .group_by(ShipmentLine.shipment_id).subquery())
    query = (sa.select(Shipment.number, Shipment.shipped_on, Shipment.reference,
                       Customer.name.label("customer"),
                       sa.func.coalesce(lines.c.lines, 0).label("lines"))
             .join(Customer, Customer.id == Shipment.customer_id)
             .outerjoin(lines, lines.c.shipment_id == Shipment.id)
             .order_by(Shipment.shipped_on.desc(), Shipment.id.desc()))
    if customer:
        query = query.where(Customer.name == customer)
    return _page(query, number)


def customers_shipped_to() -> list[tuple[str, str]]:
    names = db.session.scalars(sa.select(Customer.name).join(
        Shipment, Shipment.customer_id == Customer.id).distinct().order_by(Customer.name))
    return [(name, name) for name in names]


def shipment_with_lines(number: str) -> Shipment:
    shipment = shipping.get_shipment(number)
    db.session.scalars(  # load every line's lot and item at once, for the slip
        sa.select(ShipmentLine).where(ShipmentLine.shipment_id == shipment.id)
        .options(sa.orm.joinedload(ShipmentLine.lot).joinedload(Lot.item),
                 sa.orm.joinedload(ShipmentLine.location))).all()
    return shipment


# --- genealogy ---------------------------------------------------------------------------------

def shipments_by_lot(rows: Sequence[ShipmentRow]) -> dict[int, list[ShipmentRow]]:
    grouped: dict[int, list[ShipmentRow]] = defaultdict(list)
    for row in rows:
        grouped[row.lot_id].append(row)
    return grouped


# --- audit -------------------------------------------------------------------------------------

@dataclass
class AuditChange:
    field: str
    before: object
    after: object


@dataclass
class AuditRow:
    event: AuditEvent
    username: str | None
    changes: list[AuditChange]


def audit_events(entity: str | None, key: str | None, username: str | None,
                 number: int) -> Page:
    """Audit events newest first, filtered by entity, a part of the key, and who."""
    query = (sa.select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.user_id)
             .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()))
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if key and key.strip():
        query = query.where(AuditEvent.entity_key.ilike(contains(key), escape="\\"))
    if username:
        query = query.where(User.username == username)
    page = _page(query, number)
    page.rows = [AuditRow(event, name, _changes(event)) for event, name in page.rows]
    return page


def _changes(event: AuditEvent) -> list[AuditChange]:
    before, after = event.before or {}, event.after or {}
    return [AuditChange(name, before.get(name), after.get(name))
            for name in sorted(set(before) | set(after))]


def audit_entities() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.entity).distinct()
                                   .order_by(AuditEvent.entity)))


def usernames() -> list[str]:
    return list(db.session.scalars(sa.select(User.username).order_by(User.username)))
