"""What the supervisor's home shows: the decisions waiting for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.production import ProductionOrder
from shopfloor.models.stock import Lot

DESK_LIMIT = 20


@dataclass
class SupervisorDesk:
    to_release: list[ProductionOrder]
    """Draft production orders: planned, not yet reserving anything."""
    awaiting_decision: list[Lot]
    """Lots in quarantine: released or rejected only by a supervisor."""
    late: list[ProductionOrder]
    """Open orders (released or in progress) past their due date."""


def supervisor_desk(on: date) -> SupervisorDesk:
    def orders(*where):
        return list(db.session.scalars(
            sa.select(ProductionOrder).where(*where)
            .options(sa.orm.joinedload(ProductionOrder.item))
            .order_by(ProductionOrder.due_on.is_(None), ProductionOrder.due_on,
                      ProductionOrder.id).limit(DESK_LIMIT)))

    return SupervisorDesk(
        to_release=orders(ProductionOrder.status == "draft"),
        awaiting_decision=list(db.session.scalars(
            sa.select(Lot).where(Lot.status == "quarantine")
            .options(sa.orm.joinedload(Lot.item))
            .order_by(Lot.received_on, Lot.code).limit(DESK_LIMIT))),
        late=orders(ProductionOrder.status.in_(("released", "in_progress")),
                    ProductionOrder.due_on < on),
    )
