"""Label sizes as data, and what a lot or location label says.

Every output (HTML, PNG, ZPL) places the same boxes from one `LabelSize`, so a label looks
the same whichever way it is printed. Boxes are in millimetres from the label's top-left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from shopfloor.domain.availability import EXPIRED, QUARANTINE, REJECTED, is_expired
from shopfloor.domain.messages import t

from .codes import code128_modules
from .payloads import LabelDataError, gs1_element_string, location_url, qr_payload


def N_(message: str) -> str:
    """Mark a caption for translation (Babel's extractor knows `N_`); it is translated
    with the caller's gettext when a label is drawn."""
    return message


Gettext = Callable[[str], str]


def no_translation(message: str) -> str:
    """The gettext used when the caller passes none: captions stay in English."""
    return message


LINE_SPACING = 1.25
"""Line height as a multiple of the font size."""

MAX_MODULE_MM = 0.5
"""Widest Code 128 module drawn: short codes on big labels stay a scanner-friendly width."""

GS1_HRI_MAX_CHARS = len("(01)12345678901234(17)YYMMDD(10)") + 20
"""The longest GS1 line we print: GTIN, expiry and a 20-character lot."""


@dataclass(frozen=True)
class Box:
    """A rectangle on the label, in mm."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Sheet:
    """A page of several labels in a grid (A4 label sheets for office printers)."""

    width_mm: float
    height_mm: float
    columns: int
    rows: int
    left_mm: float
    top_mm: float


@dataclass(frozen=True)
class LabelSize:
    """One label stock: its size, where each part goes, and how big the text is."""

    key: str
    width_mm: float
    height_mm: float
    title: Box
    """Item (or location) name, wrapped to as many lines as fit."""
    text: Box
    """Detail lines, one fact per line."""
    qr: Box
    barcode: Box
    """Bars with their quiet zones, and the human-readable line under them. The box may
    reach the label's edges: quiet zones are blank, so they may lie where a printer cannot
    print, which leaves the bars room for whole-dot modules."""
    title_font_mm: float
    font_mm: float
    hri_font_mm: float
    lot_fields: tuple[str, ...]
    """Which facts fit in `text`, in order; small labels leave some out."""
    sheet: Sheet | None = None
    """None for roll and fan-fold stock, where each label is its own page."""

    @property
    def page(self) -> Sheet:
        """The printed page: the sheet, or for roll stock the label itself."""
        return self.sheet or Sheet(self.width_mm, self.height_mm, 1, 1, 0, 0)

    @property
    def per_page(self) -> int:
        return self.page.columns * self.page.rows

    @property
    def title_lines(self) -> int:
        """How many lines of the name fit in the title box; the rest is cut with an ellipsis."""
        return max(1, int(self.title.h // (self.title_font_mm * LINE_SPACING)))

    @property
    def gs1_hri_font_mm(self) -> float:
        """A font small enough for the longest GS1 line (52 characters) to fit under the bars."""
        return min(self.hri_font_mm, self.barcode.w * 0.9 / (GS1_HRI_MAX_CHARS * 0.6))


ALL_LOT_FIELDS = ("sku", "lot", "quantity", "expiry", "received_on", "supplier_lot")

LABEL_SIZES: dict[str, LabelSize] = {
    # Brother DK-22205 style 62 mm continuous roll, cut at 40 mm.
    "62mm": LabelSize(
        key="62mm",
        width_mm=62,
        height_mm=40,
        title=Box(2, 1.5, 58, 4.6),
        qr=Box(1.5, 6.5, 21, 21),
        text=Box(23, 7, 37.5, 20.5),
        barcode=Box(0, 28, 62, 11),
        title_font_mm=3.4,
        font_mm=2.4,
        hri_font_mm=2.2,
        lot_fields=ALL_LOT_FIELDS,
    ),
    # 4x6 in shipping label, portrait.
    "4x6": LabelSize(
        key="4x6",
        width_mm=101.6,
        height_mm=152.4,
        title=Box(5, 5, 91.6, 16),
        text=Box(5, 22, 91.6, 36),
        qr=Box(25.8, 60, 50, 50),
        barcode=Box(3, 114, 95.6, 33),
        title_font_mm=6,
        font_mm=4.5,
        hri_font_mm=3.5,
        lot_fields=ALL_LOT_FIELDS,
    ),
    # 2x1 in: room for the essentials only.
    "2x1": LabelSize(
        key="2x1",
        width_mm=50.8,
        height_mm=25.4,
        title=Box(1.5, 0.8, 48, 3.6),
        qr=Box(0.5, 4.5, 12.5, 12.5),
        text=Box(13.5, 4.8, 36, 12),
        barcode=Box(0, 17, 50.8, 8),
        title_font_mm=2.6,
        font_mm=2.2,
        hri_font_mm=1.8,
        lot_fields=("lot", "quantity", "expiry", "sku"),
    ),
    # A4 sheet of 3 x 8 labels, 70 x 37 mm each (the common 24-up sheet).
    "a4": LabelSize(
        key="a4",
        width_mm=70,
        height_mm=37,
        title=Box(3.5, 3, 63, 4),
        qr=Box(3, 7, 18, 18),
        text=Box(21.5, 7.3, 45, 18),
        barcode=Box(0, 25.5, 70, 9),
        title_font_mm=3,
        font_mm=2.2,
        hri_font_mm=2,
        lot_fields=ALL_LOT_FIELDS,
        sheet=Sheet(width_mm=210, height_mm=297, columns=3, rows=8, left_mm=0, top_mm=0.5),
    ),
}


def label_size(key: str) -> LabelSize:
    """The layout for a `?size=` value; an unknown size is a clear error naming `size`."""
    try:
        return LABEL_SIZES[key]
    except KeyError:
        known = ", ".join(LABEL_SIZES)
        raise LabelDataError(t("size must be one of {known}, not {key}",
                               known=known, key=repr(key)),
                             field="size") from None


@dataclass(frozen=True)
class LotLabel:
    """Everything printed on a lot label, already decided; outputs only place it."""

    item_name: str
    sku: str
    lot_code: str
    quantity: str
    """Formatted by the caller (Decimal, locale), e.g. "12.500"."""
    unit: str
    expiry: date | None
    received_on: date | None
    supplier_lot: str | None
    qr_payload: str
    barcode_data: str
    """What the 1-D code encodes: the lot code, or a GS1 element string when `is_gs1`."""
    barcode_text: str
    """The human-readable line under the bars."""
    is_gs1: bool
    mark: str | None = None
    """Why the lot must not be used ("quarantine", "rejected", "expired"), printed large
    across the top of the label so nobody takes it by mistake; None for a usable lot."""
    produced: bool = False
    """A lot made here: its date is captioned "Made", not "Rcvd"."""

    def caption(self, field: str) -> str:
        """The untranslated caption of a detail line (pass it through gettext)."""
        if field == "received_on" and self.produced:
            return MADE_CAPTION
        return LOT_CAPTIONS[field]

    @property
    def facts(self) -> dict[str, str | None]:
        """The label's detail values as printed, by `LabelSize.lot_fields` name.

        Dates are ISO (2026-12-31): unambiguous to every reader whatever the language.
        """
        return {
            "sku": self.sku,
            "lot": self.lot_code,
            "quantity": f"{self.quantity} {self.unit}",
            "expiry": self.expiry.isoformat() if self.expiry else None,
            "received_on": self.received_on.isoformat() if self.received_on else None,
            "supplier_lot": self.supplier_lot,
        }


@dataclass(frozen=True)
class LocationLabel:
    """A shelf or area label: scanning it names the destination of a move."""

    code: str
    name: str
    qr_payload: str

    # A location's 1-D code is its code in plain Code 128, read as typed.
    @property
    def barcode_data(self) -> str:
        return self.code

    @property
    def barcode_text(self) -> str:
        return self.code

    @property
    def is_gs1(self) -> bool:
        return False


def build_lot_label(
    base_url: str,
    *,
    item_name: str,
    sku: str,
    lot_code: str,
    quantity: str,
    unit: str,
    expiry: date | None = None,
    received_on: date | None = None,
    supplier_lot: str | None = None,
    gtin: str | None = None,
    mark: str | None = None,
    produced: bool = False,
) -> LotLabel:
    """A lot label: a lot URL and the lot code in Code 128, or GS1 codes when the item has a GTIN.

    The codes are checked here, so a lot that cannot be labelled is refused with a field
    error before anything is printed.
    """
    if gtin:
        element = gs1_element_string(gtin, lot_code, expiry)
        barcode_data, barcode_text = element.data, element.text
    else:
        barcode_data = barcode_text = lot_code
    code128_modules(barcode_data, gs1=bool(gtin))
    if mark is not None and mark not in MARK_CAPTIONS:
        raise LabelDataError(t("mark must be one of {known}, not {mark}",
                               known=", ".join(MARK_CAPTIONS), mark=repr(mark)),
                             field="mark")
    return LotLabel(
        item_name=item_name,
        sku=sku,
        lot_code=lot_code,
        quantity=quantity,
        unit=unit,
        expiry=expiry,
        received_on=received_on,
        supplier_lot=supplier_lot,
        qr_payload=qr_payload(base_url, lot_code, gtin, expiry),
        barcode_data=barcode_data,
        barcode_text=barcode_text,
        is_gs1=bool(gtin),
        mark=mark,
        produced=produced,
    )


def build_location_label(base_url: str, *, code: str, name: str) -> LocationLabel:
    """A location label whose QR opens `<base>/locations/<code>` and whose bars are the code."""
    code128_modules(code, field="code")
    return LocationLabel(code=code, name=name, qr_payload=location_url(base_url, code))


LOT_CAPTIONS = {
    "sku": N_("SKU"),
    "lot": N_("Lot"),
    "quantity": N_("Qty"),
    "expiry": N_("Exp"),
    "received_on": N_("Rcvd"),
    "supplier_lot": N_("Supplier lot"),
}
MADE_CAPTION = N_("Made")

MARK_CAPTIONS = {
    "quarantine": N_("QUARANTINE"),
    "rejected": N_("REJECTED"),
    "expired": N_("EXPIRED"),
}
"""The large word across a label whose lot must not be used."""


def lot_mark(status: str, expiry: date | None, today: date) -> str | None:
    """What a lot's label must warn of: its status when not available, else expired when
    its expiry has passed (a rejected lot says rejected even once expired)."""
    if status in (QUARANTINE, REJECTED):
        return status
    if is_expired(expiry, today):
        return EXPIRED
    return None


def mark_text(label: LotLabel, gettext: Gettext) -> str | None:
    """The printed mark in the reader's language, or None."""
    return gettext(MARK_CAPTIONS[label.mark]) if label.mark else None


def lot_text_lines(label: LotLabel, size: LabelSize, gettext: Gettext) -> list[str]:
    """The detail lines of a lot label for PNG and ZPL, e.g. "Exp 2026-12-31".

    Facts the lot does not have (no expiry) are left out rather than printed blank.
    """
    facts = label.facts
    lines = [
        f"{gettext(label.caption(field))} {facts[field]}"
        for field in size.lot_fields
        if facts[field]
    ]
    # A marked label gives its title box to the mark; the name leads the details instead.
    return [label.item_name, *lines] if label.mark else lines


def whole_module(modules: int, available: int, largest: int, size: LabelSize) -> int:
    """The widest whole-dot module that fits `modules` across `available` dots.

    Printers draw bars in whole dots: a bar of 1.5 dots would print as 1 or 2 and the
    scanner would misread its width. Too long a code for the label is a clear error, so
    the user can pick a bigger label instead of getting bars that do not scan.
    """
    width = min(available // modules, max(largest, 1))
    if width < 1:
        raise LabelDataError(
            t("the code is too long to scan on a {size} label; choose a bigger size",
              size=size.key),
            field="size",
        )
    return width
