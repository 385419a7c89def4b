"""Units of measure and exact conversion between them.

A quantity on a recipe line or a receipt may be in any unit compatible with the item's base
unit: kg for a g item, or ml for a g item when the item has a density (g/ml). pint knows the
units and their factors (a units library, not hand-written tables: docs/ARCHITECTURE.md,
"Units and exact numbers"); the
arithmetic is done here, in Decimal, so that 5 kg is exactly 5000 g and 250 ml at 0.9 g/ml is
exactly 225 g.

Why pint does not do the arithmetic: its Decimal mode works, but it computes in whatever
decimal context is current and rounds after every step, so g -> lb -> g picks up rounding
from an intermediate quotient. Here each unit's factor to a reference unit of its dimension
(gram, millilitre, piece) comes from pint once; the conversion itself is one exact fraction,
rounded once at the end, so every conversion that can be exact is exact.

Why there is an alias table at all: the names people type are not pint's. In pint's default
registry "pcs" and "pc" are parsecs and "ea"/"piece" are unknown, and "gr" is a grain.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import cache

import pint

from .errors import ValidationError
from .messages import t
from .quantities import MAX_MAGNITUDE, QUANTITY_PLACES, exact, round_fraction

MASS = "mass"
VOLUME = "volume"
COUNT = "count"

#: Canonical unit codes, in the order a form offers them.
UNIT_CHOICES: tuple[str, ...] = ("g", "kg", "mg", "lb", "oz", "ml", "l", "cl", "pcs")

# Canonical code -> pint's name for it. Dimensions and factors come from pint.
_PINT_NAMES = {
    "g": "gram",
    "kg": "kilogram",
    "mg": "milligram",
    "lb": "pound",  # avoirdupois: 453.59237 g
    "oz": "ounce",  # avoirdupois: 28.349523125 g
    "ml": "milliliter",
    "l": "liter",
    "cl": "centiliter",
    "pcs": "count",  # pint's dimensionless counting unit, not "pcs" (parsec)
}

# What people type (compared lower-case, surrounding spaces ignored) -> canonical code.
_ALIASES = {
    **{code: code for code in UNIT_CHOICES},
    "gram": "g",
    "grams": "g",
    "gramme": "g",
    "grammes": "g",
    "kilo": "kg",
    "kilos": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "milligram": "mg",
    "milligrams": "mg",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "ounce": "oz",
    "ounces": "oz",
    "millilitre": "ml",
    "millilitres": "ml",
    "milliliter": "ml",
    "milliliters": "ml",
    "litre": "l",
    "litres": "l",
    "liter": "l",
    "liters": "l",
    "centilitre": "cl",
    "centilitres": "cl",
    "centiliter": "cl",
    "centiliters": "cl",
    "pc": "pcs",
    "piece": "pcs",
    "pieces": "pcs",
    "ea": "pcs",
    "each": "pcs",
    "buc": "pcs",
    "buc.": "pcs",  # Romanian "bucăți"
}

# One registry for the process: building it parses pint's definition files (~0.2 s).
# non_int_type=Decimal makes pint read its definitions (0.45359237 kg per lb) as exact
# decimals instead of floats.
UREG = pint.UnitRegistry(non_int_type=Decimal)

# Every dimension converts through one reference unit.
_REFERENCE = {MASS: "gram", VOLUME: "milliliter", COUNT: "count"}
_DIMENSIONS = {
    UREG.Unit("gram").dimensionality: MASS,
    UREG.Unit("milliliter").dimensionality: VOLUME,
    UREG.Unit("count").dimensionality: COUNT,
}


def is_known_unit(name: object) -> bool:
    return isinstance(name, str) and name.strip().lower() in _ALIASES


def canonical_unit(name: object, field: str = "unit") -> str:
    """The canonical code for a unit as typed ("KG" -> "kg", "pieces" -> "pcs")."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(t("{field} is required", field=field), field=field)
    code = _ALIASES.get(name.strip().lower())
    if code is None:
        known = ", ".join(UNIT_CHOICES)
        raise ValidationError(t("unknown unit '{unit}' (use one of {known})",
                                unit=name.strip(), known=known),
                              field=field)
    return code


def dimension_of(unit: str) -> str:
    """ "mass", "volume" or "count"."""
    return _unit_info(canonical_unit(unit))[0]


def can_convert(from_unit: str, to_unit: str, density: Decimal | None = None) -> bool:
    """Whether `convert` would succeed: same dimension, or mass and volume with a density."""
    a, b = dimension_of(from_unit), dimension_of(to_unit)
    return a == b or (density is not None and {a, b} == {MASS, VOLUME})


def convert(
    quantity: Decimal,
    from_unit: str,
    to_unit: str,
    density: Decimal | None = None,
) -> Decimal:
    """`quantity` in `from_unit` expressed in `to_unit`, exactly.

    Mass and volume convert into each other only through a density in g/ml (an item's
    property). The result is exact, rounded half up to six places only when the exact
    value has more (1 g in lb), because storage keeps six.
    """
    if isinstance(quantity, int) and not isinstance(quantity, bool):
        quantity = Decimal(quantity)
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise ValidationError(t("quantity must be a finite decimal number"), field="quantity")
    source, target = canonical_unit(from_unit), canonical_unit(to_unit)
    source_dim, source_factor = _unit_info(source)
    target_dim, target_factor = _unit_info(target)

    reference = Fraction(quantity) * source_factor  # in g, ml or pcs
    if source_dim != target_dim:
        if {source_dim, target_dim} != {MASS, VOLUME}:
            raise ValidationError(t("cannot convert {source} to {target}",
                                    source=source, target=target),
                                  field="unit")
        if density is None:
            raise ValidationError(
                t("cannot convert {source} to {target} without the item's density (g/ml)",
                  source=source, target=target),
                field="unit",
            )
        grams_per_ml = Fraction(_check_density(density))
        reference = reference * grams_per_ml if source_dim == VOLUME else reference / grams_per_ml
    result = round_fraction(reference / target_factor, QUANTITY_PLACES)
    if abs(result) > MAX_MAGNITUDE:  # would not fit the stored column
        raise ValidationError(t("quantity is too large in {target}", target=target),
                              field="quantity")
    return result


def _check_density(density: object) -> Decimal:
    if isinstance(density, int) and not isinstance(density, bool):
        density = Decimal(density)
    if not isinstance(density, Decimal) or not density.is_finite() or density <= 0:
        raise ValidationError(t("density must be a number greater than zero (g/ml)"),
                              field="density")
    return density


@cache
def _unit_info(code: str) -> tuple[str, Fraction]:
    """(dimension, factor to the dimension's reference unit) for a canonical code, from
    pint. Cached: pint is consulted once per unit."""
    unit = UREG.Unit(_PINT_NAMES[code])
    dimension = _DIMENSIONS[unit.dimensionality]
    with exact():
        factor = UREG.Quantity(Decimal(1), unit).to(_REFERENCE[dimension]).magnitude
    return dimension, Fraction(Decimal(factor))
