"""Reading command input. API bodies and HTML forms use the same field names
(docs/ARCHITECTURE.md, "Units and exact numbers"), so one set of readers serves both and
every refusal names its field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from shopfloor.domain import units
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.domain.quantities import (
    is_whole_number,
    parse_money,
    parse_quantity,
)


def _raw(data: Mapping, field: str):
    value = data.get(field)
    if isinstance(value, str):
        value = value.strip()
    return None if value in ("", None) else value


def text(data: Mapping, field: str, *, required: bool = False, max_length: int = 200,
         label: str | None = None) -> str | None:
    value = _raw(data, field)
    if value is None:
        if required:
            raise ValidationError(t("{field} is required", field=label or field), field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(t("{field} must be text", field=label or field), field=field)
    if len(value) > max_length:
        raise ValidationError(t("{field} is longer than {max_length} characters",
                                field=label or field, max_length=max_length), field=field)
    return value


def choice(data: Mapping, field: str, choices, *, required: bool = False,
           default: str | None = None) -> str | None:
    value = _raw(data, field)
    if value is None:
        if required and default is None:
            raise ValidationError(t("{field} is required", field=field), field=field)
        return default
    if value not in choices:
        raise ValidationError(t("{field} must be one of {choices}",
                                field=field, choices=", ".join(choices)),
                              field=field)
    return value


def quantity(data: Mapping, field: str, *, required: bool = True, allow_zero: bool = False,
             default: Decimal | None = None) -> Decimal | None:
    value = _raw(data, field)
    if value is None:
        if required and default is None:
            raise ValidationError(t("{field} is required", field=field), field=field)
        return default
    return parse_quantity(value, field, allow_zero=allow_zero)


def quantity_of(data: Mapping, field: str, item, *, unit_field: str = "unit",
                required: bool = True, allow_zero: bool = False) -> Decimal | None:
    """A quantity of `item` sent in `data[unit_field]` (any unit compatible with the item's
    base unit; the base unit when absent), in the item's base unit, converted exactly.
    A unit that does not convert is refused naming `unit_field`."""
    amount = quantity(data, field, required=required, allow_zero=allow_zero)
    unit = text(data, unit_field, max_length=20)
    if amount is None or unit is None:
        return amount
    converted = units.convert(amount, units.canonical_unit(unit, unit_field), item.unit,
                              item.density)
    if amount and not converted:
        raise ValidationError(t("quantity is less than the smallest amount of {unit}",
                                unit=item.unit), field=field)
    return converted


def money(data: Mapping, field: str, *, required: bool = False,
          default: Decimal | None = None) -> Decimal | None:
    value = _raw(data, field)
    if value is None:
        if required and default is None:
            raise ValidationError(t("{field} is required", field=field), field=field)
        return default
    return parse_money(value, field)



def integer(data: Mapping, field: str, *, minimum: int = 0, maximum: int = 1_000_000,
            required: bool = False) -> int | None:
    value = _raw(data, field)
    if value is None:
        if required:
            raise ValidationError(t("{field} is required", field=field), field=field)
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or
                                       is_whole_number(value)):
        raise ValidationError(t("{field} must be a whole number", field=field), field=field)
    number = int(value)
    if not minimum <= number <= maximum:
        raise ValidationError(t("{field} must be between {minimum} and {maximum}",
                                field=field, minimum=minimum, maximum=maximum),
                              field=field)
    return number


def iso_date(data: Mapping, field: str, *, required: bool = False) -> date | None:
    value = _raw(data, field)
    if value is None:
        if required:
            raise ValidationError(t("{field} is required", field=field), field=field)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(t("{field} must be a date like 2026-12-31", field=field),
                              field=field) from None


def boolean(data: Mapping, field: str, default: bool | None = None) -> bool | None:
    value = data.get(field)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "on", "yes", "y"):
        return True
    if str(value).lower() in ("0", "false", "off", "no", "n"):
        return False
    raise ValidationError(t("{field} must be true or false", field=field), field=field)


def name_the_line(error, number: int, count: int) -> None:
    """A refusal on one line of several (a shipment's, an order's) says which, in the
    message ("line 2: …") and in `details.line`, so a packer with a long list finds it."""
    if count > 1:
        error.message = t("line {number}: {message}", number=number, message=error.message)
        if error.details is None:
            error.details = {"line": number}
