"""Numbers and money for the reader, in the reader's language (Babel's CLDR data, in the
locale Flask-Babel chose for the request): Romanian writes 1.234,5 and English 1,234.5.
Values stay exact Decimals until here; the API, CSV exports and form values keep the plain
"1234.5"."""

from __future__ import annotations

from decimal import Decimal

from babel import numbers
from flask_babel import get_locale

from shopfloor.domain.quantities import format_quantity, round_money


def format_quantity_for_reader(value: Decimal) -> str:
    """Every significant digit, no trailing zeros, the locale's separators."""
    return numbers.format_decimal(Decimal(format_quantity(value)), locale=_locale(),
                                  decimal_quantization=False)


def format_money_for_reader(value: Decimal, currency: str | None = None) -> str:
    """To the cent when the value is whole cents; a sub-cent unit cost (0.0042 per g)
    keeps its places rather than showing as 0.00. With `currency`, its sign or code."""
    exact = Decimal(format_quantity(value))
    cents = round_money(exact)
    shown = cents if exact == cents else exact
    if currency:
        return numbers.format_currency(shown, currency, locale=_locale(), currency_digits=False,
                                       decimal_quantization=False)
    return numbers.format_decimal(shown, format="#,##0.00", locale=_locale(),
                                  decimal_quantization=False)


def _locale():
    return get_locale() or "en"
