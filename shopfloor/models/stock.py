"""Lots, the append-only stock ledger, balances and stock counts (docs/ARCHITECTURE.md,
"The model")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopfloor.domain.availability import LOT_STATUSES
from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.master import Item, Location, Supplier
from shopfloor.models.types import Money, Quantity
from shopfloor.models.users import User

LOT_ORIGINS = ("receipt", "production", "opening", "adjustment")
MOVE_REASONS = ("receipt", "transfer", "pick", "return", "consume", "produce", "ship", "adjust",
                "scrap")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Lot(db.Model):
    """One batch of one item. All stock lives in lots."""

    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(80), unique=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    origin: Mapped[str] = mapped_column(sa.String(20))
    supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("suppliers.id"))
    supplier_lot: Mapped[str | None] = mapped_column(sa.String(80))
    received_on: Mapped[date]
    expiry: Mapped[date | None]
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # per base unit
    status: Mapped[str] = mapped_column(sa.String(20), default="available")
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    purchase_order_line_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("purchase_order_lines.id"), index=True)

    item: Mapped[Item] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
    balances: Mapped[list[Balance]] = relationship(back_populates="lot")

    __table_args__ = (
        sa.CheckConstraint(_in("origin", LOT_ORIGINS), name="origin_known"),
        sa.CheckConstraint(_in("status", LOT_STATUSES), name="status_known"),
        sa.CheckConstraint("unit_cost >= 0", name="unit_cost_positive"),
        sa.Index("ix_lots_item_expiry", "item_id", "expiry", "received_on"),
    )


class StockMove(db.Model):
    """The ledger. One row per movement of a quantity of one lot between locations (either
    side empty for stock entering or leaving). Rows are never updated or deleted — the
    database refuses it (see the triggers below) — a correction is a new move."""

    __tablename__ = "stock_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), index=True)
    from_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    to_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    reason: Mapped[str] = mapped_column(sa.String(20))
    reference_type: Mapped[str | None] = mapped_column(sa.String(30))
    reference_id: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100))

    lot: Mapped[Lot] = relationship()
    from_location: Mapped[Location | None] = relationship(foreign_keys=[from_location_id])
    to_location: Mapped[Location | None] = relationship(foreign_keys=[to_location_id])
    user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("from_location_id IS NOT NULL OR to_location_id IS NOT NULL",
                           name="has_a_side"),
        sa.CheckConstraint(_in("reason", MOVE_REASONS), name="reason_known"),
        sa.Index("ix_stock_moves_reference", "reference_type", "reference_id"),
    )


class Balance(db.Model):
    """Quantity of a lot at a location: a cache of the ledger, written in the same
    transaction as each move, and never negative (CHECK)."""

    __tablename__ = "balances"

    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id"), primary_key=True,
                                             index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)

    lot: Mapped[Lot] = relationship(back_populates="balances")
    location: Mapped[Location] = relationship()

    __table_args__ = (
        sa.CheckConstraint("quantity >= 0", name="never_negative"),
        # What is on hand, per item: every lot ever received leaves balance rows at zero
        # behind, and picking, shipping and valuation must not read those. Queries name
        # the condition literally (`services.availability.ON_HAND`) so SQLite can use the index.
        sa.Index("ix_balances_on_hand", "item_id", "lot_id", "location_id", "quantity",
                 sqlite_where=sa.text("quantity > 0"), postgresql_where=sa.text("quantity > 0")),
    )


class StockCount(db.Model):
    """A count of lots at one location. Each difference became an `adjust` move."""

    __tablename__ = "stock_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    location: Mapped[Location] = relationship()
    lines: Mapped[list[StockCountLine]] = relationship(back_populates="count")


class StockCountLine(db.Model):
    __tablename__ = "stock_count_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_counts.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"))
    expected_quantity: Mapped[Decimal] = mapped_column(Quantity)
    counted_quantity: Mapped[Decimal] = mapped_column(Quantity)

    count: Mapped[StockCount] = relationship(back_populates="lines")
    lot: Mapped[Lot] = relationship()

    __table_args__ = (sa.CheckConstraint("counted_quantity >= 0", name="counted_positive"),)


# The ledger is append-only in the database itself, not only in code. The same statements
# stand in the migration that created the table.
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER stock_moves_no_update BEFORE UPDATE ON stock_moves "
    "BEGIN SELECT RAISE(ABORT, 'stock_moves is append-only'); END",
    "CREATE TRIGGER stock_moves_no_delete BEFORE DELETE ON stock_moves "
    "BEGIN SELECT RAISE(ABORT, 'stock_moves is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION forbid_ledger_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER stock_moves_append_only BEFORE UPDATE OR DELETE ON stock_moves "
    "FOR EACH ROW EXECUTE FUNCTION forbid_ledger_change()",
]

for _statement in APPEND_ONLY_SQLITE:
    sa.event.listen(StockMove.__table__, "after_create",
                    sa.DDL(_statement).execute_if(dialect="sqlite"))
for _statement in APPEND_ONLY_POSTGRESQL:
    sa.event.listen(StockMove.__table__, "after_create",
                    sa.DDL(_statement.replace("%", "%%")).execute_if(dialect="postgresql"))
