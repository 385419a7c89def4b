"""Labels as PNG images, for label printers driven by an image (and for previews).

Codes are drawn with whole-pixel modules at the requested resolution, so print the PNG at
that resolution (100% scale) and the bars keep their widths.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import barcode
from PIL import Image, ImageDraw, ImageFont

from shopfloor.domain.messages import t

from .codes import CODE128_QUIET_MODULES, barcode_image, code128_modules, qr_image, qr_matrix
from .layouts import (
    LINE_SPACING,
    MAX_MODULE_MM,
    Box,
    Gettext,
    LabelSize,
    LocationLabel,
    LotLabel,
    label_size,
    lot_text_lines,
    mark_text,
    no_translation,
    whole_module,
)
from .payloads import LabelDataError

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# DejaVu has the Romanian letters (ș, ț, ă) that Pillow's built-in font lacks. The system's
# proportional DejaVu Sans fits more text; python-barcode ships DejaVu Sans Mono, so some
# DejaVu is always there.
_FONT_FILES = {
    False: ("DejaVuSans.ttf", str(Path(barcode.__file__).parent / "fonts/DejaVuSansMono.ttf")),
    True: (
        "DejaVuSans-Bold.ttf",
        "DejaVuSans.ttf",
        str(Path(barcode.__file__).parent / "fonts/DejaVuSansMono.ttf"),
    ),
}
ELLIPSIS = "…"


@lru_cache(maxsize=64)
def _font(px: int, bold: bool = False) -> Font:
    for name in _FONT_FILES[bold]:
        try:
            return ImageFont.truetype(name, px)
        except OSError:
            continue
    return ImageFont.load_default(size=px)


class _Canvas:
    """A label being drawn at `dpi`, addressed in millimetres like the layouts."""

    def __init__(self, size: LabelSize, dpi: int):
        self.size = size
        self.dpi = dpi
        self.image = Image.new("L", (self.px(size.width_mm), self.px(size.height_mm)), 255)
        self.draw = ImageDraw.Draw(self.image)

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def fit(self, text: str, font: Font, width: int) -> str:
        """`text`, cut with an ellipsis if it is wider than `width` pixels."""
        if self.draw.textlength(text, font=font) <= width:
            return text
        while text and self.draw.textlength(text + ELLIPSIS, font=font) > width:
            text = text[:-1]
        return text + ELLIPSIS

    def wrap(self, text: str, font: Font, width: int, max_lines: int) -> list[str]:
        """Words of `text` in at most `max_lines` lines; the last line ends in … if cut."""
        lines: list[str] = []
        words = text.split()
        while words and len(lines) < max_lines:
            line = words.pop(0)
            while words and self.draw.textlength(f"{line} {words[0]}", font=font) <= width:
                line = f"{line} {words.pop(0)}"
            lines.append(line)
        if words:
            lines[-1] = f"{lines[-1]} {' '.join(words)}"
        return [self.fit(line, font, width) for line in lines]

    def lines(self, box: Box, lines: list[str], font_mm: float, bold: bool = False) -> None:
        """Lines of text from the top of `box`, as many as fit in its height."""
        font = _font(self.px(font_mm), bold)
        step = self.px(font_mm * LINE_SPACING)
        x, y = self.px(box.x), self.px(box.y)
        for line in lines[: max(1, self.px(box.h) // step)]:
            self.draw.text((x, y), self.fit(line, font, self.px(box.w)), font=font, fill=0)
            y += step

    def title(self, text: str) -> None:
        box, font_mm = self.size.title, self.size.title_font_mm
        font = _font(self.px(font_mm), bold=True)
        lines = self.wrap(text, font, self.px(box.w), self.size.title_lines)
        self.lines(box, lines, font_mm, bold=True)

    def mark(self, text: str) -> None:
        """The mark in white on a black band across the title box: seen from across a room."""
        box = self.size.title
        top, height = self.px(box.y), self.px(box.h)
        self.draw.rectangle((0, top, self.image.width - 1, top + height - 1), fill=0)
        font_px, width = round(height * 0.8), self.px(box.w)
        while font_px > 6 and self.draw.textlength(text, font=_font(font_px, True)) > width:
            font_px -= 1
        self.draw.text((self.image.width // 2, top + height // 2), text,
                       font=_font(font_px, True), fill=255, anchor="mm")

    def qr(self, box: Box, payload: str) -> None:
        """The QR code, as big as whole-pixel modules allow, centred in its box."""
        side = min(self.px(box.w), self.px(box.h))
        module = side // len(qr_matrix(payload))
        if module < 1:
            raise LabelDataError(
                t("the QR code does not fit a {size} label at {dpi} dpi",
                  size=self.size.key, dpi=self.dpi),
                field="size"
            )
        symbol = qr_image(payload, module)
        self._paste_centred(symbol, box, self.px(box.h))

    def barcode(self, box: Box, data: str, gs1: bool, text: str, font_mm: float) -> None:
        """Bars (quiet zones included) centred in the box, the human-readable line under them.

        The text shrinks until it is no wider than the bars (a GS1 line is long), which keeps
        it off the label's edges when the quiet zones reach them.
        """
        modules = len(code128_modules(data, gs1))
        module = whole_module(modules, self.px(box.w), self.px(MAX_MODULE_MM), self.size)
        width = max((modules - 2 * CODE128_QUIET_MODULES) * module, self.px(box.w) // 2)
        font_px = self.px(font_mm)
        while font_px > 6 and self.draw.textlength(text, font=_font(font_px)) > width:
            font_px -= 1
        text_h = round(font_px * LINE_SPACING)
        bars = barcode_image(data, gs1, module, self.px(box.h) - text_h)
        self._paste_centred(bars, box, bars.height)
        centre = self.px(box.x + box.w / 2)
        self.draw.text(
            (centre, self.px(box.y) + bars.height),
            self.fit(text, _font(font_px), width),
            font=_font(font_px),
            fill=0,
            anchor="ma",
        )

    def _paste_centred(self, symbol: Image.Image, box: Box, height: int) -> None:
        x = self.px(box.x) + (self.px(box.w) - symbol.width) // 2
        y = self.px(box.y) + (height - symbol.height) // 2
        self.image.paste(symbol, (x, y))

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="PNG", dpi=(self.dpi, self.dpi))
        return out.getvalue()


def render_lot_label_png(
    label: LotLabel, size: str, dpi: int = 300, *, gettext: Gettext = no_translation
) -> bytes:
    """One lot label as a PNG of the label's size at `dpi` (for "a4", one 70x37 mm cell;
    print sheets from the HTML page). Pass Flask-Babel's `gettext` for translated captions.
    """
    layout = label_size(size)
    canvas = _Canvas(layout, dpi)
    mark = mark_text(label, gettext)
    if mark:
        canvas.mark(mark)
    else:
        canvas.title(label.item_name)
    canvas.lines(layout.text, lot_text_lines(label, layout, gettext), layout.font_mm)
    canvas.qr(layout.qr, label.qr_payload)
    canvas.barcode(
        layout.barcode, label.barcode_data, label.is_gs1, label.barcode_text, layout.hri_font_mm
    )
    return canvas.png()


def render_location_label_png(label: LocationLabel, size: str, dpi: int = 300) -> bytes:
    """A location label as a PNG: name, the code large, its QR and its Code 128."""
    layout = label_size(size)
    canvas = _Canvas(layout, dpi)
    canvas.title(label.name)
    canvas.lines(layout.text, [label.code], layout.title_font_mm * 1.5, bold=True)
    canvas.qr(layout.qr, label.qr_payload)
    canvas.barcode(
        layout.barcode, label.barcode_data, label.is_gs1, label.barcode_text, layout.hri_font_mm
    )
    return canvas.png()
