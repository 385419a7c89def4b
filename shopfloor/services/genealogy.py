"""Traceability both ways, and the recall report (docs/ARCHITECTURE.md, "Traceability").

The closures are recursive SQL (WITH RECURSIVE works on SQLite and PostgreSQL alike), so a
trace is a few queries however deep or wide the history: one for the related lots and the
links between them, one for the lots' facts, and one for the shipments.
"""

from __future__ import annotations

import functools
import gc
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.database import command
from shopfloor.domain.errors import NotFound, ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import QUANTITY_PLACES, ZERO
from shopfloor.extensions import db
from shopfloor.models.master import Customer, Item, Location, Supplier
from shopfloor.models.production import LotLink
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.stock import Balance, Lot, StockMove
from shopfloor.services.audit import record_change

BACKWARD = "backward"
FORWARD = "forward"


def among(column, ids: Iterable[int]):
    """`column IN ids` as ONE bound parameter however many ids there are: a trace of tens
    of thousands of lots would pass SQLite's limit of 32,766 parameters in a statement (and
    PostgreSQL's of 65,535) as a plain IN list, and planning such a list costs time too."""
    ids = list(ids)
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, ids, type_=ARRAY(sa.Integer)))
    values = sa.func.json_each(json.dumps(ids)).table_valued("value")
    return column.in_(sa.select(values.c.value))


def related_lot_ids(lot_ids: Iterable[int], direction: str) -> set[int]:
    """Every lot reachable from `lot_ids` through genealogy links, the lots themselves
    included: inputs (backward) or outputs (forward), at every level. UNION (not UNION
    ALL) keeps each lot once, so the recursion ends even on a damaged, cyclic history."""
    start = list(set(lot_ids))
    if not start:
        return set()
    closure = _closure(start, direction)
    return set(db.session.scalars(sa.select(closure.c.lot_id)))


def _sides(direction: str):
    """(near, far): a link leads from its near lot to its far one in this direction."""
    if direction == BACKWARD:
        return LotLink.output_lot_id, LotLink.input_lot_id
    return LotLink.input_lot_id, LotLink.output_lot_id


def _closure(start: list[int], direction: str):
    near, far = _sides(direction)
    seed = sa.select(Lot.id.label("lot_id")).where(among(Lot.id, start))
    closure = seed.cte("closure", recursive=True)
    step = sa.select(far.label("lot_id")).join(closure, near == closure.c.lot_id)
    return closure.union(step)


@dataclass
class LotFacts:
    id: int
    code: str
    sku: str
    item_name: str
    unit: str
    kind: str
    origin: str
    status: str
    expiry: date | None
    received_on: date
    supplier: str | None
    supplier_lot: str | None


def lot_facts(lot_ids: Iterable[int]) -> dict[int, LotFacts]:
    """The facts of some lots. Items and suppliers are read once each, not once per lot: a
    trace of tens of thousands of lots names a few hundred items."""
    rows = db.session.execute(
        sa.select(Lot.id, Lot.code, Lot.item_id, Lot.origin, Lot.status, Lot.expiry,
                  Lot.received_on, Lot.supplier_id, Lot.supplier_lot)
        .where(among(Lot.id, lot_ids))).all()
    items = {item_id: facts for item_id, *facts in db.session.execute(
        sa.select(Item.id, Item.sku, Item.name, Item.unit, Item.kind)
        .where(Item.id.in_({row.item_id for row in rows})))}
    suppliers = dict(db.session.execute(
        sa.select(Supplier.id, Supplier.name)
        .where(Supplier.id.in_({row.supplier_id for row in rows} - {None}))).all())
    return {lot_id: LotFacts(lot_id, code, *items[item_id], origin, status, expiry, received_on,
                             suppliers.get(supplier_id), supplier_lot)
            for lot_id, code, item_id, origin, status, expiry, received_on, supplier_id,
            supplier_lot in rows}


@dataclass
class ShipmentRow:
    number: str
    customer: str
    shipped_on: date
    reference: str | None
    lot_id: int
    lot: str
    quantity: Decimal


def shipments_of(lot_ids: Iterable[int]) -> list[ShipmentRow]:
    rows = db.session.execute(
        sa.select(Shipment.number, Customer.name, Shipment.shipped_on, Shipment.reference,
                  Lot.id, Lot.code, sa.func.sum(ShipmentLine.quantity))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(Customer, Customer.id == Shipment.customer_id)
        .join(Lot, Lot.id == ShipmentLine.lot_id)
        .where(among(ShipmentLine.lot_id, lot_ids))
        .group_by(Shipment.id, Shipment.number, Customer.name, Shipment.shipped_on,
                  Shipment.reference, Lot.id, Lot.code)
        .order_by(Shipment.shipped_on, Shipment.number, Lot.code)).all()
    return [ShipmentRow(*row) for row in rows]


@dataclass
class TraceNode:
    lot: LotFacts
    # How much flowed along the link to the parent, in the input lot's unit: backward, how
    # much of this lot went into the parent; forward, how much of the parent went into it.
    quantity: Decimal | None
    children: list[TraceNode] = field(default_factory=list)
    repeated: bool = False  # shown already elsewhere in this tree: not expanded again


#: A lot's facts in a trace, as the API writes them: these keys, in this order, of one JSON
#: object (dates as ISO 8601 text), made by the database itself (`_facts_json`).
TRACE_FACTS = ("code", "item", "item_name", "unit", "origin", "status", "expiry",
               "received_on", "supplier", "supplier_lot")


class Trace:
    """What a trace found, kept as the rows it was read as: a trace of tens of thousands of
    lots is written out as JSON far faster from those than through an object per node.
    `root` is the tree of `TraceNode`s (built on first use, for pages and tests); `tree`
    builds any other shape of it."""

    def __init__(self, direction: str, root_id: int, facts: dict[int, tuple],
                 links: dict[int, list[tuple[int, int]]], shipments: list[ShipmentRow]):
        self.direction = direction
        self.root_id = root_id
        #: lot id -> (its facts as a JSON object of TRACE_FACTS, its item's kind)
        self.facts = facts
        #: lot id -> [(related lot id, quantity scaled by 10**6)], in the order of the ids
        self.links = links
        self.shipments = shipments

    @property
    def lot_count(self) -> int:
        return len(self.facts)

    def tree(self, node):
        """The tree built by `node(lot_id, scaled_quantity, children, depth)`, depth first in
        the order of the links; `scaled_quantity` is None at the root (depth 0), `children`
        is None for a lot met again (`repeated`: expanded already, earlier in the tree)."""
        # Walked with a stack of its own, not by recursion: a starter or rework lot fed into
        # every day's batch makes chains of hundreds of levels, past Python's recursion limit.
        links, seen = self.links, {self.root_id}
        stack = [(self.root_id, None, iter(links.get(self.root_id, ())), [])]
        while True:
            lot_id, quantity, pending, children = stack[-1]
            following = next(pending, None)
            if following is None:  # every child built: build this one
                stack.pop()
                made = node(lot_id, quantity, children, len(stack))
                if not stack:
                    return made
                stack[-1][3].append(made)
            elif following[0] in seen:
                children.append(node(following[0], following[1], None, len(stack)))
            else:
                seen.add(following[0])
                stack.append((*following, iter(links.get(following[0], ())), []))

    @functools.cached_property
    def root(self) -> TraceNode:
        facts: dict[int, LotFacts] = {}

        def node(lot_id, scaled, children, _depth):
            lot = facts.get(lot_id)
            if lot is None:
                lot = facts[lot_id] = LotFacts(lot_id, *self._facts_of(lot_id))
            quantity = None if scaled is None else Decimal(scaled).scaleb(-QUANTITY_PLACES)
            return TraceNode(lot, quantity, children or [], children is None)

        return self.tree(node)

    def _facts_of(self, lot_id: int) -> tuple:
        text, kind = self.facts[lot_id]
        (code, sku, item_name, unit, origin, status, expiry, received_on, supplier,
         supplier_lot) = json.loads(text).values()
        return (code, sku, item_name, unit, kind, origin, status,
                date.fromisoformat(expiry) if expiry else None,
                date.fromisoformat(received_on), supplier, supplier_lot)


def without_cycle_collection(function):
    """A trace or a recall of tens of thousands of lots builds as many objects in a few
    hundred milliseconds, and the cycle collector, set off every few hundred allocations,
    would walk every object of the process over and over meanwhile (half the time of a
    large trace). What is built has no cycles: reference counting frees it all the same.
    Gunicorn's sync workers run one request at a time, so nothing else waits on this.
    The API's views wear it too: writing the answer as JSON builds as many objects again."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return wrapper


def _in_closure(column, closure):
    """`column IN (SELECT lot_id FROM closure)`. PostgreSQL guesses a recursive closure's
    size badly and, for `IN`, merge-joins it with a scan of every link (the bench's trace:
    750,000 of them, 130 ms); as `= ANY(ARRAY(...))` it reads the closure once and looks
    each lot up in the index (65 ms). SQLite looks them up either way."""
    lot_ids = sa.select(closure.c.lot_id)
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.func.array(lot_ids.scalar_subquery(),
                                               type_=ARRAY(sa.Integer)))
    return column.in_(lot_ids)


def _facts_json(lots, items, suppliers):
    """A lot's facts as the API writes them, one JSON object of TRACE_FACTS, compact, made
    by the database: a trace of tens of thousands of lots then reads one text per lot
    rather than ten values, and writes it out as it is (tests/integration/
    test_trace_facts_json.py holds both databases' text to Python's, awkward strings too)."""
    values = (lots.c.code, items.c.sku, items.c.name, items.c.unit, lots.c.origin,
              lots.c.status, _iso_date(lots.c.expiry), _iso_date(lots.c.received_on),
              suppliers.c.name, lots.c.supplier_lot)
    if db.engine.dialect.name == "postgresql":
        # json_build_object puts spaces after colons and commas: written out instead, each
        # value by to_json (escaped as Python's json module escapes it).
        parts = []
        for n, (key, value) in enumerate(zip(TRACE_FACTS, values, strict=True)):
            parts += [sa.literal(("{" if n == 0 else ",") + json.dumps(key) + ":"),
                      sa.func.coalesce(sa.cast(sa.func.to_json(value), sa.Text), "null")]
        return sa.func.concat(*parts, "}")
    return sa.func.json_object(*[part for key, value in zip(TRACE_FACTS, values, strict=True)
                                 for part in (key, value)])


def _iso_date(column):
    """A date column as its ISO 8601 text, "2025-11-26": what a trace writes, read without
    making a date of each (SQLite keeps dates as that text already)."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD")
    return sa.type_coerce(column, sa.String)


@without_cycle_collection
def trace(lot: Lot, direction: str) -> Trace:
    """The genealogy tree of a lot: backward to every input down to supplier lots, or
    forward to every lot made from it and every shipment that carried them.

    Two statements however large the tree, in plain Core on the tables, so that reading
    tens of thousands of rows builds no ORM objects: the closure and the links inside it
    (every lot of the closure but the first is the far end of such a link, so the links
    name them all), then the facts of those lots with their items and suppliers joined.
    (Reading the facts by joining the closure in the first statement was measured, on
    SQLite, slower than this: the join is made on every link, not once per lot, and its
    rows need sorting again; joining the closure in the second walks the links twice.)"""
    tables = LotLink.__table__
    near, far = ((tables.c.output_lot_id, tables.c.input_lot_id) if direction == BACKWARD
                 else (tables.c.input_lot_id, tables.c.output_lot_id))
    closure = _closure([lot.id], direction)
    connection = db.session.connection()
    links: dict[int, list[tuple[int, int]]] = defaultdict(list)
    ids = {lot.id}
    for parent, child, scaled in connection.execute(
            sa.select(near, far,
                      # The stored integers (scaled by 10**6), summed as such: PostgreSQL's
                      # SUM of a BIGINT is a NUMERIC, hence the cast.
                      sa.cast(sa.func.sum(sa.type_coerce(tables.c.quantity, sa.BigInteger)),
                              sa.BigInteger))
            .where(_in_closure(near, closure))
            .group_by(near, far).order_by(near, far)):
        links[parent].append((child, scaled))
        ids.add(child)
    lots, items, suppliers = Lot.__table__, Item.__table__, Supplier.__table__
    facts = {lot_id: (text, kind) for lot_id, text, kind in connection.execute(
        sa.select(lots.c.id, _facts_json(lots, items, suppliers), items.c.kind)
        .join(items, items.c.id == lots.c.item_id)
        .outerjoin(suppliers, suppliers.c.id == lots.c.supplier_id)
        .where(among(lots.c.id, ids)))}
    shipped = shipments_of(ids) if direction == FORWARD else []
    return Trace(direction, lot.id, facts, links, shipped)


# --- recall ---------------------------------------------------------------------------------

@dataclass
class MassBalance:
    received: Decimal = ZERO  # received, produced or opening stock
    consumed: Decimal = ZERO
    shipped: Decimal = ZERO
    adjusted: Decimal = ZERO  # counts and adjustments, net (+ found, - lost)
    scrapped: Decimal = ZERO
    on_hand: Decimal = ZERO

    @property
    def expected_on_hand(self) -> Decimal:
        return self.received - self.consumed - self.shipped + self.adjusted - self.scrapped

    @property
    def discrepancy(self) -> Decimal:
        return self.on_hand - self.expected_on_hand


@dataclass
class RecallLot:
    facts: LotFacts
    balance: MassBalance
    locations: list[tuple[str, str, Decimal]]  # code, name, quantity


@dataclass
class Recall:
    starting: list[str]
    lots: list[RecallLot]
    shipments: list[ShipmentRow]

    @property
    def customers(self) -> list[str]:
        return sorted({row.customer for row in self.shipments})

    @property
    def balanced(self) -> bool:
        return all(lot.balance.discrepancy == 0 for lot in self.lots)


def mass_balances(lot_ids: Iterable[int]) -> dict[int, MassBalance]:
    """Per lot, from the ledger: what came in, what left by each route, and what is on
    hand, in two grouped queries."""
    ids = list(lot_ids)
    balances = {lot_id: MassBalance() for lot_id in ids}
    entering = StockMove.from_location_id.is_(None)
    leaving = StockMove.to_location_id.is_(None)
    rows = db.session.execute(
        sa.select(StockMove.lot_id, StockMove.reason, entering, leaving,
                  sa.func.sum(StockMove.quantity))
        .where(among(StockMove.lot_id, ids), sa.or_(entering, leaving))
        .group_by(StockMove.lot_id, StockMove.reason, entering, leaving)).all()
    for lot_id, reason, came_in, _went_out, quantity in rows:
        balance = balances[lot_id]
        if reason == "adjust":
            balance.adjusted += quantity if came_in else -quantity
        elif came_in:
            balance.received += quantity
        elif reason == "consume":
            balance.consumed += quantity
        elif reason == "ship":
            balance.shipped += quantity
        else:
            balance.scrapped += quantity
    for lot_id, quantity in db.session.execute(
            sa.select(Balance.lot_id, sa.func.sum(Balance.quantity))
            .where(among(Balance.lot_id, ids)).group_by(Balance.lot_id)):
        balances[lot_id].on_hand = quantity
    return balances


@without_cycle_collection
def recall(lot_codes: Iterable[str], *, include_inputs: bool = False) -> Recall:
    """Everything a regulator asks about a recall, from one or several lots: every lot made
    from them at every level, where what remains is, every shipment, and a mass balance
    per lot. With `include_inputs`, first go back to the supplier lots that went into them
    (the answer to "who else received anything made from the same ingredients?")."""
    codes = list(dict.fromkeys(code.strip() for code in lot_codes if code and code.strip()))
    if not codes:
        raise ValidationError(t("name at least one lot"), field="lot")
    found = dict(db.session.execute(sa.select(Lot.code, Lot.id).where(Lot.code.in_(codes))).all())
    missing = [code for code in codes if code not in found]
    if missing:
        raise NotFound(t("no lot with code {code}", code=missing[0]), field="lot")
    start = set(found.values())
    if include_inputs:
        start = related_lot_ids(start, BACKWARD)
    ids = related_lot_ids(start, FORWARD)
    facts = lot_facts(ids)
    balances = mass_balances(ids)
    places: dict[int, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for lot_id, code, name, quantity in db.session.execute(
            sa.select(Balance.lot_id, Location.code, Location.name, Balance.quantity)
            .join(Location, Location.id == Balance.location_id)
            .where(among(Balance.lot_id, ids), Balance.quantity > 0)
            .order_by(Location.code)):
        places[lot_id].append((code, name, quantity))
    lots = sorted((RecallLot(facts[i], balances[i], places.get(i, [])) for i in ids),
                  key=lambda lot: (lot.facts.kind != "material", lot.facts.kind,
                                   lot.facts.code))
    return Recall(codes, lots, shipments_of(ids))


def quarantine_recalled(recall_report: Recall, reason: str, user) -> list[str]:
    """Quarantine, in one command, every affected lot that still has stock and is not
    already held back."""
    if not (reason or "").strip():
        raise ValidationError(t("give the reason for the quarantine"), field="reason")
    ids = [lot.facts.id for lot in recall_report.lots
           if lot.balance.on_hand > 0 and lot.facts.status == "available"]
    with command() as session:
        # Re-read under lock: a lot rejected since the report was made stays rejected.
        lots = session.scalars(sa.select(Lot).where(Lot.id.in_(ids), Lot.status == "available")
                               .with_for_update().execution_options(populate_existing=True)).all()
        for lot in lots:
            record_change(user, "lot", lot.code, {"status": lot.status},
                          {"status": "quarantine"}, reason=reason)
            lot.status, lot.status_reason = "quarantine", reason.strip()
    return sorted(lot.code for lot in lots)
