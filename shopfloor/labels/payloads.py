"""What a label's codes carry: lot URLs, GS1 Digital Links and GS1 element strings.

The QR code is a URL into the app so that a phone's own camera app opens the lot page.
When the item has a GTIN the QR is a GS1 Digital Link instead, and the 1-D code a GS1-128
element string, so that a customer's or distributor's GS1 scanner understands our labels too.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple
from urllib.parse import quote

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t

# GS1 "character set 82": the only characters allowed in alphanumeric AIs such as (10).
# A space, for instance, is not one of them.
GS1_CSET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
GS1_LOT_MAX_LENGTH = 20


class LabelDataError(ValidationError, ValueError):
    """Data that cannot be put on a label as asked (a bad GTIN, a lot code that GS1 forbids).

    A ValueError for plain callers, and a domain ValidationError with `field` so the web layer
    shows it as a form or JSON error naming the field instead of a 500.
    """


class Gs1ElementString(NamedTuple):
    """One GS1 element string in the two forms a label needs."""

    text: str
    """Human-readable form printed under the bars: `(01)09506000134352(17)261231(10)LOT`."""
    data: str
    """What Code 128 encodes after the leading FNC1 (which python-barcode's GS1-128 adds)."""


def _base(base_url: str) -> str:
    return base_url.rstrip("/")


def _quote(value: str) -> str:
    # safe="" so that a "/" inside a lot code cannot split the path into extra segments.
    return quote(value, safe="")


def lot_url(base_url: str, lot_code: str) -> str:
    """The app's own URL for a lot, `<base>/l/<lot code>`, opened by any phone camera."""
    return f"{_base(base_url)}/l/{_quote(lot_code)}"


def location_url(base_url: str, location_code: str) -> str:
    """The app's URL for a storage/production location, `<base>/locations/<code>`."""
    return f"{_base(base_url)}/locations/{_quote(location_code)}"


def gtin14(gtin: str) -> str:
    """A GTIN-8/12/13/14 as the 14 digits GS1 carries in AI (01), check digit verified.

    A mistyped GTIN would put another company's product identity on our label, so a
    wrong check digit is refused rather than printed.
    """
    digits = gtin.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise LabelDataError(t("gtin must be 8, 12, 13 or 14 digits, not {gtin}", gtin=repr(gtin)),
                             field="gtin")
    digits = digits.zfill(14)
    if gs1_check_digit(digits[:-1]) != int(digits[-1]):
        raise LabelDataError(t("gtin {gtin} has a wrong check digit", gtin=gtin), field="gtin")
    return digits


def gs1_check_digit(digits: str) -> int:
    """GS1 mod-10 check digit: weights 3,1,3,… from the rightmost data digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def gs1_lot(lot_code: str) -> str:
    """The lot code, if GS1 allows it in AI (10); otherwise a LabelDataError.

    GS1 batch numbers are at most 20 characters from character set 82, so a lot code
    like "WAX/01 A" (with a space) cannot be printed on a GS1 label of an item with a GTIN.
    """
    bad = sorted(set(lot_code) - GS1_CSET_82)
    if not lot_code or len(lot_code) > GS1_LOT_MAX_LENGTH or bad:
        reason = (t("characters {characters} are not allowed", characters=repr("".join(bad)))
                  if bad else t("1 to 20 characters"))
        raise LabelDataError(
            t("lot_code {lot} cannot be a GS1 batch number (AI 10): {reason}",
              lot=repr(lot_code), reason=reason),
            field="lot_code",
        )
    return lot_code


def gs1_date(value: date) -> str:
    """A date as GS1 writes it in AI (17) and in a Digital Link: YYMMDD."""
    return value.strftime("%y%m%d")


def digital_link(base_url: str, gtin: str, lot_code: str, expiry: date | None) -> str:
    """GS1 Digital Link URI: `<base>/01/<gtin14>/10/<lot>?17=YYMMDD` (query only with expiry).

    Any GS1 Digital Link resolver and our own `/01/<gtin>/10/<lot>` route understand it.
    """
    url = f"{_base(base_url)}/01/{gtin14(gtin)}/10/{_quote(gs1_lot(lot_code))}"
    if expiry is not None:
        url += f"?17={gs1_date(expiry)}"
    return url


def gs1_element_string(gtin: str, lot_code: str, expiry: date | None) -> Gs1ElementString:
    """GS1-128 content for a lot: (01) GTIN, (17) expiry, then (10) lot.

    Fixed-length fields come first and the variable-length lot last, as the GS1 General
    Specifications recommend: then no FNC1 separator is needed inside the data (a reader
    knows where (01) and (17) end) and the symbol is shorter, which matters on a 2x1" label.
    """
    elements = [("01", gtin14(gtin))]
    if expiry is not None:
        elements.append(("17", gs1_date(expiry)))
    elements.append(("10", gs1_lot(lot_code)))
    text = "".join(f"({ai}){value}" for ai, value in elements)
    data = "".join(f"{ai}{value}" for ai, value in elements)
    return Gs1ElementString(text=text, data=data)


def qr_payload(
    base_url: str, lot_code: str, gtin: str | None = None, expiry: date | None = None
) -> str:
    """The QR content for a lot: a GS1 Digital Link when the item has a GTIN, else the lot URL."""
    if gtin:
        return digital_link(base_url, gtin, lot_code, expiry)
    return lot_url(base_url, lot_code)
