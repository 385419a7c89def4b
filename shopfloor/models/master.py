"""Master data: items, suppliers, customers, locations, settings and number sequences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.types import Money, Quantity

ITEM_KINDS = ("material", "intermediate", "product")
LOCATION_KINDS = ("storage", "production", "shipping", "quarantine")


class _Party:
    """Suppliers and customers share their contact details."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    contact: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    address: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Supplier(_Party, db.Model):
    __tablename__ = "suppliers"


class Customer(_Party, db.Model):
    __tablename__ = "customers"


class Location(db.Model):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20), default="storage")
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('storage', 'production', 'shipping', 'quarantine', 'wip')",
            name="kind_known"),
    )


class Item(db.Model):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    unit: Mapped[str] = mapped_column(sa.String(10))
    reorder_point: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    reorder_quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    default_supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("suppliers.id"))
    shelf_life_days: Mapped[int | None]
    gtin: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    density: Mapped[Decimal | None] = mapped_column(Quantity)  # g per ml
    price: Mapped[Decimal | None] = mapped_column(Money)
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    default_supplier: Mapped[Supplier | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("kind IN ('material', 'intermediate', 'product')", name="kind_known"),
        sa.CheckConstraint("reorder_point >= 0 AND reorder_quantity >= 0", name="reorder_positive"),
        sa.CheckConstraint("density IS NULL OR density > 0", name="density_positive"),
        sa.CheckConstraint("shelf_life_days IS NULL OR shelf_life_days >= 0",
                           name="shelf_life_positive"),
    )


class Setting(db.Model):
    """Workshop-wide settings an admin may change (lot code pattern, currency, …)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)


class Sequence(db.Model):
    """Counters for generated numbers (lot codes, order numbers). Incremented with a
    single UPDATE … RETURNING inside the command's transaction, so two concurrent commands
    never get the same number."""

    __tablename__ = "sequences"

    name: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
