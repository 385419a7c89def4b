"""Shipments: product lots that left for a customer. They close the chain from supplier
lot to customer that a recall follows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.master import Customer, Location
from shopfloor.models.sales import SalesOrder
from shopfloor.models.stock import Lot, StockMove
from shopfloor.models.types import Quantity
from shopfloor.models.users import User


class Shipment(db.Model):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    # The sales order it was shipped against, if any: its lines count against that order's.
    sales_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_orders.id"),
                                                       index=True)
    shipped_on: Mapped[date]
    notes: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    customer: Mapped[Customer] = relationship()
    user: Mapped[User | None] = relationship()
    sales_order: Mapped[SalesOrder | None] = relationship()
    lines: Mapped[list[ShipmentLine]] = relationship(back_populates="shipment",
                                                     order_by="ShipmentLine.id")


class ShipmentLine(db.Model):
    __tablename__ = "shipment_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(sa.ForeignKey("shipments.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), index=True)
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    move_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_moves.id"))

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    lot: Mapped[Lot] = relationship()
    location: Mapped[Location] = relationship()
    move: Mapped[StockMove] = relationship()

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)
