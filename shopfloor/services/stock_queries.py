"""Read-side views of stock: a lot, an item's stock, alerts. Each is a handful of queries
whatever the size of the history (no per-lot round trips)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.domain import availability as rule
from shopfloor.extensions import db
from shopfloor.models.master import Item, Location
from shopfloor.models.stock import Balance, Lot, StockMove
from shopfloor.services.availability import ON_HAND, reserved_by_item, usable_stock
from shopfloor.services.lookups import contains

ZERO = Decimal(0)
EXPIRING_SOON_DAYS = 30


def expiry_urgency(expiry: date | None, today: date) -> str:
    """How urgently a lot's expiry needs attention: expired, soon (within 30 days), ok."""
    if expiry is None:
        return "none"
    if rule.is_expired(expiry, today):
        return "expired"
    if expiry <= today + timedelta(days=EXPIRING_SOON_DAYS):
        return "soon"
    return "ok"


@dataclass
class LotLocationQuantity:
    location: Location
    quantity: Decimal


@dataclass
class LotView:
    lot: Lot
    quantity: Decimal
    available: Decimal
    locations: list[LotLocationQuantity]
    urgency: str

    @property
    def value(self) -> Decimal:
        return self.quantity * self.lot.unit_cost


def lot_view(lot: Lot, today: date) -> LotView:
    rows = db.session.execute(
        sa.select(Location, Balance.quantity)
        .join(Balance, Balance.location_id == Location.id)
        .where(Balance.lot_id == lot.id, ON_HAND)
        .order_by(Location.code)).all()
    locations = [LotLocationQuantity(location, quantity) for location, quantity in rows]
    on_hand = sum((row.quantity for row in locations), ZERO)
    available = sum((row.quantity for row in locations
                     if rule.is_usable(lot.status, lot.expiry, row.location.kind, today)), ZERO)
    return LotView(lot, on_hand, available, locations, expiry_urgency(lot.expiry, today))


def lot_history(lot: Lot, limit: int = 200) -> list[StockMove]:
    return list(db.session.scalars(
        sa.select(StockMove).where(StockMove.lot_id == lot.id)
        .options(sa.orm.joinedload(StockMove.from_location),
                 sa.orm.joinedload(StockMove.to_location),
                 sa.orm.joinedload(StockMove.user))
        .order_by(StockMove.id.desc()).limit(limit)))


@dataclass
class ItemStock:
    item: Item
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    usable: Decimal = ZERO  # on hand in usable lots at free locations, before reservations
    value: Decimal = ZERO
    lots: list[LotView] = field(default_factory=list)

    @property
    def available(self) -> Decimal:
        return rule.available(self.usable, self.reserved)


def item_stock(item: Item, today: date) -> ItemStock:
    """On hand, reserved and available for one item, with its lots (FEFO order)."""
    rows = db.session.execute(
        sa.select(Lot, Location, Balance.quantity)
        .join(Balance, Balance.lot_id == Lot.id)
        .join(Location, Location.id == Balance.location_id)
        .where(Balance.item_id == item.id, ON_HAND)
        .order_by(Lot.expiry.is_(None), Lot.expiry, Lot.received_on, Lot.code, Location.code)
    ).all()
    stock = ItemStock(item=item, reserved=reserved_by_item([item.id]).get(item.id, ZERO))
    views: dict[int, LotView] = {}
    for lot, location, quantity in rows:
        view = views.get(lot.id)
        if view is None:
            view = views[lot.id] = LotView(lot, ZERO, ZERO, [],
                                           expiry_urgency(lot.expiry, today))
            stock.lots.append(view)
        view.locations.append(LotLocationQuantity(location, quantity))
        view.quantity += quantity
        if rule.is_usable(lot.status, lot.expiry, location.kind, today):
            view.available += quantity
    for view in stock.lots:
        stock.on_hand += view.quantity
        stock.usable += view.available
        stock.value += view.quantity * view.lot.unit_cost
    return stock


@dataclass
class StockSummary:
    """One item's stock, in figures that add up: on hand = usable + in work in progress +
    not usable (quarantined, rejected or expired lots, quarantine places); available =
    usable − reserved (never below zero)."""

    item: Item
    on_hand: Decimal
    usable: Decimal
    reserved: Decimal
    value: Decimal
    in_wip: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return rule.available(self.usable, self.reserved)

    @property
    def not_usable(self) -> Decimal:
        return self.on_hand - self.usable - self.in_wip


def stock_summaries(today: date, kind: str | None = None, q: str | None = None,
                    include_archived: bool = False) -> list[StockSummary]:
    """One line per item: on hand, available, reserved and value, in two queries."""
    totals = (
        sa.select(Balance.item_id,
                  sa.func.sum(Balance.quantity).label("on_hand"),
                  sa.func.sum(sa.case((usable_stock(today), Balance.quantity), else_=0))
                  .label("usable"),
                  sa.func.sum(sa.case((Location.kind == "wip", Balance.quantity), else_=0))
                  .label("in_wip"))
        .join(Lot, Lot.id == Balance.lot_id)
        .join(Location, Location.id == Balance.location_id)
        .group_by(Balance.item_id).subquery())
    query = sa.select(Item, totals.c.on_hand, totals.c.usable, totals.c.in_wip).outerjoin(
        totals, totals.c.item_id == Item.id).order_by(Item.sku)
    query = filter_items(query, kind, q, include_archived)
    rows = db.session.execute(query).all()
    value_by_item: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for item_id, unit_cost, quantity in db.session.execute(
            sa.select(Balance.item_id, Lot.unit_cost, sa.func.sum(Balance.quantity))
            .join(Lot, Lot.id == Balance.lot_id)
            .group_by(Balance.item_id, Lot.id, Lot.unit_cost)):
        value_by_item[item_id] += quantity * unit_cost
    reserved = reserved_by_item([item.id for item, *_ in rows])
    return [
        StockSummary(item, _decimal(on_hand), _decimal(usable), reserved.get(item.id, ZERO),
                     value_by_item[item.id], _decimal(in_wip))
        for item, on_hand, usable, in_wip in rows
    ]


def _decimal(total: Decimal | None) -> Decimal:
    """SUM over no rows (an item without stock) is NULL."""
    return ZERO if total is None else total


def filter_items(query, kind: str | None, q: str | None, include_archived: bool):
    if kind:
        query = query.where(Item.kind == kind)
    if q:
        like = contains(q)
        query = query.where(sa.or_(Item.sku.ilike(like, escape="\\"),
                                   Item.name.ilike(like, escape="\\"), Item.gtin == q.strip()))
    if not include_archived:
        query = query.where(Item.archived.is_(False))
    return query


@dataclass
class LowStock:
    item: Item
    available: Decimal
    suggested_quantity: Decimal


@dataclass
class Alerts:
    low_stock: list[LowStock]
    expiring: list[LotView]
    expired: list[LotView]


def alerts(today: date, days: int = EXPIRING_SOON_DAYS) -> Alerts:
    """Items below their reorder point (with how much to order) and lots with stock that
    expire within `days` or have expired."""
    low = []
    for summary in stock_summaries(today):
        point = summary.item.reorder_point
        if point > 0 and summary.available < point:
            shortfall = point - summary.available
            suggested = max(summary.item.reorder_quantity, shortfall)
            low.append(LowStock(summary.item, summary.available, suggested))
    horizon = today + timedelta(days=days)
    lots = db.session.execute(
        sa.select(Lot, sa.func.sum(Balance.quantity))
        .join(Balance, Balance.lot_id == Lot.id)
        .where(Lot.expiry.is_not(None), Lot.expiry <= horizon, Lot.status != "rejected")
        .group_by(Lot.id).having(sa.func.sum(Balance.quantity) > 0)
        .order_by(Lot.expiry, Lot.code)
        .options(sa.orm.joinedload(Lot.item))).all()
    expiring, expired = [], []
    for lot, quantity in lots:
        view = LotView(lot, quantity, ZERO, [], expiry_urgency(lot.expiry, today))
        (expired if view.urgency == "expired" else expiring).append(view)
    return Alerts(low, expiring, expired)
