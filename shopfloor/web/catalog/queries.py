"""Read-side queries for the master data pages: searches for the lists and what a location
holds. Each page costs a fixed number of queries, however much stock there is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.domain.errors import NotFound
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.models.master import Item, Location, Supplier
from shopfloor.models.stock import Balance, Lot
from shopfloor.services.lookups import contains
from shopfloor.services.stock_queries import expiry_urgency

# Each production order has its own WIP place; listed only when asked for by kind.
HIDDEN_BY_DEFAULT_LOCATION_KINDS = ("wip",)



def search_parties(model, q: str | None, include_archived: bool = False) -> list:
    """Suppliers or customers whose name, contact, email or phone contains `q`."""
    query = sa.select(model).order_by(model.name)
    if q and q.strip():
        like = contains(q)
        query = query.where(
            sa.or_(
                *(
                    column.ilike(like, escape="\\")
                    for column in (model.name, model.contact, model.email, model.phone)
                )
            )
        )
    if not include_archived:
        query = query.where(model.archived.is_(False))
    return list(db.session.scalars(query))


def get_party(model, party_id: int):
    """A supplier or customer by its id, exactly (the pages link by id)."""
    party = db.session.get(model, party_id)
    if party is None:
        raise NotFound(t("no supplier {key}", key=party_id) if model is Supplier
                       else t("no customer {key}", key=party_id), field="id")
    return party


def items_supplied_by(supplier: Supplier) -> list[Item]:
    """Items that name this supplier as their usual one."""
    return list(
        db.session.scalars(
            sa.select(Item)
            .where(Item.default_supplier_id == supplier.id, Item.archived.is_(False))
            .order_by(Item.sku)
        )
    )


def search_locations(
    q: str | None, kind: str | None, include_archived: bool = False
) -> list[Location]:
    query = sa.select(Location).order_by(Location.code)
    if kind:
        query = query.where(Location.kind == kind)
    else:
        query = query.where(Location.kind.not_in(HIDDEN_BY_DEFAULT_LOCATION_KINDS))
    if q and q.strip():
        like = contains(q)
        query = query.where(
            sa.or_(Location.code.ilike(like, escape="\\"), Location.name.ilike(like, escape="\\"))
        )
    if not include_archived:
        query = query.where(Location.archived.is_(False))
    return list(db.session.scalars(query))


@dataclass
class HeldLot:
    lot: Lot
    item: Item
    quantity: Decimal
    urgency: str


def location_contents(location: Location, today: date) -> list[HeldLot]:
    """Every lot with stock at `location`, with its item, in one query: by item, then
    first-expiring first."""
    rows = db.session.execute(
        sa.select(Lot, Item, Balance.quantity)
        .join(Balance, Balance.lot_id == Lot.id)
        .join(Item, Item.id == Lot.item_id)
        .where(Balance.location_id == location.id, Balance.quantity > 0)
        .order_by(Item.sku, Lot.expiry.is_(None), Lot.expiry, Lot.received_on, Lot.code)
    ).all()
    return [
        HeldLot(lot, item, quantity, expiry_urgency(lot.expiry, today))
        for lot, item, quantity in rows
    ]
