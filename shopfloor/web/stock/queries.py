"""Read-only lookups for the stock pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.stock import Lot


@dataclass(frozen=True)
class LastCost:
    unit_cost: Decimal
    """Per the item's base unit, as the lot keeps it."""
    lot_code: str
    received_on: date


def last_receipt_cost(item_id: int) -> LastCost | None:
    """The cost of the item's most recent receipt with a cost, or None before the first."""
    row = db.session.execute(
        sa.select(Lot.unit_cost, Lot.code, Lot.received_on)
        .where(Lot.item_id == item_id, Lot.origin == "receipt", Lot.unit_cost > 0)
        .order_by(Lot.received_on.desc(), Lot.id.desc()).limit(1)).first()
    return LastCost(*row) if row else None
