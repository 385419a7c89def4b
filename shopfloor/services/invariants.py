"""`flask --app shopfloor check`: prove the invariants the product promises.

Each check is a query that returns the rows that break a rule; an empty result is a pass.
They run in SQL over the whole history, so they stay quick on a large database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.stock import Balance, Lot, StockMove


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


CHECKS: list[Callable[[], list[Violation]]] = [
    balances_match_ledger,
    no_negative_balance,
    balance_items_match_lots,
]


def check_all() -> list[Violation]:
    violations: list[Violation] = []
    for check in CHECKS:
        violations.extend(check())
    db.session.rollback()
    return violations
