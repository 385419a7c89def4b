"""Recipe commands and the recipe views that planning needs (cost, can-make)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.database import command
from shopfloor.domain import recipes as rules
from shopfloor.domain import units
from shopfloor.domain.errors import Conflict, NotFound, ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import parse_quantity
from shopfloor.extensions import db
from shopfloor.models.master import Item
from shopfloor.models.production import Recipe, RecipeLine
from shopfloor.services import fields
from shopfloor.services.audit import record_change
from shopfloor.services.master import get_item


def current_recipe(item: Item) -> Recipe | None:
    return db.session.scalar(
        sa.select(Recipe).where(Recipe.item_id == item.id)
        .order_by(Recipe.version.desc()).limit(1))


def get_recipe(item: Item) -> Recipe:
    recipe = current_recipe(item)
    if recipe is None:
        raise NotFound(t("{sku} has no recipe", sku=item.sku), field="product")
    return recipe


def _latest_recipe_ids(item_skus: Iterable[str] | None = None):
    latest = sa.select(Recipe.item_id, sa.func.max(Recipe.version).label("version"))
    if item_skus is not None:
        latest = latest.join(Item, Item.id == Recipe.item_id).where(Item.sku.in_(item_skus))
    latest = latest.group_by(Recipe.item_id).subquery()
    return sa.select(Recipe.id).join(latest, sa.and_(Recipe.item_id == latest.c.item_id,
                                                      Recipe.version == latest.c.version))


def recipe_book(overrides: Mapping[str, Recipe] | None = None) -> dict[str, rules.Recipe]:
    """Every item's current recipe as the pure rules see it (SKU → Recipe), in two
    queries. `overrides` put specific versions in place (an order keeps its own)."""
    chosen = {sku: recipe for recipe, sku in _current_recipes(None)}
    chosen.update(overrides or {})
    return _book(chosen)


def recipe_book_for(skus: Iterable[str]) -> dict[str, rules.Recipe]:
    """The current recipes of `skus` and of everything they are made from, level by level
    (two queries a level): enough for can-make and planning of a few items, without
    loading the whole book."""
    book: dict[str, rules.Recipe] = {}
    wanted = set(skus)
    while wanted:
        level = _book({sku: recipe for recipe, sku in _current_recipes(wanted)})
        book.update(level)
        wanted = {line.item for recipe in level.values() for line in recipe.lines} - set(book)
    return book


def _current_recipes(skus: Iterable[str] | None):
    return db.session.execute(
        sa.select(Recipe, Item.sku).join(Item, Item.id == Recipe.item_id)
        .where(Recipe.id.in_(_latest_recipe_ids(skus)))).all()


def _book(chosen: Mapping[str, Recipe]) -> dict[str, rules.Recipe]:
    lines = db.session.execute(
        sa.select(RecipeLine.recipe_id, Item.sku, RecipeLine.quantity, RecipeLine.loss_percent)
        .join(Item, Item.id == RecipeLine.item_id)
        .where(RecipeLine.recipe_id.in_([r.id for r in chosen.values()]))
        .order_by(RecipeLine.recipe_id, RecipeLine.position)).all() if chosen else []
    by_recipe: dict[int, list[rules.RecipeLine]] = {}
    for recipe_id, sku, quantity, loss in lines:
        by_recipe.setdefault(recipe_id, []).append(rules.RecipeLine(sku, quantity, loss))
    return {sku: _as_rule(recipe, sku, by_recipe.get(recipe.id, []))
            for sku, recipe in chosen.items()}


def _as_rule(recipe: Recipe, sku: str, lines) -> rules.Recipe:
    return rules.Recipe(item=sku, yield_quantity=recipe.yield_quantity, lines=tuple(lines),
                        labour_minutes=recipe.labour_minutes, labour_rate=recipe.labour_rate,
                        overhead=recipe.overhead)


def create_recipe(data: Mapping, user=None) -> Recipe:
    """A new version of the recipe of a product or intermediate (POST /recipes). Lines may
    use any unit compatible with the component's base unit; a recipe that would make an
    item a component of itself, directly or through intermediates, is refused naming the
    cycle."""
    with command() as session:
        item = get_item(fields.text(data, "product", required=True, max_length=40), "product")
        if item.kind == "material":
            raise ValidationError(t("{sku} is a material; recipes make products and "
                                    "intermediates", sku=item.sku), field="product")
        yield_unit = units.canonical_unit(fields.text(data, "unit", max_length=20) or item.unit)
        yield_quantity = units.convert(fields.quantity(data, "yield_quantity"), yield_unit,
                                       item.unit, item.density)
        raw_lines = data.get("lines")
        if not isinstance(raw_lines, list) or not raw_lines:
            raise ValidationError(t("a recipe needs at least one line"), field="lines")
        lines = [_line(session, raw, position) for position, raw in enumerate(raw_lines)]
        seen = set()
        for line in lines:  # ids come from the items: the lines are not flushed yet
            if line.item.id == item.id:
                raise ValidationError(t("{sku} cannot be a component of itself", sku=item.sku),
                                      field="lines")
            if line.item.id in seen:
                raise ValidationError(t("{sku} is listed twice", sku=line.item.sku), field="lines")
            seen.add(line.item.id)
        previous = current_recipe(item)
        recipe = Recipe(
            item=item, version=(previous.version + 1) if previous else 1,
            yield_quantity=yield_quantity,
            labour_minutes=fields.quantity(data, "labour_minutes", required=False,
                                           allow_zero=True, default=Decimal(0)),
            labour_rate=fields.money(data, "labour_rate", default=Decimal(0)),
            overhead=fields.money(data, "overhead", default=Decimal(0)),
            notes=fields.text(data, "notes", max_length=2000),
            created_by_id=getattr(user, "id", None), lines=lines)
        rule = _as_rule(recipe, item.sku,
                        [rules.RecipeLine(line.item.sku, line.quantity, line.loss_percent)
                         for line in lines])
        rules.check_no_cycle(recipe_book(), rule)
        session.add(recipe)
        session.flush()
        record_change(user, "recipe", item.sku,
                      {"version": previous.version} if previous else None,
                      {"version": recipe.version, "lines": len(lines),
                       "yield_quantity": yield_quantity})
    return recipe


def _line(session, raw, position: int) -> RecipeLine:
    if not isinstance(raw, Mapping):
        raise ValidationError(t("each line needs item and quantity"), field="lines")
    sku = fields.text(raw, "item", required=True, max_length=40)
    component = get_item(sku, "lines")
    if component.archived:
        raise Conflict(t("{sku} is archived", sku=sku), field="lines")
    unit = units.canonical_unit(fields.text(raw, "unit", max_length=20) or component.unit,
                                field="lines")
    try:
        entered = parse_quantity(raw.get("quantity"), "quantity")
        quantity = units.convert(entered, unit, component.unit, component.density)
        loss = parse_quantity(raw.get("loss_percent") or "0", "loss_percent", allow_zero=True)
    except ValidationError as error:
        raise ValidationError(t("{sku}: {message}", sku=sku, message=error.message),
                              field="lines") from None
    if loss >= 100:
        raise ValidationError(t("{sku}: loss percent must be below 100", sku=sku), field="lines")
    return RecipeLine(position=position, item=component, quantity=quantity,
                      entered_quantity=entered, entered_unit=unit, loss_percent=loss)


@dataclass
class RecipeSummary:
    recipe: Recipe
    expected_unit_cost: Decimal | None
    can_make: Decimal
    limiting_item: str | None


def summarize(recipe: Recipe, available: Mapping[str, Decimal],
              unit_costs: Mapping[str, Decimal]) -> RecipeSummary:
    """Expected cost per unit from current lot costs, and how much can be made now through
    every level, with what limits it."""
    book = recipe_book({recipe.item.sku: recipe})
    try:
        cost = rules.expected_unit_cost(book, recipe.item.sku, unit_costs)
    except (NotFound, ValidationError):
        cost = None  # a component has no cost yet
    quantity, limiting = rules.can_make(book, recipe.item.sku, available)
    if recipe.item.unit == "pcs":
        quantity = rules.whole_units(quantity)
    return RecipeSummary(recipe, cost, quantity, limiting)
