"""Reading command input. API bodies and HTML forms use the same field names (DESIGN.md
§6), so one set of readers serves both and every refusal names its field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.quantities import parse_money, parse_quantity


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
            raise ValidationError(f"{label or field} is required", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{label or field} must be text", field=field)
    if len(value) > max_length:
        raise ValidationError(f"{label or field} is longer than {max_length} characters",
                              field=field)
    return value


def choice(data: Mapping, field: str, choices, *, required: bool = False,
           default: str | None = None) -> str | None:
    value = _raw(data, field)
    if value is None:
        if required and default is None:
            raise ValidationError(f"{field} is required", field=field)
        return default
    if value not in choices:
        raise ValidationError(f"{field} must be one of {', '.join(choices)}", field=field)
    return value


def quantity(data: Mapping, field: str, *, required: bool = True, allow_zero: bool = False,
             default: Decimal | None = None) -> Decimal | None:
    value = _raw(data, field)
    if value is None:
        if required and default is None:
            raise ValidationError(f"{field} is required", field=field)
        return default
    return parse_quantity(value, field, allow_zero=allow_zero)


def money(data: Mapping, field: str, *, required: bool = False,
          default: Decimal | None = None) -> Decimal | None:
    value = _raw(data, field)
    if value is None:
        if required and default is None:
            raise ValidationError(f"{field} is required", field=field)
        return default
    return parse_money(value, field)


def integer(data: Mapping, field: str, *, minimum: int = 0, maximum: int = 1_000_000,
            required: bool = False) -> int | None:
    value = _raw(data, field)
    if value is None:
        if required:
            raise ValidationError(f"{field} is required", field=field)
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or
                                       (isinstance(value, str) and value.isdigit())):
        raise ValidationError(f"{field} must be a whole number", field=field)
    number = int(value)
    if not minimum <= number <= maximum:
        raise ValidationError(f"{field} must be between {minimum} and {maximum}", field=field)
    return number


def iso_date(data: Mapping, field: str, *, required: bool = False) -> date | None:
    value = _raw(data, field)
    if value is None:
        if required:
            raise ValidationError(f"{field} is required", field=field)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"{field} must be a date like 2026-12-31", field=field) from None


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
    raise ValidationError(f"{field} must be true or false", field=field)
