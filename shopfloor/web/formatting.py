"""Numbers and money for reading on a page, in the reader's language (Babel/CLDR).

Display only: the domain, the API, CSV and JSON keep exact strings (shopfloor.domain
.quantities). A rounded amount keeps its exact value in a `title` attribute, so hovering or
the detail page still shows every digit. Form fields are prefilled with `field_quantity`,
which the parsers read back (decimal comma accepted, no thousands separator).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal, get_decimal_symbol
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from shopfloor.domain.quantities import format_quantity, money_to_api, round_money

#: Every place a quantity can have (six), grouping, no trailing zeros.
_QUANTITY_PATTERN = "#,##0.######"
#: Unit costs: at least cents, at most four places. A per-gram cost of 0.018755 reads as
#: 0.0188 — enough to compare suppliers; the six stored places are in the title.
_UNIT_COST_PATTERN = "#,##0.00##"
_UNIT_COST_QUANTUM = Decimal("0.0001")

#: Unit codes as stored (and sent by the API and CSV) and how a page names them.
UNIT_LABELS = {"pcs": _l("pcs")}


def quantity(value, locale: str) -> str:
    """1234.5 -> "1,234.5" (en), "1.234,5" (ro); never loses one of the six places."""
    if value is None:
        return ""
    return format_decimal(Decimal(format_quantity(value)), _QUANTITY_PATTERN, locale=locale,
                          decimal_quantization=False)


def field_quantity(value, locale: str) -> str:
    """For value="…": no grouping, the locale's decimal mark ("2,5" in ro), so that
    what the page prefills parses back to the same number."""
    if value is None:
        return ""
    text = format_quantity(value)
    return text.replace(".", get_decimal_symbol(locale))


def _titled(shown: str, exact: str, rounded: bool) -> Markup:
    if not rounded:
        return Markup('<span class="num-val">%s</span>') % shown
    return Markup('<span class="num-val" title="%s">%s</span>') % (exact, shown)


def money(value, currency: str, locale: str) -> Markup:
    """An amount with its currency, to the cent (half up, as invoices round); the exact
    value on hover when rounding changed it."""
    if value is None:
        return Markup("")
    value = Decimal(value)
    cents = round_money(value)
    shown = format_currency(cents, currency, locale=locale)
    return _titled(shown, money_to_api(value), cents != value)


def unit_cost(value, locale: str) -> Markup:
    """A cost per unit: two to four places (half up), the stored six on hover."""
    if value is None:
        return Markup("")
    value = Decimal(value)
    shown_value = value.quantize(_UNIT_COST_QUANTUM, rounding=ROUND_HALF_UP)
    shown = format_decimal(shown_value, _UNIT_COST_PATTERN, locale=locale)
    return _titled(shown, money_to_api(value), shown_value != value)


def unit(code) -> str:
    """"pcs" reads "buc" in Romanian; other units (g, kg, ml…) are the same everywhere."""
    if code is None:
        return ""
    label = UNIT_LABELS.get(code)
    return str(escape(code)) if label is None else str(label)


def format_quantity_for_reader(value: Decimal) -> str:
    """Every significant digit, no trailing zeros, the request's locale."""
    return quantity(value, _request_locale())


def format_money_for_reader(value: Decimal, currency: str | None = None) -> str:
    """For messages (plain text, no title): to the cent when the value is whole cents; a
    sub-cent unit cost (0.0042 per g) keeps its places rather than showing as 0.00."""
    exact = Decimal(format_quantity(value))
    cents = round_money(exact)
    shown = cents if exact == cents else exact
    if currency:
        return format_currency(shown, currency, locale=_request_locale(),
                               currency_digits=False, decimal_quantization=False)
    return format_decimal(shown, format="#,##0.00", locale=_request_locale(),
                          decimal_quantization=False)


def _request_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")
