"""The context for the printable HTML label pages, `templates/labels/lot.html` and
`templates/labels/location.html`.

The view passes it straight on:

    render_template("labels/lot.html", **lot_label_context([label] * copies, size))

The codes are inline SVG, so the page needs no image requests and prints crisply at any
size. Their sizes are decided here, not in the template: the bars get a whole number of
dots at `HTML_DPI`, so a printer at that resolution draws every module the same width
(and one at 300 dpi does whenever the module is an even number of dots). 600 beats 300
because it allows wider modules in the same space: printed from Chromium and read back
at 300 dpi, a GS1-128 on a 2x1 label scans with 600 and does not with 300. On a 203 dpi
thermal printer long GS1 codes on small labels do not scan from a browser at all: print
those labels as ZPL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from markupsafe import Markup

from .codes import barcode_svg, code128_modules, qr_svg
from .layouts import (
    LINE_SPACING,
    MAX_MODULE_MM,
    LabelSize,
    LocationLabel,
    LotLabel,
    label_size,
    whole_module,
)

HTML_DPI = 600


def _svg_makers(layout: LabelSize) -> tuple[Callable, Callable]:
    """`qr_svg(label)` and `barcode_svg(label)` for the template, each symbol drawn once
    however many copies of a label the page holds."""

    def dots(mm: float) -> int:
        return int(mm * HTML_DPI / 25.4)

    @lru_cache(maxsize=256)
    def qr(payload: str) -> Markup:
        return Markup(qr_svg(payload, min(layout.qr.w, layout.qr.h)))

    @lru_cache(maxsize=256)
    def bars(data: str, gs1: bool) -> Markup:
        modules = len(code128_modules(data, gs1))
        module = whole_module(modules, dots(layout.barcode.w), dots(MAX_MODULE_MM), layout)
        font_mm = layout.gs1_hri_font_mm if gs1 else layout.hri_font_mm
        height_mm = layout.barcode.h - font_mm * LINE_SPACING
        return Markup(barcode_svg(data, gs1, modules * module * 25.4 / HTML_DPI, height_mm))

    def qr_for(label: LotLabel | LocationLabel) -> Markup:
        return qr(label.qr_payload)

    def bars_for(label: LotLabel | LocationLabel) -> Markup:
        return bars(label.barcode_data, label.is_gs1)

    return qr_for, bars_for


def _context(labels: Sequence[LotLabel] | Sequence[LocationLabel], size: str) -> dict:
    layout = label_size(size)
    qr_for, bars_for = _svg_makers(layout)
    return {
        "labels": list(labels),
        "size": layout.key,
        "layout": layout,
        "qr_svg": qr_for,
        "barcode_svg": bars_for,
    }


def lot_label_context(labels: Sequence[LotLabel], size: str) -> dict:
    """Context for `labels/lot.html`: one printed label per item of `labels` (repeat a
    label for copies), laid out for `size` ("62mm", "4x6", "2x1", "a4")."""
    return _context(labels, size)


def location_label_context(labels: Sequence[LocationLabel], size: str) -> dict:
    """Context for `labels/location.html`, as `lot_label_context`."""
    return _context(labels, size)
