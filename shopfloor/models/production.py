"""Recipes (bills of materials), production orders, their requirements and picks, and the
genealogy that links input lots to the lots made from them (docs/ARCHITECTURE.md, "The
model")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopfloor.domain import order_lifecycle as lifecycle
from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.master import Item, Location
from shopfloor.models.stock import Lot, StockMove
from shopfloor.models.types import Money, Quantity
from shopfloor.models.users import User

ORDER_STATUSES = lifecycle.STATUSES
OPEN_STATUSES = lifecycle.OPEN_STATUSES


class Recipe(db.Model):
    """One version of the recipe of a product or intermediate. Editing makes a new version;
    orders keep the version they were planned with."""

    __tablename__ = "recipes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    version: Mapped[int]
    yield_quantity: Mapped[Decimal] = mapped_column(Quantity)  # in the item's base unit
    labour_minutes: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    labour_rate: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # per hour
    overhead: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))  # per yield
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    item: Mapped[Item] = relationship()
    lines: Mapped[list[RecipeLine]] = relationship(back_populates="recipe",
                                                   order_by="RecipeLine.position")

    __table_args__ = (
        sa.UniqueConstraint("item_id", "version", name="uq_recipes_item_version"),
        sa.CheckConstraint("yield_quantity > 0", name="yield_positive"),
    )


class RecipeLine(db.Model):
    __tablename__ = "recipe_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipe_id: Mapped[int] = mapped_column(sa.ForeignKey("recipes.id"), index=True)
    position: Mapped[int]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)  # in the component's base unit
    entered_quantity: Mapped[Decimal] = mapped_column(Quantity)  # as typed, in entered_unit
    entered_unit: Mapped[str] = mapped_column(sa.String(10))
    loss_percent: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))

    recipe: Mapped[Recipe] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()

    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("loss_percent >= 0", name="loss_positive"),
    )


class ProductionOrder(db.Model):
    __tablename__ = "production_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    recipe_id: Mapped[int] = mapped_column(sa.ForeignKey("recipes.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"), index=True)
    planned_quantity: Mapped[Decimal] = mapped_column(Quantity)
    due_on: Mapped[date | None]
    # Planned for a sales order's shortage: its output is held for that order on completion.
    sales_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_orders.id"),
                                                       index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=lifecycle.DRAFT, index=True)
    wip_location_id: Mapped[int | None] = mapped_column(sa.ForeignKey("locations.id"))
    output_lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lots.id"))
    produced_quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    material_cost: Mapped[Decimal | None] = mapped_column(Money)
    labour_cost: Mapped[Decimal | None] = mapped_column(Money)
    overhead_cost: Mapped[Decimal | None] = mapped_column(Money)
    total_cost: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    released_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    recipe: Mapped[Recipe] = relationship()
    item: Mapped[Item] = relationship()
    wip_location: Mapped[Location | None] = relationship()
    output_lot: Mapped[Lot | None] = relationship()
    requirements: Mapped[list[OrderRequirement]] = relationship(
        back_populates="order", order_by="OrderRequirement.position")
    picks: Mapped[list[ProductionPick]] = relationship(back_populates="order",
                                                       order_by="ProductionPick.id")

    @property
    def flags(self) -> lifecycle.OrderFlags:
        """What may be done with the order in its state (for pages: flags, not words)."""
        return lifecycle.flags(self.status)

    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('draft', 'released', 'in_progress', 'completed', 'cancelled')",
            name="status_known"),
        sa.CheckConstraint("planned_quantity > 0", name="planned_positive"),
    )


class OrderRequirement(db.Model):
    """What an order needs of one component, scaled from its recipe version. `reserved` is
    the part still held in stock for the order: set at release, reduced by picks, and
    zero once the order is completed or cancelled."""

    __tablename__ = "order_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("production_orders.id"), index=True)
    position: Mapped[int]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id"))
    required: Mapped[Decimal] = mapped_column(Quantity)
    picked: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    reserved: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))
    consumed: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(0))

    order: Mapped[ProductionOrder] = relationship(back_populates="requirements")
    item: Mapped[Item] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("order_id", "item_id", name="uq_order_requirements_item"),
        sa.CheckConstraint("reserved >= 0 AND picked >= 0 AND consumed >= 0",
                           name="amounts_positive"),
        sa.Index("ix_order_requirements_reserved", "item_id", "reserved"),
    )

    @property
    def remaining(self) -> Decimal:
        return max(self.required - self.picked, Decimal(0))


class ProductionPick(db.Model):
    """A lot quantity scanned into an order's work in progress. A lot that was not first
    to expire carries the reason the operator gave."""

    __tablename__ = "production_picks"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("production_orders.id"), index=True)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("order_requirements.id"))
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), index=True)
    from_location_id: Mapped[int] = mapped_column(sa.ForeignKey("locations.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    override_reason: Mapped[str | None] = mapped_column(sa.Text)
    move_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_moves.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[ProductionOrder] = relationship(back_populates="picks")
    requirement: Mapped[OrderRequirement] = relationship()
    lot: Mapped[Lot] = relationship()
    from_location: Mapped[Location] = relationship()
    move: Mapped[StockMove] = relationship()
    user: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)


class LotLink(db.Model):
    """Genealogy: `quantity` of input lot went into output lot, by production order."""

    __tablename__ = "lot_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    input_lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"))
    output_lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"))
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("production_orders.id"))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))

    input_lot: Mapped[Lot] = relationship(foreign_keys=[input_lot_id])
    output_lot: Mapped[Lot] = relationship(foreign_keys=[output_lot_id])

    __table_args__ = (
        sa.CheckConstraint("input_lot_id <> output_lot_id", name="not_itself"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        # A trace walks links one way or the other: each index holds the whole link, so
        # tracing tens of thousands of lots never reads the table itself.
        sa.Index("ix_lot_links_input_output", "input_lot_id", "output_lot_id", "quantity"),
        sa.Index("ix_lot_links_output_input", "output_lot_id", "input_lot_id", "quantity"),
    )
