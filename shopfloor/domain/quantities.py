"""Exact numbers: how quantities and money are read, rounded and written.

Quantities and money are `Decimal` from parsing to display (CONVENTIONS.md, habit 1). The
database keeps both as integers scaled by 10**6 (shopfloor.models.types), so a value with
more than six decimal places cannot be stored: parsing refuses it rather than silently
rounding, and arithmetic that produces more places is rounded here, where rounding is a
business decision (money to the cent, quantities and unit costs to six places).

All arithmetic runs in `CONTEXT`, a private decimal context with ample precision, entered
with `decimal.localcontext` — the global context is never mutated, so a caller's settings
neither leak in nor out.
"""

from __future__ import annotations

import re
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction

from .errors import ValidationError
from .messages import t

QUANTITY_PLACES = 6
MONEY_PLACES = 6

CENT = Decimal("0.01")
QUANTUM = Decimal(1).scaleb(-QUANTITY_PLACES)  # 0.000001
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)
ZERO = Decimal(0)

#: Nothing a workshop weighs, counts or pays comes near this; anything larger is a typo
#: (or an attack), and it keeps 10**12 * 10**6 inside a signed 64-bit column.
MAX_MAGNITUDE = Decimal(10) ** 12

#: 50 significant digits: a stored value has at most 19 (13 integer digits, 6 places), so
#: the product of two of them (a quantity times a unit cost) is still exact. Formulas with
#: several factors and a division use fractions instead (`round_fraction`).
CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_UP,
    Emax=999_999,
    Emin=-999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

# Plain decimal notation, optionally with a modest exponent (JSON numbers such as 1e3 reach
# us as Decimal("1E+3")). ASCII digits only: Decimal() would also accept "١٢" or "1_000".
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def exact():
    """Enter the project's decimal context: `with exact(): a * b / c`."""
    return localcontext(CONTEXT)


def _coerce(value: object, field: str) -> Decimal:
    """Turn API or form input into a finite Decimal, or explain what is wrong."""
    if value is None:
        raise ValidationError(t("{field} is required", field=field), field=field)
    if isinstance(value, bool):
        raise ValidationError(t("{field} must be a number", field=field), field=field)
    if isinstance(value, float):
        # A float has already lost the exact value the user typed (0.1 is not 0.1).
        raise ValidationError(t("{field} must be an exact decimal number, not a float",
                                field=field),
                              field=field)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValidationError(t("{field} is required", field=field), field=field)
        # Romanian (and most European) users type a decimal comma: "12,5". A string
        # with both separators ("1.234,5") is ambiguous, so it is refused, as is any
        # thousands separator.
        if "," in text:
            if "." in text or text.count(",") > 1:
                raise ValidationError(t("{field} must be a number like 12.5", field=field),
                                      field=field)
            text = text.replace(",", ".")
        if not _NUMBER.fullmatch(text):
            raise ValidationError(t("{field} must be a number like 12.5", field=field), field=field)
        number = Decimal(text)
    else:
        raise ValidationError(t("{field} must be a number", field=field), field=field)

    if not number.is_finite():
        raise ValidationError(t("{field} must be a finite number", field=field), field=field)
    if number.is_zero():
        return ZERO
    # adjusted() is the exponent of the leading digit: checking it first keeps absurd
    # exponents (1E+999999) away from any arithmetic.
    if number.adjusted() >= 13 or abs(number) > MAX_MAGNITUDE:
        raise ValidationError(t("{field} is too large", field=field), field=field)
    return number


def _check_places(number: Decimal, places: int, field: str) -> Decimal:
    if _places(number) > places:
        raise ValidationError(t("{field} allows at most {places} decimal places",
                                field=field, places=places),
                              field=field)
    return _plain(number)


def _places(number: Decimal) -> int:
    """Meaningful decimal places: 12.500 has one. Exact for any number of digits (no
    context rounding)."""
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def _plain(number: Decimal) -> Decimal:
    """The same value without trailing zeros or a positive exponent: 5E+3 -> 5000."""
    if number.is_zero():
        return ZERO
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    while exponent < 0 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    if exponent > 0:
        digits, exponent = digits + (0,) * exponent, 0
    return Decimal((sign, digits, exponent))


def parse_quantity(
    value: object,
    field: str = "quantity",
    *,
    allow_zero: bool = False,
    allow_negative: bool = False,
) -> Decimal:
    """Read a quantity typed by a person or sent by a client.

    Accepts str, int or Decimal ("12,5" with a decimal comma too), never float. Refuses
    NaN and infinities, more than QUANTITY_PLACES decimal places (storage keeps six and
    rounding a quantity someone typed would change what they meant), and magnitudes above
    10**12. Zero and negative values are refused unless allowed: most commands move a
    positive quantity; counts allow zero; adjustments allow a sign.
    """
    number = _check_places(_coerce(value, field), QUANTITY_PLACES, field)
    if number < 0 and not allow_negative:
        if allow_zero:
            raise ValidationError(t("{field} must not be negative", field=field), field=field)
        raise ValidationError(t("{field} must be greater than zero", field=field), field=field)
    if number.is_zero() and not allow_zero:
        raise ValidationError(t("{field} must be greater than zero", field=field), field=field)
    return number


def parse_money(value: object, field: str = "amount", *, allow_zero: bool = True) -> Decimal:
    """Read an amount of money or a unit cost: non-negative, at most MONEY_PLACES places
    (a unit cost per gram needs more than cents), never float."""
    number = _check_places(_coerce(value, field), MONEY_PLACES, field)
    if number < 0:
        raise ValidationError(t("{field} must not be negative", field=field), field=field)
    if number.is_zero() and not allow_zero:
        raise ValidationError(t("{field} must be greater than zero", field=field), field=field)
    return number


def round_money(amount: Decimal) -> Decimal:
    """To the cent, half up — how an invoice or a cost line is rounded."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP, context=CONTEXT)


def quantize_quantity(quantity: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """To the six places storage keeps (half up unless told otherwise)."""
    return quantity.quantize(QUANTUM, rounding=rounding, context=CONTEXT)


def quantize_unit_cost(cost: Decimal) -> Decimal:
    """A cost per base unit to six places, half up: per-gram costs are fractions of a cent."""
    return cost.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_UP, context=CONTEXT)


def round_fraction(
    value: Fraction | Decimal | int,
    places: int = QUANTITY_PLACES,
    rounding: str = ROUND_HALF_UP,
) -> Decimal:
    """An exact rational rounded once, at the end, to `places` decimal places.

    Formulas such as order / yield x line quantity x (1 + loss%) are computed as fractions
    so that nothing is rounded before the last step: dividing first and rounding up would
    turn 2/3 x 3 into 2.000001. Supports ROUND_HALF_UP, ROUND_UP (away from zero),
    ROUND_DOWN (towards zero), ROUND_CEILING and ROUND_FLOOR. Trailing zeros are dropped.
    """
    scaled = Fraction(value) * 10**places
    floor = scaled.numerator // scaled.denominator
    if floor != scaled:
        remainder = scaled - floor  # 0 < remainder < 1
        if rounding == ROUND_HALF_UP:
            up = remainder > Fraction(1, 2) or (remainder == Fraction(1, 2) and scaled > 0)
        elif rounding == ROUND_UP:
            up = scaled > 0
        elif rounding == ROUND_DOWN:
            up = scaled < 0
        elif rounding == ROUND_CEILING:
            up = True
        elif rounding == ROUND_FLOOR:
            up = False
        else:
            raise ValueError(f"unsupported rounding {rounding}")
        floor += int(up)
    return _plain(Decimal(floor).scaleb(-places, CONTEXT))


def fit_places(number: Decimal, places: int = QUANTITY_PLACES) -> Decimal:
    """`number` unchanged when it has at most `places` decimal places, else rounded half
    up to `places`; trailing zeros dropped either way."""
    if _places(number) > places:
        number = number.quantize(
            Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=CONTEXT
        )
    return _plain(number)


def format_quantity(quantity: Decimal) -> str:
    """For people: no trailing zeros and never scientific notation ("5000", "12.5",
    "0.000001")."""
    return format(_plain(Decimal(quantity)), "f")


def to_api(number: Decimal | int, places: int = 3) -> str:
    """The API's decimal string: at least `places` decimals ("12.500"), more when the value
    needs them ("0.000125" stays exact). Never scientific notation."""
    if type(number) is Decimal and number and number.is_finite():
        # The same answer by string work alone, several times faster than the general way
        # below: a large trace writes tens of thousands of quantities.
        whole, _, fraction = format(number, "f").partition(".")
        fraction = fraction.rstrip("0").ljust(places, "0")
        return f"{whole}.{fraction}" if fraction else whole
    value = _plain(Decimal(number))
    if _places(value) < places:
        value = value.quantize(Decimal(1).scaleb(-places), context=CONTEXT)
    return format(value, "f")


def scaled_to_api(scaled: int, places: int = 3) -> str:
    """`to_api` of a quantity as the database keeps it, an integer scaled by 10**6
    (shopfloor.models.types), by string work alone: a trace writes tens of thousands of
    them. to_api(Decimal(scaled).scaleb(-6)) gives the same string."""
    digits = str(-scaled if scaled < 0 else scaled).rjust(QUANTITY_PLACES + 1, "0")
    fraction = digits[-QUANTITY_PLACES:].rstrip("0").ljust(places, "0")
    whole = digits[:-QUANTITY_PLACES] if scaled >= 0 else "-" + digits[:-QUANTITY_PLACES]
    return f"{whole}.{fraction}" if fraction else whole


def money_to_api(amount: Decimal | int) -> str:
    """Money for the API: at least two decimals ("12.50"), more for sub-cent unit costs."""
    return to_api(amount, places=2)


_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")

#: The largest id a page or API may name: a 32-bit integer column's (PostgreSQL refuses
#: more, with an error, not a miss).
MAX_ID = 2**31 - 1


def is_whole_number(text: object, maximum: int | None = None) -> bool:
    """Whether `text` is a whole number written in ASCII digits (at most 18, and at most
    `maximum` when given). `str.isdigit()` is not: it takes "²" (which `int()` refuses)
    and "٣" (which it reads as 3)."""
    if not isinstance(text, str) or not _WHOLE_NUMBER.fullmatch(text):
        return False
    return maximum is None or int(text) <= maximum
