"""Read-side queries for the recipe and production order pages. Nothing here writes; each
view costs a fixed number of queries (the recipe summaries apart, which the recipe service
answers one recipe at a time)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import sqlalchemy as sa

from shopfloor.domain.errors import NotFound
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import (
    MONEY_PLACES,
    format_quantity,
    money_to_api,
    round_fraction,
)
from shopfloor.extensions import db
from shopfloor.models.master import Item, Location
from shopfloor.models.production import (
    LotLink,
    ProductionOrder,
    ProductionPick,
    Recipe,
    RecipeLine,
)
from shopfloor.models.stock import Balance, Lot, StockMove
from shopfloor.models.users import User
from shopfloor.services import production, recipes
from shopfloor.services.availability import available_by_item, usable_stock

MAX_ORDERS_LISTED = 200


# --- costs and availability for recipe summaries -------------------------------------------

def unit_costs_by_sku(on: date) -> dict[str, Decimal]:
    """The weighted average cost per base unit of each item's usable stock on hand (lots
    that are available and unexpired, at free locations): what making something now would
    cost. Items without such stock are left out, so an intermediate falls back to its
    recipe. One query, added up exactly in Python (the database keeps scaled integers, so
    it cannot multiply a quantity by a cost for us)."""
    rows = db.session.execute(
        sa.select(Item.sku, Lot.unit_cost, sa.func.sum(Balance.quantity))
        .join(Lot, Lot.id == Balance.lot_id)
        .join(Item, Item.id == Balance.item_id)
        .join(Location, Location.id == Balance.location_id)
        .where(Balance.quantity > 0, usable_stock(on))
        .group_by(Item.sku, Lot.id, Lot.unit_cost)).all()
    value: dict[str, Fraction] = defaultdict(Fraction)
    quantity: dict[str, Fraction] = defaultdict(Fraction)
    for sku, unit_cost, held in rows:
        value[sku] += Fraction(held) * Fraction(unit_cost)
        quantity[sku] += Fraction(held)
    return {sku: round_fraction(value[sku] / quantity[sku], MONEY_PLACES, ROUND_HALF_UP)
            for sku in quantity if quantity[sku] > 0}


def available_by_sku(on: date) -> dict[str, Decimal]:
    """What is free to use now of every item that appears in a recipe (as the product or
    a component): usable stock less reservations, as a release would count it."""
    ids = dict(db.session.execute(
        sa.select(Item.id, Item.sku).where(sa.or_(Item.id.in_(sa.select(Recipe.item_id)),
                                                  Item.id.in_(sa.select(RecipeLine.item_id)))
                                           )).all())
    available = available_by_item(list(ids), on)
    return {ids[item_id]: quantity for item_id, quantity in available.items()}


# --- recipes --------------------------------------------------------------------------------

def _latest_versions():
    return (sa.select(Recipe.item_id, sa.func.max(Recipe.version).label("version"))
            .group_by(Recipe.item_id).subquery())


@dataclass
class RecipeRow:
    item: Item
    recipe: Recipe | None
    summary: recipes.RecipeSummary | None


def recipe_rows(on: date) -> list[RecipeRow]:
    """Every product and intermediate with its current recipe (if any) and what it should
    cost and can be made now."""
    latest = _latest_versions()
    rows = db.session.execute(
        sa.select(Item, Recipe)
        .outerjoin(latest, latest.c.item_id == Item.id)
        .outerjoin(Recipe, sa.and_(Recipe.item_id == Item.id,
                                   Recipe.version == latest.c.version))
        .where(Item.kind.in_(("product", "intermediate")), Item.archived.is_(False))
        .order_by(Recipe.id.is_(None), Item.kind.desc(), Item.sku)).all()
    if not any(recipe for _, recipe in rows):
        return [RecipeRow(item, None, None) for item, _ in rows]
    available, costs = available_by_sku(on), unit_costs_by_sku(on)
    return [RecipeRow(item, recipe,
                      recipes.summarize(recipe, available, costs) if recipe else None)
            for item, recipe in rows]


def recipe_summary(recipe: Recipe, on: date) -> recipes.RecipeSummary:
    return recipes.summarize(recipe, available_by_sku(on), unit_costs_by_sku(on))


def recipe_version(item: Item, version: int) -> Recipe:
    recipe = db.session.scalar(
        sa.select(Recipe).where(Recipe.item_id == item.id, Recipe.version == version))
    if recipe is None:
        raise NotFound(t("{sku} has no recipe version {version}", sku=item.sku, version=version),
                       field="version")
    return recipe


@dataclass
class VersionRow:
    recipe: Recipe
    created_by: str | None
    orders: int


def version_history(item: Item) -> list[VersionRow]:
    """Every version of an item's recipe, newest first, with who made it and how many
    orders were planned with it."""
    orders = (sa.select(ProductionOrder.recipe_id, sa.func.count().label("n"))
              .group_by(ProductionOrder.recipe_id).subquery())
    rows = db.session.execute(
        sa.select(Recipe, User.username, orders.c.n)
        .outerjoin(User, User.id == Recipe.created_by_id)
        .outerjoin(orders, orders.c.recipe_id == Recipe.id)
        .where(Recipe.item_id == item.id).order_by(Recipe.version.desc())).all()
    return [VersionRow(recipe, username, n or 0) for recipe, username, n in rows]


def recipe_products() -> list[tuple[str, str]]:
    """Items that have a recipe: what an order can be made for."""
    query = (sa.select(Item.sku, Item.name, Item.unit)
             .where(Item.archived.is_(False), Item.id.in_(sa.select(Recipe.item_id)))
             .order_by(Item.sku))
    return [(sku, f"{sku} · {name} ({unit})") for sku, name, unit in db.session.execute(query)]


def component_choices() -> list[tuple[str, str]]:
    """What a recipe line may use: any item that is not archived."""
    query = (sa.select(Item.sku, Item.name, Item.unit).where(Item.archived.is_(False))
             .order_by(Item.sku))
    return [(sku, f"{sku} · {name} ({unit})") for sku, name, unit in db.session.execute(query)]


def recipe_form_values(item: Item, recipe: Recipe | None) -> dict[str, str]:
    """The editor's fields for a new version, as the current version stands (lines as they
    were typed, in their own units)."""
    if recipe is None:
        return {"product": item.sku, "yield_quantity": "", "unit": item.unit,
                "labour_minutes": "", "labour_rate": "", "overhead": "", "notes": ""}
    values = {
        "product": item.sku, "yield_quantity": format_quantity(recipe.yield_quantity),
        "unit": item.unit, "labour_minutes": format_quantity(recipe.labour_minutes),
        "labour_rate": money_to_api(recipe.labour_rate),
        "overhead": money_to_api(recipe.overhead), "notes": recipe.notes or "",
    }
    for n, line in enumerate(recipe.lines):
        values.update({f"lines-{n}-item": line.item.sku,
                       f"lines-{n}-quantity": format_quantity(line.entered_quantity),
                       f"lines-{n}-unit": line.entered_unit,
                       f"lines-{n}-loss_percent": format_quantity(line.loss_percent)})
    return values


# --- orders ---------------------------------------------------------------------------------

def order_list(status: str | None) -> list[ProductionOrder]:
    """Newest first; `open` means draft, released or in progress."""
    query = (sa.select(ProductionOrder).options(sa.orm.joinedload(ProductionOrder.item))
             .order_by(ProductionOrder.id.desc()).limit(MAX_ORDERS_LISTED))
    if status == "open":
        query = query.where(ProductionOrder.status.in_(production.OPEN_STATUSES))
    elif status:
        query = query.where(ProductionOrder.status == status)
    return list(db.session.scalars(query))


def order_picks(order: ProductionOrder) -> list[tuple[ProductionPick, str | None]]:
    """What was picked for an order, in order, with who picked it."""
    rows = db.session.execute(
        sa.select(ProductionPick, User.username)
        .outerjoin(User, User.id == ProductionPick.user_id)
        .where(ProductionPick.order_id == order.id)
        .options(sa.orm.joinedload(ProductionPick.lot).joinedload(Lot.item),
                 sa.orm.joinedload(ProductionPick.from_location))
        .order_by(ProductionPick.id)).all()
    return [(picked, username) for picked, username in rows]


@dataclass
class WipRow:
    """A lot in an order's work in progress, as the complete form offers it: what is
    there, and where it was picked from (where a return goes unless told otherwise)."""

    lot: Lot
    quantity: Decimal
    picked_from: str | None


def wip_rows(order: ProductionOrder) -> list[WipRow]:
    """What the order's work in progress holds, per lot, in the order completion consumes."""
    if order.wip_location_id is None:
        return []
    rows = db.session.execute(
        sa.select(Lot, Balance.quantity).join(Balance, Balance.lot_id == Lot.id)
        .where(Balance.location_id == order.wip_location_id, Balance.quantity > 0)
        .options(sa.orm.joinedload(Lot.item))
        .order_by(Lot.expiry.is_(None), Lot.expiry, Lot.received_on, Lot.code)).all()
    origin = dict(db.session.execute(
        sa.select(ProductionPick.lot_id, Location.code)
        .join(Location, Location.id == ProductionPick.from_location_id)
        .where(ProductionPick.order_id == order.id).order_by(ProductionPick.id)).all())
    return [WipRow(lot, quantity, origin.get(lot.id)) for lot, quantity in rows]


def scrapped_lots(order: ProductionOrder) -> list[tuple[Lot, Decimal, str | None]]:
    """What a completed order wrote off, per scrap move: lot, quantity, reason."""
    rows = db.session.execute(
        sa.select(Lot, StockMove.quantity, StockMove.note)
        .join(StockMove, StockMove.lot_id == Lot.id)
        .where(StockMove.reference_type == "production_order",
               StockMove.reference_id == order.id, StockMove.reason == "scrap")
        .options(sa.orm.joinedload(Lot.item)).order_by(StockMove.id)).all()
    return [(lot, quantity, note) for lot, quantity, note in rows]


def consumed_lots(order: ProductionOrder) -> list[LotLink]:
    """The input lots a completed order consumed, with quantity and cost (genealogy)."""
    return list(db.session.scalars(
        sa.select(LotLink).where(LotLink.order_id == order.id)
        .options(sa.orm.joinedload(LotLink.input_lot).joinedload(Lot.item))
        .order_by(LotLink.id)))


def output_locations() -> list[tuple[str, str]]:
    """Where a finished lot may be put: storage and production places (not quarantine or
    work in progress)."""
    query = (sa.select(Location.code, Location.name)
             .where(Location.archived.is_(False), Location.kind.in_(("storage", "production",
                                                                     "shipping")))
             .order_by(Location.code))
    return [(code, f"{code} · {name}") for code, name in db.session.execute(query)]


@dataclass
class PickPrefill:
    lot: str
    location: str
    quantity: str


def pick_prefill(found: Iterable[production.RequirementSuggestion],
                 lot_code: str | None) -> PickPrefill:
    """What the pick form starts with. A chosen (or scanned) lot brings its place and the
    quantity still needed of its item, capped by what the suggestion takes from it. With
    no lot, the quantity is left empty — the server then takes what is still needed of the
    scanned lot's item — unless only one component is still needed."""
    found = list(found)
    if lot_code:
        for suggestion in found:
            for lot in suggestion.picks:
                if lot.lot_code == lot_code:
                    return PickPrefill(lot_code, lot.location, format_quantity(lot.quantity))
        lot = db.session.scalar(sa.select(Lot).where(Lot.code == lot_code))
        need = next((s.requirement.remaining for s in found
                     if lot is not None and s.requirement.item_id == lot.item_id), None)
        return PickPrefill(lot_code, "", format_quantity(need) if need else "")
    still = [s for s in found if s.requirement.remaining > 0]
    if len(still) == 1:
        return PickPrefill("", "", format_quantity(still[0].requirement.remaining))
    return PickPrefill("", "", "")


def order_created_by(order: ProductionOrder) -> str | None:
    if order.created_by_id is None:
        return None
    return db.session.scalar(sa.select(User.username).where(User.id == order.created_by_id))


def timeline(order: ProductionOrder) -> list[tuple[str, datetime]]:
    """When the order changed status, oldest first."""
    steps = [("created", order.created_at), ("released", order.released_at),
             ("completed", order.completed_at), ("cancelled", order.cancelled_at)]
    return [(name, when) for name, when in steps if when is not None]

