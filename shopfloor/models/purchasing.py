"""Purchase orders to suppliers, received through the normal receiving flow."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.master import Item, Supplier
from shopfloor.models.types import Money, Quantity

PO_STATUSES = ("draft", "sent", "partial", "received", "cancelled")
PO_OPEN_STATUSES = ("draft", "sent", "partial")


class PurchaseOrder(db.Model):
    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("suppliers.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    expected_on: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sent_at: Mapped[datetime | None]

    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="order", order_by="PurchaseOrderLine.id", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'partial', 'received', 'cancelled')",
            name="status_known"),
    )


class PurchaseOrderLine(db.Model):
    """An ordered quantity of one item. Quantities are kept in the item's base unit; the
    unit and price the supervisor typed are kept for the printed order."""

    __tablename__ = "purchase_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("purchase_orders.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)  # base unit
    unit: Mapped[str] = mapped_column(sa.String(10))  # as ordered
    ordered_quantity: Mapped[Decimal] = mapped_column(Quantity)  # in `unit`
    unit_price: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # per `unit`
    received_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))  # base

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()

    __table_args__ = (
        sa.CheckConstraint("quantity > 0 AND ordered_quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("received_quantity >= 0", name="received_positive"),
    )

    @property
    def outstanding(self) -> Decimal:
        return max(self.quantity - self.received_quantity, Decimal(0))
