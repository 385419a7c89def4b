"""The inventory journal for the accountant: every ledger event as a double entry, valued
at the lot's unit cost, on a chart of accounts with plain default names.

    receipt                  Dr inventory (by item kind)     Cr 2100 GRNI
    opening stock            Dr inventory                    Cr 3900 Opening balances
    pick into an order       Dr 1320 WIP                     Cr inventory
    return from an order     Dr inventory                    Cr 1320 WIP
    completion               Dr output inventory             Cr 1320 WIP (what it consumed
                                                             and scrapped: the batch bears
                                                             its losses)
                                                             Cr 7100 labour and overhead
    shipment                 Dr 5000 COGS                    Cr inventory
    count / adjustment       Dr inventory or 5900            Cr 5900 or inventory
    scrap                    Dr 5900                         Cr inventory

Stock in an order's work-in-progress place is on 1320 whatever it is; elsewhere it is on
the account of its item's kind. A transfer between two places on the same account posts
nothing.

Rounding. One posting is quantity × unit cost, to the cent, half up — but rounding every
posting on its own lets the accounts drift from what the stock is worth by a cent here and
there. So each inventory account keeps its exact running value (unrounded Σ quantity ×
unit cost) and a posting is the change in that value rounded: round(after) − round(before).
Each posting is still within a cent of quantity × unit cost, and an inventory account's
balance is always exactly the value of the stock on it rounded once to the cent — what a
valuation report shows. When the two sides of one event round differently (a pick), or a
produced lot's value at its unit cost differs from the order's total cost, the cent goes to
5910 Rounding differences, so every entry balances.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import ZERO, exact, format_quantity, money_to_api, round_money
from shopfloor.extensions import db
from shopfloor.models.master import Customer, Item, Location
from shopfloor.models.production import ProductionOrder
from shopfloor.models.shipping import Shipment
from shopfloor.models.stock import Lot, StockMove

RAW_MATERIALS = "1310 Raw materials"
WORK_IN_PROGRESS = "1320 Work in progress"
FINISHED_GOODS = "1330 Finished goods"
SEMI_FINISHED = "1340 Semi-finished goods"
GOODS_RECEIVED_NOT_INVOICED = "2100 Goods received not invoiced"
OPENING_BALANCES = "3900 Opening balances"
COST_OF_GOODS_SOLD = "5000 Cost of goods sold"
ADJUSTMENTS = "5900 Inventory adjustments"
ROUNDING = "5910 Rounding differences"
ABSORBED = "7100 Labour and overhead absorbed"

INVENTORY_BY_KIND = {"material": RAW_MATERIALS, "intermediate": SEMI_FINISHED,
                     "product": FINISHED_GOODS}
INVENTORY_ACCOUNTS = (RAW_MATERIALS, WORK_IN_PROGRESS, FINISHED_GOODS, SEMI_FINISHED)
ACCOUNTS = (RAW_MATERIALS, WORK_IN_PROGRESS, FINISHED_GOODS, SEMI_FINISHED,
            GOODS_RECEIVED_NOT_INVOICED, OPENING_BALANCES, COST_OF_GOODS_SOLD, ADJUSTMENTS,
            ROUNDING, ABSORBED)

CSV_HEADER = ("date", "entry", "reference", "account", "debit", "credit", "item", "lot",
              "quantity", "description")


@dataclass
class Line:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    item: str | None = None
    lot: str | None = None
    quantity: Decimal | None = None


@dataclass
class Entry:
    entry: str  # stable: "SF-" and the ledger id of its first move
    on: date
    reference: str
    description: str
    lines: list[Line] = field(default_factory=list)

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    def post(self, account: str, amount: Decimal, *, debit: bool, item=None, lot=None,
             quantity=None) -> None:
        if amount:
            self.lines.append(Line(account, amount if debit else ZERO,
                                   ZERO if debit else amount, item, lot, quantity))


@dataclass
class AccountTotal:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.debit - self.credit


@dataclass
class Journal:
    start: date | None
    end: date
    entries: list[Entry]

    def accounts(self) -> list[AccountTotal]:
        totals = {name: AccountTotal(name) for name in ACCOUNTS}
        for entry in self.entries:
            for line in entry.lines:
                total = totals.setdefault(line.account, AccountTotal(line.account))
                total.debit += line.debit
                total.credit += line.credit
        return [total for total in totals.values() if total.debit or total.credit]


def _account(location_kind: str | None, item_kind: str) -> str | None:
    if location_kind is None:
        return None
    return WORK_IN_PROGRESS if location_kind == "wip" else INVENTORY_BY_KIND[item_kind]


class _Valuer:
    """The exact running value of each inventory account; a posting is the change in its
    value rounded to the cent."""

    def __init__(self, opening: dict[str, Decimal]):
        self.value = defaultdict(lambda: ZERO, opening)

    def change(self, account: str, amount: Decimal) -> Decimal:
        with exact():
            before = self.value[account]
            after = before + amount
        self.value[account] = after
        return abs(round_money(after) - round_money(before))


def opening_values(start: date | None) -> dict[str, Decimal]:
    """Each inventory account's exact value just before `start`, in two grouped queries
    over the earlier ledger (stock in and stock out per unit cost and account)."""
    if start is None:
        return {}
    before = datetime.combine(start, time.min)
    values: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for side, sign in ((StockMove.to_location_id, 1), (StockMove.from_location_id, -1)):
        is_wip = sa.case((Location.kind == "wip", 1), else_=0).label("is_wip")
        rows = db.session.execute(
            sa.select(Lot.unit_cost, Item.kind, is_wip, sa.func.sum(StockMove.quantity))
            .join(Lot, Lot.id == StockMove.lot_id).join(Item, Item.id == Lot.item_id)
            .join(Location, Location.id == side)
            .where(StockMove.created_at < before)
            .group_by(Lot.unit_cost, Item.kind, is_wip))
        with exact():
            for unit_cost, item_kind, wip, quantity in rows:
                account = WORK_IN_PROGRESS if wip else INVENTORY_BY_KIND[item_kind]
                values[account] += sign * quantity * unit_cost
    return dict(values)


def _moves(start: date | None, end: date):
    source, target = aliased(Location), aliased(Location)
    query = (
        sa.select(StockMove.id, StockMove.created_at, StockMove.quantity, StockMove.reason,
                  StockMove.reference_type, StockMove.reference_id, StockMove.note,
                  Lot.code.label("lot"), Lot.unit_cost, Item.sku, Item.kind.label("item_kind"),
                  Item.unit, source.code.label("source"), source.kind.label("source_kind"),
                  target.code.label("target"), target.kind.label("target_kind"),
                  ProductionOrder.number.label("order"), ProductionOrder.labour_cost,
                  ProductionOrder.overhead_cost, Shipment.number.label("shipment"),
                  Shipment.reference.label("shipment_reference"),
                  Customer.name.label("customer"))
        .join(Lot, Lot.id == StockMove.lot_id).join(Item, Item.id == Lot.item_id)
        .outerjoin(source, source.id == StockMove.from_location_id)
        .outerjoin(target, target.id == StockMove.to_location_id)
        .outerjoin(ProductionOrder, sa.and_(StockMove.reference_type == "production_order",
                                            ProductionOrder.id == StockMove.reference_id))
        .outerjoin(Shipment, sa.and_(StockMove.reference_type == "shipment",
                                     Shipment.id == StockMove.reference_id))
        .outerjoin(Customer, Customer.id == Shipment.customer_id)
        .order_by(StockMove.created_at, StockMove.id))
    if end < date.max:
        query = query.where(
            StockMove.created_at < datetime.combine(end + timedelta(days=1), time.min))
    if start is not None:
        query = query.where(StockMove.created_at >= datetime.combine(start, time.min))
    return db.session.execute(query.execution_options(yield_per=2000))


def _in_production(move) -> bool:
    """A move of an order's completion: what it consumed, scrapped and produced (the
    scrap is part of the batch's cost, so it is on the production entry, not 5900)."""
    return (move.reason in ("consume", "produce", "scrap")
            and move.reference_type == "production_order")


def _group(move) -> tuple:
    """Moves made by one command that form one entry: an order's completion (consume and
    produce), a shipment, a count. Anything else is an entry of its own."""
    if _in_production(move):
        return ("production", move.reference_id)
    if move.reference_type in ("shipment", "count") and move.reference_id is not None:
        return (move.reference_type, move.reference_id)
    return ("move", move.id)


def _qty(quantity: Decimal, unit: str) -> str:
    return f"{format_quantity(quantity)} {unit}"


def _new_entry(move) -> Entry:
    what = f"{_qty(move.quantity, move.unit)} {move.sku} lot {move.lot}"
    number, reason = move.order, move.reason
    if reason == "receipt" and move.reference_type == "opening":
        reference, text = "opening", f"Opening stock: {what}"
    elif reason == "receipt":
        reference, text = move.lot, f"Receipt: {what}"
    elif reason in ("consume", "produce", "scrap") and number:
        reference, text = number, f"Production {number}"
    elif reason == "pick":
        reference, text = number or "", f"Pick into {number}: {what}"
    elif reason == "return":
        reference, text = number or "", f"Return from {number}: {what}"
    elif reason == "ship":
        reference = move.shipment or ""
        text = f"Shipment {move.shipment} to {move.customer}"
        if move.shipment_reference:
            text += f" ({move.shipment_reference})"
    elif reason == "adjust" and move.reference_type == "count":
        place = move.source or move.target
        reference, text = f"COUNT-{move.reference_id}", f"Stock count at {place}"
        if move.note:
            text += f": {move.note}"
    else:
        reference = move.reference_type or reason
        text = f"{reason.capitalize()}: {what}"
        if move.note:
            text += f" ({move.note})"
    return Entry(f"SF-{move.id}", move.created_at.date(), reference, text)


_COUNTERPART_OUT = {"ship": COST_OF_GOODS_SOLD, "adjust": ADJUSTMENTS, "scrap": ADJUSTMENTS}


def build(start: date | None, end: date) -> Journal:
    """The journal of the moves made from `start` (None: the beginning) to `end`, both
    days included (UTC)."""
    if start is not None and start > end:
        raise ValidationError(t("from must not be after to"), field="from")
    valuer = _Valuer(opening_values(start))
    entries: dict[tuple, Entry] = {}
    production: dict[tuple, tuple] = {}
    for move in _moves(start, end):
        key = _group(move)
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = _new_entry(move)
        with exact():
            amount = move.quantity * move.unit_cost
        out_of = _account(move.source_kind, move.item_kind)
        into = _account(move.target_kind, move.item_kind)
        detail = {"item": move.sku, "lot": move.lot, "quantity": move.quantity}
        if out_of is not None and into is not None:
            if out_of != into:  # a pick, a return, a transfer into or out of an order
                entry.post(into, valuer.change(into, amount), debit=True, **detail)
                entry.post(out_of, valuer.change(out_of, -amount), debit=False, **detail)
        elif into is not None:
            value = valuer.change(into, amount)
            entry.post(into, value, debit=True, **detail)
            if move.reason == "produce":
                entry.description = (f"Production {move.order}: "
                                     f"{_qty(move.quantity, move.unit)} {move.sku} lot {move.lot}")
                production[key] = (move.labour_cost or ZERO) + (move.overhead_cost or ZERO)
            elif move.reason == "receipt":
                entry.post(OPENING_BALANCES if move.reference_type == "opening"
                           else GOODS_RECEIVED_NOT_INVOICED, value, debit=False, **detail)
            else:  # a count found more, or any other stock that appeared
                entry.post(ADJUSTMENTS, value, debit=False, **detail)
        elif out_of is not None:
            value = valuer.change(out_of, -amount)
            entry.post(out_of, value, debit=False, **detail)
            if move.reason != "consume" and not _in_production(move):
                entry.post(_COUNTERPART_OUT.get(move.reason, ADJUSTMENTS), value, debit=True,
                           **detail)
    for key, absorbed in production.items():
        entries[key].post(ABSORBED, absorbed, debit=False)
    for entry in entries.values():
        difference = entry.debit - entry.credit
        if difference:
            entry.post(ROUNDING, abs(difference), debit=difference < 0)
    return Journal(start, end, [entry for entry in entries.values() if entry.lines])


def parse_period(values) -> tuple[date | None, date]:
    """`from` and `to` (YYYY-MM-DD). Without them: this month so far."""
    from shopfloor.services import fields

    end = fields.iso_date(values, "to") or date.today()
    start = fields.iso_date(values, "from")
    if start is None and "from" not in values:
        start = end.replace(day=1)
    if start is not None and start > end:
        raise ValidationError(t("from must not be after to"), field="from")
    return start, end


# --- presenting -------------------------------------------------------------------------------

def csv_rows(journal: Journal) -> Iterator[list[str]]:
    """One row per posting line, as accounting software imports them."""
    from shopfloor.services.exports import csv_text

    for entry in journal.entries:
        for line in entry.lines:
            yield [entry.on.isoformat(), entry.entry, csv_text(entry.reference), line.account,
                   money_to_api(line.debit), money_to_api(line.credit),
                   csv_text(line.item or ""), csv_text(line.lot or ""),
                   "" if line.quantity is None else format_quantity(line.quantity),
                   csv_text(entry.description)]


def journal_json(journal: Journal) -> dict:
    return {
        "from": journal.start.isoformat() if journal.start else None,
        "to": journal.end.isoformat(),
        "entries": [{
            "entry": entry.entry, "date": entry.on.isoformat(), "reference": entry.reference,
            "description": entry.description,
            "lines": [{"account": line.account, "debit": money_to_api(line.debit),
                       "credit": money_to_api(line.credit), "item": line.item,
                       "lot": line.lot,
                       "quantity": None if line.quantity is None
                       else format_quantity(line.quantity)}
                      for line in entry.lines]}
            for entry in journal.entries],
        "accounts": [{"account": total.account, "debit": money_to_api(total.debit),
                      "credit": money_to_api(total.credit), "net": money_to_api(total.net)}
                     for total in journal.accounts()],
    }
