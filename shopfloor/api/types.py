"""The API's field types: each rule about what a client may send lives here once, as a type
the request shapes (`shopfloor.api.shapes`) are built of, and each type says what it takes in
the OpenAPI document too, so the document and the server cannot disagree.

Input types check syntax and pass the value on as it was sent: the services then read it
(as they read a page's form) and decide what it means (docs/ARCHITECTURE.md, layers).
A refusal raises `PydanticCustomError` with one of the `kind`s of `MESSAGES`, which
`shopfloor.api.shapes.read` turns into the API's error naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from shopfloor.domain.messages import t
from shopfloor.domain.quantities import MAX_ID
from shopfloor.domain.units import UNIT_CHOICES, is_known_unit

MAX_MAGNITUDE = 10**12

# A decimal number as the API reads it: a decimal point and nothing else. A comma is
# refused, whichever it would be: "1,000" is a thousand to some readers and 1 to others.
# ASCII digits only ([0-9] under re.ASCII): "٣" or "²" are not numbers here.
DECIMAL_TEXT = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?\s*",
                          re.ASCII)
DECIMAL_PATTERN = r"^\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?\s*$"
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
WHOLE_TEXT = re.compile(r"[0-9]+", re.ASCII)
# Row ids are 32-bit integers on PostgreSQL.
ID_RANGE = (1, MAX_ID)
# Printable text only; a multi-line field (notes, an address) may also hold line breaks
# and tabs.
_LINE_BREAKS = frozenset("\n\r\t")


def _refuse(kind: str, **context) -> PydanticCustomError:
    return PydanticCustomError(kind, kind, context)


# --- input ---------------------------------------------------------------------------------

def _decimal(value: Any) -> Any:
    if value is None:  # an optional field sent as null: not given
        return None
    if isinstance(value, bool):
        raise _refuse("decimal")
    if isinstance(value, int | Decimal):
        if isinstance(value, Decimal) and not value.is_finite() or abs(value) > MAX_MAGNITUDE:
            raise _refuse("decimal")
        return value
    if isinstance(value, str) and DECIMAL_TEXT.fullmatch(value):
        return value
    raise _refuse("decimal")


DecimalInput = Annotated[Any, PlainValidator(_decimal), WithJsonSchema({
    "anyOf": [{"type": "string", "pattern": DECIMAL_PATTERN},
              {"type": "number", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE}],
    "examples": ["12.5", 3],
    "description": ("A decimal number: a string with a decimal point (\"12.5\"; no comma, no "
                    "thousands separators) or a JSON number, which is read exactly, never as "
                    "a float. At most six decimal places; magnitude at most 10^12.")})]


def _date(value: Any) -> Any:
    if value is None:  # an optional field sent as null: not given
        return None
    if isinstance(value, str) and DATE_TEXT.fullmatch(value):
        try:
            date.fromisoformat(value)
        except ValueError:
            raise _refuse("date") from None
        return value
    raise _refuse("date")


DateInput = Annotated[Any, PlainValidator(_date), WithJsonSchema({
    "type": "string", "format": "date", "pattern": DATE_PATTERN, "examples": ["2026-12-31"],
    "description": "An ISO 8601 calendar date, YYYY-MM-DD, and no other form."})]


def whole(minimum: int = 0, maximum: int = 1_000_000, description: str | None = None):
    """A whole number within [minimum, maximum], as a JSON integer or as ASCII digits (a form
    sends text). "²" and "٣" are digits to Python's str.isdigit, and not numbers here."""

    def check(value: Any) -> Any:
        if value is None:  # an optional field sent as null: not given
            return None
        if isinstance(value, bool):
            raise _refuse("whole")
        if isinstance(value, str) and WHOLE_TEXT.fullmatch(value.strip()):
            number = int(value.strip())
        elif isinstance(value, int):
            number = value
        elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral():
            number = int(value)
        else:
            raise _refuse("whole")
        if not minimum <= number <= maximum:
            raise _refuse("range", minimum=minimum, maximum=maximum)
        return value

    schema: dict = {"type": ["integer", "string"], "minimum": minimum, "maximum": maximum,
                    "pattern": "^[0-9]+$"}
    if description:
        schema["description"] = description
    return Annotated[Any, PlainValidator(check), WithJsonSchema(schema)]


Id = whole(*ID_RANGE)


def _has_control_character(value: str, multiline: bool) -> bool:
    return any(unicodedata.category(c) == "Cc" and not (multiline and c in _LINE_BREAKS)
               for c in value)


def text(max_length: int = 200, *, min_length: int = 0, multiline: bool = False,
         scanned: bool = False, pattern: str | None = None, description: str | None = None,
         enum=None, fmt: str | None = None):
    """Text of at most `max_length` characters, with no control characters (a line break
    only where `multiline`; a `scanned` code keeps the GS1 group separator its scanner
    sends). `pattern`, `enum` and `fmt` describe it further in the document;
    the services check what they mean."""

    def check(value: Any) -> Any:
        if value is None:  # an optional field sent as null: not given
            return None
        if not isinstance(value, str):
            raise _refuse("text")
        if len(value.strip()) > max_length:
            raise _refuse("too_long", max_length=max_length)
        if min_length and not value.strip():
            raise _refuse("missing")
        if _has_control_character(value.replace("\x1d", "") if scanned else value, multiline):
            raise _refuse("control")
        return value

    schema: dict = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
    if pattern:
        schema["pattern"] = pattern
    if enum is not None:
        schema = {"type": "string", "enum": list(enum)}
    if fmt:
        schema["format"] = fmt
    if description:
        schema["description"] = description
    return Annotated[Any, PlainValidator(check), WithJsonSchema(schema)]


def choice(values, description: str | None = None):
    """One of `values`."""
    values = tuple(values)

    def check(value: Any) -> Any:
        if value is None:  # an optional field sent as null: not given
            return None
        if value not in values:
            raise _refuse("choice", choices=", ".join(values))
        return value

    schema: dict = {"type": "string", "enum": list(values)}
    if description:
        schema["description"] = description
    return Annotated[Any, PlainValidator(check), WithJsonSchema(schema)]


def _unit(value: Any) -> Any:
    if value is None:  # an optional field sent as null: not given
        return None
    if not isinstance(value, str):
        raise _refuse("text")
    if not is_known_unit(value):
        raise _refuse("unit", unit=value.strip()[:20], known=", ".join(UNIT_CHOICES))
    return value


UnitInput = Annotated[Any, PlainValidator(_unit), WithJsonSchema({
    "type": "string", "enum": list(UNIT_CHOICES), "description": (
        "A unit compatible with the item's base unit (kg for a g item; ml for a g item with "
        "a density), converted exactly. Common spellings such as \"kilo\" or \"pieces\" are "
        "accepted.")})]


def _flag(value: Any) -> Any:
    if value is None:  # an optional field sent as null: not given
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (
            "1", "true", "on", "yes", "y", "0", "false", "off", "no", "n"):
        return value
    raise _refuse("boolean")


Flag = Annotated[Any, PlainValidator(_flag), WithJsonSchema({"type": "boolean"})]
Code = text(80, min_length=1)
ItemCode = text(40, min_length=1, description="An item's SKU.")
LocationCode = text(40, min_length=1, description="A location's code.")
Reason = text(500, min_length=1)
Notes = text(2000, multiline=True)


# --- output (described, not checked: the serializers write them) ---------------------------

def _described(schema: dict):
    return Annotated[str, WithJsonSchema(schema)]


Quantity = _described({"type": "string", "pattern": r"^[0-9]+\.[0-9]{3,}$",
                       "examples": ["12.500"], "description": (
                           "A quantity in the item's base unit as a decimal string with at "
                           "least three decimals, more when the value needs them "
                           "(\"0.000125\"). Never a float.")})
SignedQuantity = _described({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{3,}$",
                             "examples": ["-2.000"],
                             "description": "A quantity that may be negative (a difference)."})
Money = _described({"type": "string", "pattern": r"^[0-9]+\.[0-9]{2,}$",
                    "examples": ["4.20", "0.004200"],
                    "description": ("Money as a decimal string with at least two decimals; a "
                                    "cost per gram keeps up to six.")})
SignedMoney = _described({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2,}$",
                          "examples": ["-12.50"],
                          "description": "Money that may be negative (a net balance)."})
DateTime = _described({"type": "string",
                       "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$",
                       "examples": ["2026-11-26T09:30:00"],
                       "description": "ISO 8601 date and time, UTC, to the second."})
DecimalText = _described({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
                          "examples": ["12.5"],
                          "description": "A decimal number as typed, without trailing zeros."})
Date = _described({"type": "string", "format": "date", "examples": ["2026-12-31"],
                   "description": "ISO 8601 date."})
Unit = _described({"type": "string", "enum": list(UNIT_CHOICES)})
Url = _described({"type": "string", "format": "uri"})


def one_of(values):
    return _described({"type": "string", "enum": list(values)})


def pattern(regex: str, max_length: int | None = None):
    schema = {"type": "string", "pattern": regex}
    if max_length:
        schema["maxLength"] = max_length
    return _described(schema)


def limited(max_length: int):
    return _described({"type": "string", "maxLength": max_length})


Count = Annotated[int, Field(ge=0)]


# --- what each refusal says ------------------------------------------------------------------

def message(kind: str, field: str, context: dict) -> str:
    """The refusal of a field, in words the translation layer knows."""
    found = MESSAGES.get(kind)
    if found is None:
        return t("{field} is not valid", field=field)
    return found(field, context)


MESSAGES = {
    "extra_forbidden": lambda field, _: t(
        "{field} is not a field of this request; nothing was done", field=field),
    "missing": lambda field, _: t("{field} is required", field=field),
    "decimal": lambda field, _: t(
        "{field} must be a number like 12.5, with a decimal point and no thousands "
        "separators", field=field),
    "date": lambda field, _: t("{field} must be a date like 2026-12-31", field=field),
    "whole": lambda field, _: t("{field} must be a whole number", field=field),
    "range": lambda field, c: t("{field} must be between {minimum} and {maximum}",
                                field=field, minimum=c["minimum"], maximum=c["maximum"]),
    "text": lambda field, _: t("{field} must be text", field=field),
    "too_long": lambda field, c: t("{field} is longer than {max_length} characters",
                                   field=field, max_length=c["max_length"]),
    "control": lambda field, _: t("{field} contains a control character", field=field),
    "choice": lambda field, c: t("{field} must be one of {choices}", field=field,
                                 choices=c["choices"]),
    "unit": lambda field, c: t("unknown unit '{unit}' (use one of {known})", unit=c["unit"],
                               known=c["known"]),
    "boolean": lambda field, _: t("{field} must be true or false", field=field),
    "list_type": lambda field, _: t("{field} must be a list", field=field),
    "too_short": lambda field, _: t("{field} needs at least one entry", field=field),
    "model_type": lambda field, _: t("{field} must be an object", field=field),
    "model_attributes_type": lambda field, _: t("{field} must be an object", field=field),
    "dict_type": lambda field, _: t("{field} must be an object", field=field),
}
