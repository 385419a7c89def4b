"""Sales orders: what a customer ordered, what is held for them, what has shipped. A line's
`reserved` is its share of the one pool of reservations (docs/ARCHITECTURE.md,
"Availability"); the rules are `domain.sales`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopfloor.domain import sales as rules
from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.master import Customer, Item
from shopfloor.models.types import Money, Quantity

_STATUSES = ", ".join(f"'{status}'" for status in rules.STATUSES)
_SOURCES = ", ".join(f"'{source}'" for source in rules.SOURCES)


class SalesOrder(db.Model):
    __tablename__ = "sales_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    due_on: Mapped[date | None]
    min_shelf_life_days: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(20), default=rules.DRAFT, index=True)
    source: Mapped[str] = mapped_column(sa.String(20), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[SalesOrderLine]] = relationship(back_populates="order",
                                                      order_by="SalesOrderLine.position")

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_STATUSES})", name="status_known"),
        sa.CheckConstraint(f"source IN ({_SOURCES})", name="source_known"),
    )


class SalesOrderLine(db.Model):
    """Quantities in the item's base unit; `unit` is the one the customer ordered in."""

    __tablename__ = "sales_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_orders.id"), index=True)
    position: Mapped[int]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit: Mapped[str] = mapped_column(sa.String(20))
    price: Mapped[Decimal | None] = mapped_column(Money)
    reserved: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    shipped: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))

    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("order_id", "position"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        sa.CheckConstraint("shipped >= 0", name="shipped_not_negative"),
    )

    def state(self) -> rules.LineState:
        return rules.LineState(self.item.sku, self.quantity, self.reserved, self.shipped)
