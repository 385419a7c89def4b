"""Reading a supplier's GS1 barcode at receipt (docs/ARCHITECTURE.md, "Labels and scanning").

A scan fills in the item (by GTIN), the supplier lot, the expiry and the quantity. The same
facts arrive in several spellings, all decoded by biip:

- a GS1 element string as printed under a barcode: "(01)09506000134352(10)ABC(17)261231";
- the raw data a scanner sends for GS1-128 / DataMatrix / GS1 QR: AIs run together, variable
  fields ended by the GS character (FNC1, "\\x1d"), optionally after a symbology identifier
  such as "]C1", "]d2" or "]Q3";
- a GS1 Digital Link URL: "https://example.com/01/09506000134352/10/ABC?17=261231";
- a bare GTIN-8/12/13/14 from an EAN/UPC barcode.

Anything else (a lot code, a SKU, a lot URL "/l/<code>") is not GS1 and gives None, so the
scan resolver can try its other interpretations. Text that is unmistakably meant as GS1 (a
GS1 symbology identifier, the parenthesised form, a GS character, a Digital Link path with a
GTIN) but does not parse — a wrong check digit, a 13th month — is refused with a
ValidationError that says why, rather than reported as an unknown code.

A run of digits without any of those marks is only taken as GS1 when it starts with a GTIN
(AI 01): a numeric SKU such as "1001" would otherwise read as "batch 01".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.symbology import GS1Symbology, SymbologyIdentifier

from .errors import ValidationError
from .messages import t
from .quantities import fit_places

GROUP_SEPARATOR = "\x1d"

# Variable measure AIs (first three digits; the fourth is the decimal point position) that
# are net contents in a unit we keep. Gross weights and dimensions are not stock quantities.
_MEASURE_UNITS = {"310": "kg", "315": "l", "320": "lb"}

_ASCII_DIGITS = re.compile(r"[0-9]+")
_GTIN_FIRST = re.compile(r"01[0-9]{14}")
_HRI_START = re.compile(r"\([0-9]{2,4}\)")
_DIGITAL_LINK_GTIN = re.compile(r"/(?:01|gtin)/[0-9]{8,14}(?:/|$)")


@dataclass(frozen=True)
class ScannedGs1:
    """What a GS1 scan says about the goods. `gtin` is always 14 digits."""

    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    best_before: date | None = None
    quantity: Decimal | None = None
    unit: str | None = None
    serial: str | None = None

    @property
    def shelf_date(self) -> date | None:
        """The date a lot is good until: the expiry (AI 17), else the best-before date
        (AI 15)."""
        return self.expiry or self.best_before


def parse_gs1(text: object, field: str = "code") -> ScannedGs1 | None:
    """Interpret scanned text as GS1 data; None when it is not GS1 at all."""
    if not isinstance(text, str):
        return None
    value = text.strip()
    if not value:
        return None

    symbology: GS1Symbology | None = None
    if value.startswith("]"):
        try:
            identifier = SymbologyIdentifier.extract(value)
        except (ParseError, ValueError, IndexError):
            return None
        symbology = identifier.gs1_symbology
        value = value[len(identifier) :]
    declared_message = symbology in GS1Symbology.with_gs1_messages()

    if value.lower().startswith(("http://", "https://")):
        return _from_digital_link(value, field)
    if value.startswith("("):
        strict = bool(_HRI_START.match(value))
        return _from_elements(_parse(GS1Message.parse_hri, value, field, strict), field, strict)
    if symbology in GS1Symbology.with_gtin() or (
        symbology is None and _is_ascii_digits(value) and len(value) in (8, 12, 13, 14)
    ):
        return _from_plain_gtin(value, field, strict=symbology is not None)
    if declared_message or GROUP_SEPARATOR in value or _GTIN_FIRST.match(value):
        strict = declared_message or GROUP_SEPARATOR in value
        return _from_elements(_parse(GS1Message.parse, value, field, strict), field, strict)
    return None


def normalize_gtin(value: object, field: str = "gtin") -> str:
    """A GTIN-8/12/13/14 as typed on an item, checked and padded to the 14 digits that GS1
    barcodes carry, so one item matches however its GTIN is scanned."""
    text = value.strip() if isinstance(value, str) else ""
    if not _is_ascii_digits(text):
        raise ValidationError(t("{field} must be 8, 12, 13 or 14 digits", field=field),
                              field=field)
    try:
        return Gtin.parse(text).as_gtin_14()
    except ParseError as exc:
        raise ValidationError(t("{field} is not a valid GTIN: {error}", field=field,
                                error=str(exc)), field=field) from exc


def _is_ascii_digits(value: str) -> bool:
    return bool(_ASCII_DIGITS.fullmatch(value))


def _parse(parser, value: str, field: str, strict: bool):
    try:
        return parser(value).element_strings
    except (ParseError, ValueError) as exc:
        if strict:
            raise ValidationError(t("not a valid GS1 code: {error}", error=str(exc)),
                                  field=field) from exc
        return None


def _from_plain_gtin(value: str, field: str, *, strict: bool) -> ScannedGs1 | None:
    try:
        gtin = Gtin.parse(value)
    except ParseError as exc:
        if strict:
            raise ValidationError(t("not a valid GTIN: {error}", error=str(exc)),
                                  field=field) from exc
        return None  # maybe a numeric lot code or SKU
    return ScannedGs1(gtin=gtin.as_gtin_14())


def _from_digital_link(value: str, field: str) -> ScannedGs1 | None:
    # Our own lot URLs (/l/<code>) and any other web address are not GS1; a URL whose path
    # carries a GTIN is, and then a parse failure is worth explaining.
    strict = bool(_DIGITAL_LINK_GTIN.search(value.split("?", 1)[0]))
    return _from_elements(_parse(GS1DigitalLinkURI.parse, value, field, strict), field, strict)


def _from_elements(
    elements: GS1ElementStrings | None, field: str, strict: bool
) -> ScannedGs1 | None:
    if elements is None:
        return None

    gtin = None
    if (element := elements.get(ai="01")) is not None:
        if element.gtin is None:
            if not strict:
                return None
            raise ValidationError(t("not a valid GTIN: {error}", error=str(element.gtin_error)),
                                  field=field)
        gtin = element.gtin.as_gtin_14()

    quantity, unit = _quantity(elements)
    scanned = ScannedGs1(
        gtin=gtin,
        lot=_value(elements, "10"),
        expiry=_date(elements, "17"),
        best_before=_date(elements, "15"),
        quantity=quantity,
        unit=unit,
        serial=_value(elements, "21"),
    )
    if scanned == ScannedGs1():
        return None  # GS1, but nothing a receipt can use (an SSCC, a location GLN)
    return scanned


def _value(elements: GS1ElementStrings, ai: str) -> str | None:
    element = elements.get(ai=ai)
    return element.value if element is not None else None


def _date(elements: GS1ElementStrings, ai: str) -> date | None:
    # biip already reads day "00" as the last day of the month (GS1 General Specifications
    # 7.12) and places two-digit years in the GS1 sliding century window.
    element = elements.get(ai=ai)
    return element.date if element is not None else None


def _quantity(elements: GS1ElementStrings) -> tuple[Decimal | None, str | None]:
    """Net contents (AI 310n kg, 315n l, 320n lb; biip applies the decimal point n) before a
    count of pieces (AI 30)."""
    for element in elements:
        unit = _MEASURE_UNITS.get(element.ai.ai[:3])
        if unit is not None and element.decimal is not None:
            return fit_places(element.decimal), unit
    count = elements.get(ai="30")
    if count is not None and _is_ascii_digits(count.value):
        return Decimal(int(count.value)), "pcs"
    return None, None
