"""Recipes (bills of materials): what an order needs, what can be made, what it should cost.

Items are named by SKU and quantities are in each item's base unit (the service converts
recipe lines when it loads them). A recipe is for `yield_quantity` of its item; lines, labour
and overhead are per yield and scale with the quantity ordered. A component may itself have
a recipe (an intermediate such as a fragranced wax base), so every question here is answered
through all levels, and a recipe that would make an item (indirectly) a component of itself
is refused.

Arithmetic is exact (fractions) with one rounding at the end, in the direction that keeps
the plan safe: requirements round up, what can be made rounds down.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal
from fractions import Fraction
from types import MappingProxyType

from .errors import NotFound, ValidationError
from .messages import t
from .quantities import MONEY_PLACES, QUANTITY_PLACES, ZERO, round_fraction

ARROW = " → "


@dataclass(frozen=True)
class RecipeLine:
    item: str
    quantity: Decimal  # per recipe yield, in the item's base unit
    loss_percent: Decimal = ZERO  # extra consumed on top of `quantity` (spills, trim)

    def __post_init__(self) -> None:
        if not self.quantity > 0:
            raise ValidationError(
                t("quantity of {item} must be greater than zero", item=self.item), field="lines"
            )
        if self.loss_percent < 0:
            raise ValidationError(
                t("loss percent of {item} must not be negative", item=self.item), field="lines"
            )

    @property
    def gross_quantity(self) -> Fraction:
        """Quantity per yield including the loss."""
        return Fraction(self.quantity) * (1 + Fraction(self.loss_percent) / 100)


@dataclass(frozen=True)
class Recipe:
    item: str
    yield_quantity: Decimal
    lines: tuple[RecipeLine, ...]
    labour_minutes: Decimal = ZERO  # per yield
    labour_rate: Decimal = ZERO  # per hour
    overhead: Decimal = ZERO  # per yield

    def __post_init__(self) -> None:
        if not self.yield_quantity > 0:
            raise ValidationError(
                t("yield quantity must be greater than zero"), field="yield_quantity"
            )
        if not self.lines:
            raise ValidationError(t("a recipe needs at least one line"), field="lines")
        for name in ("labour_minutes", "labour_rate", "overhead"):
            if getattr(self, name) < 0:
                raise ValidationError(t("{name} must not be negative", name=name.replace("_", " ")),
                                      field=name)

    def per_unit(self) -> Mapping[str, Fraction]:
        """Exact gross quantity of each component per one unit of the item (lines for the
        same component added up). Worked out once per recipe: can-make asks it of the same
        recipes dozens of times while it bisects."""
        cached = self.__dict__.get("_per_unit")
        if cached is None:
            needs: dict[str, Fraction] = {}
            for line in self.lines:
                needs[line.item] = needs.get(line.item, Fraction(0)) + line.gross_quantity
            yield_quantity = Fraction(self.yield_quantity)
            cached = MappingProxyType({item: need / yield_quantity
                                       for item, need in needs.items()})
            object.__setattr__(self, "_per_unit", cached)  # frozen, but not a field
        return cached


@dataclass(frozen=True)
class Requirement:
    """One row of a plan. `parent` is the intermediate this row is needed to make (None for
    the ordered item's direct components); `available` is the stock left for this row after
    the rows before it took theirs."""

    item: str
    required: Decimal
    available: Decimal
    shortage: Decimal
    level: int
    parent: str | None = None


def required_for(recipe: Recipe, order_quantity: Decimal) -> dict[str, Decimal]:
    """Gross need per component for `order_quantity` of the recipe's item: order / yield x
    line quantity x (1 + loss/100), rounded UP to six places (never under-require)."""
    if order_quantity < 0:
        raise ValidationError(t("quantity must not be negative"), field="quantity")
    return {
        item: round_fraction(per_unit * Fraction(order_quantity), QUANTITY_PLACES, ROUND_UP)
        for item, per_unit in recipe.per_unit().items()
    }


def find_cycle(recipes: Mapping[str, Recipe], start_item: str | None = None) -> list[str] | None:
    """A component path that leads back to where it started, e.g. ["BASE", "CANDLE",
    "BASE"], or None. From `start_item` only, or from every item."""
    done: set[str] = set()

    def visit(item: str, path: list[str], on_path: set[str]) -> list[str] | None:
        if item in on_path:
            return path[path.index(item) :] + [item]
        if item in done or item not in recipes:
            return None
        path.append(item)
        on_path.add(item)
        for line in recipes[item].lines:
            cycle = visit(line.item, path, on_path)
            if cycle:
                return cycle
        path.pop()
        on_path.discard(item)
        done.add(item)
        return None

    starts = [start_item] if start_item is not None else sorted(recipes)
    for start in starts:
        cycle = visit(start, [], set())
        if cycle:
            return cycle
    return None


def check_no_cycle(recipes: Mapping[str, Recipe], new_recipe: Recipe) -> None:
    """Refuse a recipe (new or a new version) that would make its item need itself."""
    graph = {**recipes, new_recipe.item: new_recipe}
    cycle = find_cycle(graph, new_recipe.item)
    if cycle:
        raise ValidationError(
            t("recipe would make a cycle: {cycle}", cycle=ARROW.join(cycle)),
            field="lines",
            code="recipe_cycle",
            details={"cycle": cycle},
        )


def explode(
    recipes: Mapping[str, Recipe],
    item: str,
    quantity: Decimal,
    on_hand: Mapping[str, Decimal],
) -> list[Requirement]:
    """What `quantity` of `item` needs, level by level.

    Level 1 is the item's own recipe. Where an intermediate (a component with a recipe) is
    short, its shortage is exploded into its own components at the next level, so a plan
    says what it takes to make the missing intermediate. Stock is shared: each row may use
    only what earlier rows left, direct needs (lower levels) first, because a component used
    directly can only come from stock.
    """
    _recipe(recipes, item)
    _refuse_cycles(recipes, item)
    remaining = {sku: Decimal(stock) for sku, stock in on_hand.items()}
    rows: list[Requirement] = []
    queue: list[tuple[str, Decimal, int]] = [(item, quantity, 1)]  # breadth first
    while queue:
        parent, parent_quantity, level = queue.pop(0)
        for component, required in required_for(recipes[parent], parent_quantity).items():
            available = max(remaining.get(component, ZERO), ZERO)
            shortage = max(required - available, ZERO)
            remaining[component] = available - min(required, available)
            rows.append(
                Requirement(
                    item=component,
                    required=required,
                    available=available,
                    shortage=shortage,
                    level=level,
                    parent=None if parent == item else parent,
                )
            )
            if shortage > 0 and component in recipes:
                queue.append((component, shortage, level + 1))
    return rows


def unmakeable(rows: list[Requirement], recipes: Mapping[str, Recipe]) -> list[Requirement]:
    """Rows short of something that has no recipe: what must be bought before the plan
    can be made (a short intermediate is covered by the rows that make it)."""
    return [row for row in rows if row.shortage > 0 and row.item not in recipes]


def can_make(
    recipes: Mapping[str, Recipe],
    item: str,
    available: Mapping[str, Decimal],
    places: int = QUANTITY_PLACES,
    at_most: Decimal | None = None,
) -> tuple[Decimal, str | None]:
    """The most of `item` that the stock allows, through every level, and the item that
    limits it (None only if nothing limits it, which a recipe with lines cannot be).
    `places=0` asks for whole units (pieces) only: the same answer rounded down, found
    in fewer steps, and the limiting item is what stops one more piece. `at_most` stops the
    search there (the answer is then at most that): "can we make this much?" takes a few
    steps instead of a bisection over everything the stock allows.

    An intermediate counts with its stock plus what could be made of it. The answer is the
    largest quantity on the six-place grid for which `explode` leaves nothing short that
    would have to be bought — found by bisection, since needs only grow with the quantity —
    so it agrees exactly with what a release would check, including stock shared between
    levels. The limiting item is what runs short first just above that quantity.
    """
    _recipe(recipes, item)
    _refuse_cycles(recipes, item)
    step = Decimal(1).scaleb(-places)

    def feasible(units: int) -> bool:
        rows = explode(recipes, item, Decimal(units) * step, available)
        return not unmakeable(rows, recipes)

    if at_most is not None:
        bound = int(Decimal(at_most).scaleb(places).to_integral_value(ROUND_UP))
    else:
        bound = _upper_bound_units(recipes, item, available) // 10 ** (QUANTITY_PLACES - places)
    low, high = 0, bound + 1  # feasible(low)
    while high - low > 1:
        middle = (low + high) // 2
        if feasible(middle):
            low = middle
        else:
            high = middle
    best = round_fraction(Fraction(low, 10**places), places, ROUND_DOWN)
    rows = explode(recipes, item, best + step, available)
    limiting = unmakeable(rows, recipes)
    return best, limiting[0].item if limiting else None


def whole_units(quantity: Decimal) -> Decimal:
    """Rounded down to a whole number: what can be made of an item counted in pcs."""
    return round_fraction(Fraction(quantity), 0, ROUND_DOWN)


def expected_unit_cost(
    recipes: Mapping[str, Recipe],
    item: str,
    unit_costs: Mapping[str, Decimal],
) -> Decimal:
    """What one unit of `item` should cost by its recipe: components at their current
    cost per base unit (an intermediate without one at its own recipe's expected cost),
    plus labour (minutes / 60 x rate) and overhead per yield, divided by the yield.
    Rounded half up to six places; a component with neither a cost nor a recipe is an
    error rather than a silent zero."""
    _recipe(recipes, item)
    _refuse_cycles(recipes, item)
    cache: dict[str, Fraction] = {}

    def cost(sku: str) -> Fraction:
        if sku not in cache:
            recipe = recipes[sku]
            total = sum(
                (need * component_cost(component) for component, need in recipe.per_unit().items()),
                Fraction(0),
            )
            per_yield = Fraction(recipe.labour_minutes) / 60 * Fraction(
                recipe.labour_rate
            ) + Fraction(recipe.overhead)
            cache[sku] = total + per_yield / Fraction(recipe.yield_quantity)
        return cache[sku]

    def component_cost(sku: str) -> Fraction:
        if unit_costs.get(sku) is not None:
            return Fraction(unit_costs[sku])
        if sku in recipes:
            return cost(sku)
        raise ValidationError(
            t("no cost is known for {sku}", sku=sku),
            field="lines", code="unknown_cost", details={"item": sku}
        )

    return round_fraction(cost(item), MONEY_PLACES, ROUND_HALF_UP)


def _recipe(recipes: Mapping[str, Recipe], item: str) -> Recipe:
    recipe = recipes.get(item)
    if recipe is None:
        raise NotFound(t("{item} has no recipe", item=item), field="product")
    return recipe


def _refuse_cycles(recipes: Mapping[str, Recipe], item: str) -> None:
    cycle = find_cycle(recipes, item)
    if cycle:
        raise ValidationError(
            t("recipes form a cycle: {cycle}", cycle=ARROW.join(cycle)),
            field="lines",
            code="recipe_cycle",
            details={"cycle": cycle},
        )


def _upper_bound_units(
    recipes: Mapping[str, Recipe], item: str, available: Mapping[str, Decimal]
) -> int:
    """A quantity (in millionths) that can certainly not be exceeded: each component's
    stock (plus what could be made of it) taken as if no other component shared it."""
    cache: dict[str, Fraction] = {}

    def makeable(sku: str) -> Fraction:
        if sku not in cache:
            cache[sku] = min(
                supply(component) / need for component, need in recipes[sku].per_unit().items()
            )
        return cache[sku]

    def supply(sku: str) -> Fraction:
        stock = Fraction(max(Decimal(available.get(sku, ZERO)), ZERO))
        return stock + makeable(sku) if sku in recipes else stock

    bound = makeable(item) * 10**QUANTITY_PLACES
    return bound.numerator // bound.denominator
