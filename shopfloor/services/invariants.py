"""`flask --app shopfloor check`: prove the invariants the product promises.

Each check is a query that returns the rows that break a rule; an empty result is a pass.
They run in SQL over the whole history, so they stay quick on a large database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.domain import order_lifecycle as lifecycle
from shopfloor.domain import sales as sales_rules
from shopfloor.domain.quantities import format_quantity, quantize_unit_cost, round_money
from shopfloor.extensions import db
from shopfloor.models.master import Item, Location
from shopfloor.models.production import LotLink, OrderRequirement, ProductionOrder
from shopfloor.models.sales import SalesOrder, SalesOrderLine
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.stock import Balance, Lot, StockMove
from shopfloor.services.availability import reservations
from shopfloor.services.genealogy import BACKWARD, FORWARD, related_lot_ids


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str


def _ledger_totals():
    """Per (lot, location): what the ledger says is there (in minus out)."""
    incoming = sa.select(StockMove.lot_id.label("lot_id"),
                         StockMove.to_location_id.label("location_id"),
                         StockMove.quantity.label("delta")).where(
        StockMove.to_location_id.is_not(None))
    outgoing = sa.select(StockMove.lot_id, StockMove.from_location_id,
                         (-StockMove.quantity).label("delta")).where(
        StockMove.from_location_id.is_not(None))
    union = sa.union_all(incoming, outgoing).subquery()
    return (sa.select(union.c.lot_id, union.c.location_id,
                      sa.func.sum(union.c.delta).label("quantity"))
            .group_by(union.c.lot_id, union.c.location_id).subquery())


def balances_match_ledger() -> list[Violation]:
    ledger = _ledger_totals()
    # Balances without ledger rows, ledger totals without balances, and differing amounts.
    mismatched = db.session.execute(
        sa.select(Lot.code, Balance.location_id, Balance.quantity, ledger.c.quantity)
        .select_from(Balance)
        .join(Lot, Lot.id == Balance.lot_id)
        .outerjoin(ledger, sa.and_(ledger.c.lot_id == Balance.lot_id,
                                   ledger.c.location_id == Balance.location_id))
        .where(sa.func.coalesce(ledger.c.quantity, 0) != Balance.quantity)).all()
    violations = [
        Violation("balance equals ledger",
                  f"lot {code} at location #{location}: balance {balance}, "
                  f"ledger {ledger_quantity or 0}")
        for code, location, balance, ledger_quantity in mismatched
    ]
    missing = db.session.execute(
        sa.select(Lot.code, ledger.c.location_id, ledger.c.quantity)
        .select_from(ledger)
        .join(Lot, Lot.id == ledger.c.lot_id)
        .outerjoin(Balance, sa.and_(Balance.lot_id == ledger.c.lot_id,
                                    Balance.location_id == ledger.c.location_id))
        .where(Balance.lot_id.is_(None), ledger.c.quantity != 0)).all()
    violations += [
        Violation("balance equals ledger",
                  f"lot {code} at location #{location}: no balance, ledger {quantity}")
        for code, location, quantity in missing
    ]
    return violations


def no_negative_balance() -> list[Violation]:
    rows = db.session.execute(
        sa.select(Lot.code, Balance.location_id, Balance.quantity)
        .join(Lot, Lot.id == Balance.lot_id).where(Balance.quantity < 0)).all()
    return [Violation("no negative balance", f"lot {code} at location #{loc}: {quantity}")
            for code, loc, quantity in rows]


def balance_items_match_lots() -> list[Violation]:
    rows = db.session.execute(
        sa.select(Lot.code).join(Balance, Balance.lot_id == Lot.id)
        .where(Balance.item_id != Lot.item_id)).scalars().all()
    return [Violation("balance item is its lot's item", f"lot {code}") for code in rows]


def work_in_progress_explained_by_picks() -> list[Violation]:
    """What an order's work in progress holds of a lot came there by picks: on hand there is
    at most what was picked in less what went out (consumed, returned, scrapped). More means
    stock entered some other way (a count, in an older version) and the order can neither
    complete nor cancel cleanly."""
    picked_in = sa.func.sum(sa.case((StockMove.reason == "pick", StockMove.quantity),
                                    else_=0))
    into = (sa.select(StockMove.lot_id.label("lot_id"),
                      StockMove.to_location_id.label("location_id"),
                      picked_in.label("picked"))
            .join(Location, Location.id == StockMove.to_location_id)
            .where(Location.kind == "wip")
            .group_by(StockMove.lot_id, StockMove.to_location_id).subquery())
    out_of = (sa.select(StockMove.lot_id.label("lot_id"),
                        StockMove.from_location_id.label("location_id"),
                        sa.func.sum(StockMove.quantity).label("out"))
              .join(Location, Location.id == StockMove.from_location_id)
              .where(Location.kind == "wip")
              .group_by(StockMove.lot_id, StockMove.from_location_id).subquery())
    rows = db.session.execute(
        sa.select(Lot.code, Location.code, Balance.quantity, into.c.picked, out_of.c.out)
        .select_from(Balance)
        .join(Location, Location.id == Balance.location_id)
        .join(Lot, Lot.id == Balance.lot_id)
        .outerjoin(into, sa.and_(into.c.lot_id == Balance.lot_id,
                                 into.c.location_id == Balance.location_id))
        .outerjoin(out_of, sa.and_(out_of.c.lot_id == Balance.lot_id,
                                   out_of.c.location_id == Balance.location_id))
        .where(Location.kind == "wip", Balance.quantity > 0)
        .order_by(Location.code, Lot.code)).all()
    violations = []
    for lot, place, held, picked, out in rows:
        explained = max((picked or 0) - (out or 0), 0)
        if held > explained:
            violations.append(Violation(
                "work in progress explained by picks",
                f"{place} holds {format_quantity(held - explained)} of lot {lot} that no "
                f"pick put there"))
    return violations


def reservations_within_stock() -> list[Violation]:
    """A reservation never exceeds what its order still needs, and closed (or draft)
    orders hold nothing. Commands never reserve more than is available (release counts
    free stock with the items locked; picks and shipments cannot take what others hold);
    stock found missing by a count afterwards is reported by `reservation_warnings`."""
    violations = work_in_progress_explained_by_picks()  # the picked side of reservations
    rows = db.session.execute(
        sa.select(ProductionOrder.number, ProductionOrder.status, Item.sku,
                  OrderRequirement.required, OrderRequirement.picked, OrderRequirement.reserved)
        .join(ProductionOrder, ProductionOrder.id == OrderRequirement.order_id)
        .join(Item, Item.id == OrderRequirement.item_id)
        .where(OrderRequirement.reserved > 0)).all()
    for number, status, sku, required, picked, reserved in rows:
        if not lifecycle.holds_reservations(status):
            violations.append(Violation("reservations within availability",
                                        f"{number} is {status} but holds {reserved} of {sku}"))
        elif reserved > max(required - picked, 0):
            violations.append(Violation(
                "reservations within availability",
                f"{number} holds {reserved} of {sku} but needs only {required - picked} more"))
    return violations


def reservation_warnings() -> list[Violation]:
    """Items whose reservations now exceed what is on hand in free locations. Not a broken
    ledger — a count or scrap found less than was reserved — but orders that need
    re-planning, so `flask check` lists them without failing."""
    violations = []
    every = reservations().subquery()  # production and sales orders: one pool
    held = (sa.select(every.c.item_id, sa.func.sum(every.c.quantity).label("reserved"))
            .group_by(every.c.item_id).subquery())
    stock = (sa.select(Balance.item_id, sa.func.sum(Balance.quantity).label("on_hand"))
             .join(Location, Location.id == Balance.location_id)
             .where(Location.kind.not_in(("wip",)))
             .group_by(Balance.item_id).subquery())
    for sku, reserved, on_hand in db.session.execute(
            sa.select(Item.sku, held.c.reserved, stock.c.on_hand)
            .join(held, held.c.item_id == Item.id)
            .outerjoin(stock, stock.c.item_id == Item.id)
            .where(held.c.reserved > sa.func.coalesce(stock.c.on_hand, 0))):
        violations.append(Violation(
            "reservations within availability",
            f"{sku}: {format_quantity(reserved)} reserved but "
            f"{format_quantity(on_hand or 0)} on hand"))
    return violations


def genealogy_is_acyclic() -> list[Violation]:
    """No lot is (through any number of steps) an input of itself."""
    paths = (sa.select(LotLink.input_lot_id.label("start"), LotLink.output_lot_id.label("lot"))
             .cte("paths", recursive=True))
    paths = paths.union(
        sa.select(paths.c.start, LotLink.output_lot_id)
        .join(paths, LotLink.input_lot_id == paths.c.lot)
        .where(paths.c.start != paths.c.lot))
    cyclic = db.session.scalars(
        sa.select(Lot.code).join(paths, paths.c.start == Lot.id)
        .where(paths.c.start == paths.c.lot).distinct()).all()
    return [Violation("genealogy is acyclic", f"lot {code} is its own input") for code in cyclic]


def traces_agree(sample: int = 2000) -> list[Violation]:
    """A lot is in another's backward tree exactly when that one is in its forward tree —
    checked through the same trace queries the app answers with, on up to `sample` lots
    that have genealogy. Each ancestor's forward trace is asked once for all the sampled
    lots made from it, so the check stays quick on a long history."""
    lot_ids = db.session.scalars(
        sa.select(LotLink.output_lot_id).distinct().order_by(LotLink.output_lot_id)
        .limit(sample)).all()
    made_from: dict[int, list[int]] = {}  # ancestor -> the sampled lots made from it
    for lot_id in lot_ids:
        for ancestor in sorted(related_lot_ids([lot_id], BACKWARD) - {lot_id}):
            made_from.setdefault(ancestor, []).append(lot_id)
    violations = []
    for ancestor, lots in made_from.items():
        forward = related_lot_ids([ancestor], FORWARD)
        violations += [Violation("traces agree", f"lot #{lot_id} is made from #{ancestor} "
                                 "but not in its forward trace")
                       for lot_id in lots if lot_id not in forward]
    return violations


def produced_lots_cost_what_they_consumed() -> list[Violation]:
    """Each completed order's total is its consumed and scrapped lots' costs plus labour
    and overhead (material lost in the run is charged to the batch), each consumed line
    cost is its quantity times the input lot's cost, and the output lot's unit cost is that
    total over the produced quantity. A scrapped line's cost is not stored: it is the
    order's scrap moves of that lot times the lot's cost, to the cent, as completion
    costed it."""
    violations = []
    scrapped: dict[int, Decimal] = defaultdict(lambda: Decimal(0))
    for order_id, quantity, unit_cost in db.session.execute(
            sa.select(StockMove.reference_id, sa.func.sum(StockMove.quantity), Lot.unit_cost)
            .join(Lot, Lot.id == StockMove.lot_id)
            .where(StockMove.reason == "scrap",
                   StockMove.reference_type == "production_order")
            .group_by(StockMove.reference_id, StockMove.lot_id, Lot.unit_cost)):
        scrapped[order_id] += round_money(quantity * unit_cost)
    links = (sa.select(LotLink.output_lot_id, sa.func.sum(LotLink.cost).label("material"))
             .group_by(LotLink.output_lot_id).subquery())
    rows = db.session.execute(
        sa.select(ProductionOrder.id, ProductionOrder.number, ProductionOrder.total_cost,
                  ProductionOrder.labour_cost, ProductionOrder.overhead_cost,
                  ProductionOrder.produced_quantity, Lot.unit_cost, links.c.material)
        .join(Lot, Lot.id == ProductionOrder.output_lot_id)
        .outerjoin(links, links.c.output_lot_id == Lot.id)
        .where(ProductionOrder.status == lifecycle.COMPLETED)).all()
    for order_id, number, total, labour, overhead, produced, unit_cost, material in rows:
        lost = scrapped.get(order_id, 0)
        if (material or 0) + lost + labour + overhead != total:
            violations.append(Violation(
                "produced lot cost", f"{number}: {material or 0} + {lost} scrapped + "
                f"{labour} + {overhead} is not its total {total}"))
        if quantize_unit_cost(total / produced) != unit_cost:
            violations.append(Violation("produced lot cost",
                                        f"{number}: unit cost {unit_cost} is not "
                                        f"{total} / {produced}"))
    bad_lines = db.session.execute(
        sa.select(LotLink.id, Lot.code, LotLink.quantity, Lot.unit_cost, LotLink.cost)
        .join(Lot, Lot.id == LotLink.input_lot_id)).all()
    for _id, code, quantity, unit_cost, cost in bad_lines:
        if round_money(quantity * unit_cost) != cost:
            violations.append(Violation("produced lot cost",
                                        f"{quantity} of {code} at {unit_cost} is not {cost}"))
    return violations


def sales_orders_agree_with_shipments() -> list[Violation]:
    """What each sales order line says has shipped is what the shipments against the order
    carried of its item; a line holds no more than it still awaits, and only a confirmed or
    partly shipped order holds anything."""
    violations = []
    shipped = {(order_id, item_id): total for order_id, item_id, total in db.session.execute(
        sa.select(Shipment.sales_order_id, Lot.item_id, sa.func.sum(ShipmentLine.quantity))
        .join(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .join(Lot, Lot.id == ShipmentLine.lot_id)
        .where(Shipment.sales_order_id.is_not(None))
        .group_by(Shipment.sales_order_id, Lot.item_id))}
    lines = db.session.execute(
        sa.select(SalesOrder.id, SalesOrder.number, SalesOrder.status, SalesOrderLine.item_id,
                  Item.sku, SalesOrderLine.quantity, SalesOrderLine.reserved,
                  SalesOrderLine.shipped)
        .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
        .join(Item, Item.id == SalesOrderLine.item_id)).all()
    counted: dict[tuple[int, int], Decimal] = {}
    for order_id, number, status, item_id, sku, quantity, reserved, line_shipped in lines:
        key = (order_id, item_id)
        counted[key] = counted.get(key, Decimal(0)) + line_shipped
        if reserved > 0 and status not in sales_rules.HOLDING_STATUSES:
            violations.append(Violation("sales orders agree with shipments",
                                        f"{number} is {status} but holds "
                                        f"{format_quantity(reserved)} of {sku}"))
        elif reserved > max(quantity - line_shipped, 0):
            violations.append(Violation(
                "sales orders agree with shipments",
                f"{number} holds {format_quantity(reserved)} of {sku} but awaits only "
                f"{format_quantity(quantity - line_shipped)}"))
    for key in set(counted) | set(shipped):
        if counted.get(key, Decimal(0)) != shipped.get(key, Decimal(0)):
            number = db.session.scalar(sa.select(SalesOrder.number)
                                       .where(SalesOrder.id == key[0]))
            sku = db.session.scalar(sa.select(Item.sku).where(Item.id == key[1]))
            violations.append(Violation(
                "sales orders agree with shipments",
                f"{number} says {format_quantity(counted.get(key, Decimal(0)))} of {sku} "
                f"shipped; its shipments carried {format_quantity(shipped.get(key, Decimal(0)))}"))
    return violations


CHECKS: list[Callable[[], list[Violation]]] = [
    balances_match_ledger,
    no_negative_balance,
    balance_items_match_lots,
    reservations_within_stock,
    sales_orders_agree_with_shipments,
    genealogy_is_acyclic,
    traces_agree,
    produced_lots_cost_what_they_consumed,
]


def check_all(trace_sample: int = 2000) -> list[Violation]:
    violations: list[Violation] = []
    for check in CHECKS:
        violations.extend(check(trace_sample) if check is traces_agree else check())
    db.session.rollback()
    return violations
