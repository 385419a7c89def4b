"""Stock commands: receive, move, count and change a lot's status.

Every quantity change goes through `post_move`, which appends to the ledger and updates the
balances in the same transaction, with the touched balance rows locked. Nothing else writes
balances.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.database import command, insert_ignoring_conflicts
from shopfloor.domain import units
from shopfloor.domain.availability import is_expired
from shopfloor.domain.errors import Conflict, InsufficientStock, ValidationError
from shopfloor.domain.messages import t, word
from shopfloor.domain.quantities import MAX_ID, format_quantity, quantize_unit_cost
from shopfloor.models.master import Item, Location
from shopfloor.models.stock import LOT_STATUSES, Balance, Lot, StockCount, StockCountLine, StockMove
from shopfloor.models.users import User
from shopfloor.services import fields
from shopfloor.services.audit import record_change
from shopfloor.services.clock import today
from shopfloor.services.master import get_item, get_location, get_lot, get_supplier
from shopfloor.services.numbering import generate_lot_code
from shopfloor.services.purchasing import receive_against_line

# --- the ledger primitive ------------------------------------------------------------------

def _locked_balance(session, lot: Lot, location: Location, create: bool) -> Balance | None:
    if create:
        insert_ignoring_conflicts(session, Balance, lot_id=lot.id, location_id=location.id,
                                  item_id=lot.item_id, quantity=Decimal(0))
    return session.scalar(
        sa.select(Balance)
        .where(Balance.lot_id == lot.id, Balance.location_id == location.id)
        .with_for_update()
        .execution_options(populate_existing=True))


def post_move(session, *, lot: Lot, quantity: Decimal, reason: str, user_id: int | None,
              from_location: Location | None = None, to_location: Location | None = None,
              reference: tuple[str, int | None] | None = None, note: str | None = None,
              key: str | None = None) -> StockMove:
    """Append one movement to the ledger and apply it to the balances.

    Refuses to take more than the source location holds, naming what is there. Balance rows
    are locked in location order, so two commands touching the same pair cannot deadlock.
    """
    if quantity <= 0:
        raise ValidationError(t("quantity must be greater than zero"), field="quantity")
    sides = sorted((loc for loc in (from_location, to_location) if loc is not None),
                   key=lambda loc: loc.id)
    balances = {loc.id: _locked_balance(session, lot, loc, create=loc is to_location)
                for loc in sides}
    if from_location is not None:
        source = balances[from_location.id]
        held = source.quantity if source is not None else Decimal(0)
        if held < quantity:
            raise InsufficientStock(
                t("only {quantity} {unit} of lot {lot} is at {location}",
                  quantity=format_quantity(held), unit=lot.item.unit, lot=lot.code,
                  location=from_location.code),
                field="quantity", details={"available": str(held)})
        source.quantity = held - quantity
    if to_location is not None:
        target = balances[to_location.id]
        target.quantity = target.quantity + quantity
    reference_type, reference_id = reference or (None, None)
    move = StockMove(lot=lot, quantity=quantity, reason=reason, user_id=user_id,
                     from_location=from_location, to_location=to_location,
                     reference_type=reference_type, reference_id=reference_id, note=note,
                     idempotency_key=key)
    session.add(move)
    return move


# --- receiving ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Receipt:
    lot: Lot
    base_quantity: Decimal


@dataclass(frozen=True)
class IncomingLot:
    """What a receipt and an opening balance read alike from a request: a new lot of an
    item, its quantity and cost in the item's base unit, where it goes and when it expires."""
    item: Item
    base_quantity: Decimal
    cost_per_base_unit: Decimal
    location: Location
    expiry: date | None
    supplier_name: str | None
    supplier_lot: str | None
    lot_code: str | None


def read_incoming_lot(session, data: Mapping, on: date) -> IncomingLot:
    """Check the fields of a new lot: the item (not archived), a quantity in any unit
    compatible with the item's, `unit_cost` per that unit, a location that can take stock
    (not archived, not an order's work in progress), an expiry defaulting to `on` plus the
    item's shelf life, and a lot code not yet in use."""
    item = get_item(fields.text(data, "item", required=True, max_length=40))
    if item.archived:
        raise Conflict(t("{sku} is archived", sku=item.sku), field="item")
    quantity = fields.quantity(data, "quantity")
    unit = units.canonical_unit(fields.text(data, "unit", max_length=20) or item.unit)
    base_quantity = units.convert(quantity, unit, item.unit, item.density)
    if base_quantity <= 0:
        raise ValidationError(t("quantity is less than the smallest amount of {unit}",
                                unit=item.unit),
                              field="quantity")
    unit_cost = fields.money(data, "unit_cost", required=True)
    location = get_location(fields.text(data, "location", required=True, max_length=40))
    if location.archived:
        raise Conflict(t("location {location} is archived", location=location.code),
                       field="location")
    _refuse_work_in_progress(location, "location")
    expiry = fields.iso_date(data, "expiry")
    if expiry is None and item.shelf_life_days is not None:
        expiry = on + timedelta(days=item.shelf_life_days)
    code = fields.text(data, "lot_code", max_length=80)
    if code is not None and session.scalar(sa.select(Lot.id).where(Lot.code == code)):
        raise Conflict(t("lot code {code} is already in use", code=code), field="lot_code")
    return IncomingLot(item=item, base_quantity=base_quantity,
                       cost_per_base_unit=quantize_unit_cost(unit_cost * quantity / base_quantity),
                       location=location, expiry=expiry,
                       supplier_name=fields.text(data, "supplier"),
                       supplier_lot=fields.text(data, "supplier_lot", max_length=80),
                       lot_code=code)


def add_lot(session, incoming: IncomingLot, user: User, on: date, *, origin: str,
            supplier, status: str = "available", status_reason: str | None = None,
            purchase_order_line_id: int | None = None, key: str | None = None) -> Lot:
    """Create the lot and put its quantity on the ledger as a receipt move (referenced by
    the lot itself, or by ("opening", None) for stock that was there before Shopfloor)."""
    lot = Lot(code=incoming.lot_code or generate_lot_code(session, incoming.item, on),
              item=incoming.item, origin=origin, supplier=supplier,
              supplier_lot=incoming.supplier_lot, received_on=on, expiry=incoming.expiry,
              unit_cost=incoming.cost_per_base_unit, status=status,
              status_reason=status_reason, created_by_id=user.id,
              purchase_order_line_id=purchase_order_line_id)
    session.add(lot)
    session.flush()
    reference = ("opening", None) if origin == "opening" else ("receipt", lot.id)
    post_move(session, lot=lot, quantity=incoming.base_quantity, reason="receipt",
              user_id=user.id, to_location=incoming.location, reference=reference, key=key)
    return lot


def receive_lot(data: Mapping, user: User, key: str | None = None) -> Receipt:
    """Receive a quantity of an item as a new lot at a location (POST /receipts; the steps:
    docs/ARCHITECTURE.md, "A receipt").

    The quantity may be in any unit compatible with the item's base unit; the lot keeps its
    cost per base unit. An already-expired lot is refused unless a supervisor accepts it
    with `accept_expired`, and then it arrives in quarantine so it cannot be used by mistake.
    """
    with command() as session:
        received_on = today()
        incoming = read_incoming_lot(session, data, received_on)
        item = incoming.item
        supplier = get_supplier(incoming.supplier_name) if incoming.supplier_name \
            else item.default_supplier
        line_id = fields.integer(data, "purchase_order_line", minimum=1,
                                 maximum=MAX_ID)
        if line_id is not None:
            ordered_from = receive_against_line(session, line_id, item, incoming.base_quantity)
            supplier = get_supplier(incoming.supplier_name) if incoming.supplier_name \
                else ordered_from
        status, status_reason = "available", None
        expiry = incoming.expiry
        if is_expired(expiry, received_on):
            if not (fields.boolean(data, "accept_expired", default=False)
                    and user.can("supervisor")):
                raise ValidationError(
                    t("this lot expired on {date}; a supervisor must accept it",
                      date=expiry.isoformat()),
                    field="expiry")
            status, status_reason = "quarantine", f"received expired ({expiry.isoformat()})"
        lot = add_lot(session, incoming, user, received_on, origin="receipt", supplier=supplier,
                      status=status, status_reason=status_reason,
                      purchase_order_line_id=line_id, key=key)
    return Receipt(lot=lot, base_quantity=incoming.base_quantity)


def _refuse_work_in_progress(location: Location, field: str) -> None:
    """An order's work in progress changes only by its own commands: picks fill it,
    completion and cancelling empty it. Stock put there any other way (a receipt, a
    transfer, a count) would be neither reserved nor picked, and the order could then
    neither complete nor cancel."""
    if location.kind == "wip":
        raise ValidationError(t("{location} is work in progress: stock goes in by a pick and "
                                "out by completing or cancelling its order",
                                location=location.code),
                              field=field)


# --- moves, counts, status --------------------------------------------------------------------

def move_stock(data: Mapping, user: User, key: str | None = None) -> StockMove:
    """Transfer a quantity of a lot between two locations (`lot`, `from`, `to`, `quantity`).
    An order's work in progress is not a place to transfer to or from: a transfer would
    bypass the order's picks and reservations."""
    with command() as session:
        lot = get_lot(fields.text(data, "lot", required=True, max_length=80))
        source = get_location(fields.text(data, "from", required=True, max_length=40), "from")
        target = get_location(fields.text(data, "to", required=True, max_length=40), "to")
        if source.id == target.id:
            raise ValidationError(t("from and to are the same location"), field="to")
        if target.archived:
            raise Conflict(t("location {location} is archived", location=target.code), field="to")
        for place, name in ((source, "from"), (target, "to")):
            _refuse_work_in_progress(place, name)
        quantity = fields.quantity_of(data, "quantity", lot.item)
        return post_move(session, lot=lot, quantity=quantity, reason="transfer",
                         user_id=user.id, from_location=source, to_location=target,
                         reference=("transfer", None), key=key)


@dataclass(frozen=True)
class CountLine:
    lot_code: str
    counted: Decimal


def count_stock(location_code: str, lines: Iterable[CountLine], user: User,
                reason: str | None = None, key: str | None = None) -> StockCount:
    """Record counted quantities at a location. Each difference from the balance becomes an
    `adjust` move with the reason, so the ledger explains every change. An order's work in
    progress is not counted: what is there is what its picks put there."""
    lines = list(lines)
    if not lines:
        raise ValidationError(t("count at least one lot"), field="lot")
    with command() as session:
        location = get_location(location_code)
        _refuse_work_in_progress(location, "location")
        count = StockCount(location=location, reason=reason, user_id=user.id)
        session.add(count)
        session.flush()
        seen: set[str] = set()
        for line in lines:
            if line.lot_code in seen:
                raise ValidationError(t("lot {lot} is counted twice", lot=line.lot_code),
                                      field="lot")
            seen.add(line.lot_code)
            lot = get_lot(line.lot_code)
            balance = _locked_balance(session, lot, location, create=False)
            expected = balance.quantity if balance is not None else Decimal(0)
            session.add(StockCountLine(count=count, lot=lot, expected_quantity=expected,
                                       counted_quantity=line.counted))
            difference = line.counted - expected
            if difference:
                post_move(session, lot=lot, quantity=abs(difference), reason="adjust",
                          user_id=user.id, note=reason, key=key,
                          from_location=location if difference < 0 else None,
                          to_location=location if difference > 0 else None,
                          reference=("count", count.id))
    return count


def count_from_request(data: Mapping, user: User, key: str | None = None) -> StockCount:
    """POST /counts: one lot at one location; `counted_quantity` in `unit` when given."""
    counted = fields.quantity(data, "counted_quantity", allow_zero=True)
    lot_code = fields.text(data, "lot", required=True, max_length=80)
    if fields.text(data, "unit", max_length=20) is not None:
        counted = fields.quantity_of(data, "counted_quantity", get_lot(lot_code).item,
                                     allow_zero=True)
    return count_stock(fields.text(data, "location", required=True, max_length=40),
                       [CountLine(lot_code, counted)],
                       user, reason=fields.text(data, "reason", max_length=500), key=key)


STATUS_ACTIONS = {"quarantine": "quarantine", "release": "available", "reject": "rejected",
                  "available": "available", "rejected": "rejected"}


def change_lot_status(code: str, data: Mapping, user: User) -> Lot:
    """Quarantine, release or reject a lot. A reason is required: it is what an auditor asks
    first."""
    with command():
        lot = get_lot(code)
        wanted = fields.choice(data, "status", tuple(STATUS_ACTIONS), required=True)
        status = STATUS_ACTIONS[wanted]
        assert status in LOT_STATUSES
        reason = fields.text(data, "reason", required=True, max_length=500)
        if status == lot.status:
            raise Conflict(t("lot {lot} is already {status}", lot=lot.code, status=word(status)),
                           field="status")
        record_change(user, "lot", lot.code, {"status": lot.status}, {"status": status},
                      reason=reason)
        lot.status, lot.status_reason = status, reason
    return lot
