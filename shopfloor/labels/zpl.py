"""Labels as ZPL II for Zebra (and ZPL-compatible) thermal printers.

Hand-written templates rather than a library: a label is a dozen commands, and writing
them here keeps the escaping rules in view. The printer draws the codes itself (^BQ, ^BC)
at its own resolution, so bars are always whole dots.

Field data is sent with ^FH, so "^" and "~" (which would start a new command) and "_" (the
^FH escape itself) travel as hex escapes. Text goes into a ^FB block, which wraps and
centres with the printer's real font metrics; there "\\" is an escape, so a backslash is
sent doubled (firmware in UTF-8 mode may still print it as a legacy glyph; the codes are
unaffected). Inside ^BC a ">" starts a Code 128 invocation, so a literal ">" is sent as ">0".
Text is UTF-8 (^CI28); letters beyond the printer font's repertoire print as boxes.
"""

from __future__ import annotations

from shopfloor.domain.messages import t

from .codes import CODE128_QUIET_MODULES, QR_QUIET_MODULES, code128_modules, qr_matrix
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

DOTS_PER_MM = (6, 8, 12, 24)
"""Zebra print heads: 152, 203, 300 and 600 dpi."""

QR_MAX_MAGNIFICATION = 10
"""The largest QR module ^BQ draws, in dots."""


def _escape(text: str) -> str:
    """Field data safe to follow ^FH^FD: no character can end the field or start a command."""
    text = " ".join(text.split())  # line breaks would not print; keep one line
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def _code128_data(data: str, gs1: bool) -> str:
    """^BC field data in automatic mode (A): the printer picks the subsets.

    GS1-128 starts in subset C with FNC1 (">;>8"), as the ZPL manual's UCC/EAN examples do;
    an FNC1 inside the data (python-barcode's "\\xf1") is ">8" too.
    """
    data = data.replace(">", ">0")
    if gs1:
        data = ">;>8" + data.replace("\xf1", ">8")
    return _escape(data)


class _Zpl:
    """One label format being written, addressed in millimetres like the layouts."""

    def __init__(self, size: LabelSize, dpmm: int, copies: int):
        if size.sheet is not None:
            raise LabelDataError(
                t("{size} is a sheet for office printers; ZPL is for label printers",
                  size=size.key),
                field="size",
            )
        if dpmm not in DOTS_PER_MM:
            raise LabelDataError(t("dpmm must be one of {choices}, not {dpmm}",
                                   choices=DOTS_PER_MM, dpmm=dpmm),
                                 field="dpmm")
        if copies < 1:
            raise LabelDataError(t("copies must be at least 1, not {copies}", copies=copies),
                                 field="copies")
        self.size = size
        self.dpmm = dpmm
        self.copies = copies
        self.commands = [
            "^XA",
            "^CI28",  # field data is UTF-8
            f"^PW{self.dots(size.width_mm)}",
            f"^LL{self.dots(size.height_mm)}",
            "^LH0,0",
        ]

    def dots(self, mm: float) -> int:
        return round(mm * self.dpmm)

    def text(
        self, box: Box, y_mm: float, text: str, font_mm: float, lines: int = 1, align: str = "L"
    ) -> None:
        """A ^FB text block `lines` high, as wide as the box, from `y_mm` down."""
        height = self.dots(font_mm)
        spacing = self.dots(font_mm * (LINE_SPACING - 1))
        data = _escape(text).replace("\\", "\\\\")  # "\\" is ^FB's escape for a backslash
        self.commands.append(
            f"^FO{self.dots(box.x)},{self.dots(y_mm)}^A0N,{height},{height}"
            f"^FB{self.dots(box.w)},{lines},{spacing},{align},0^FH^FD{data}^FS"
        )

    def lines(self, box: Box, texts: list[str], font_mm: float) -> None:
        """One text line per fact, as many as fit in the box."""
        step = font_mm * LINE_SPACING
        for index, text in enumerate(texts[: max(1, int(box.h // step))]):
            self.text(box, box.y + index * step, text, font_mm)

    def title(self, text: str) -> None:
        size = self.size
        self.text(size.title, size.title.y, text, size.title_font_mm, lines=size.title_lines)

    def mark(self, text: str) -> None:
        """The mark reversed out of a black band across the title box (^GB filled, then the
        text with ^FR), so it reads as white on black like the PNG."""
        box = self.size.title
        height = self.dots(box.h)
        self.commands.append(
            f"^FO0,{self.dots(box.y)}^GB{self.dots(self.size.width_mm)},{height},{height}^FS")
        font_mm = min(box.h * 0.8, box.w / (0.62 * max(len(text), 1)))
        top = box.y + (box.h - font_mm) / 2
        data = _escape(text).replace("\\", "\\\\")
        self.commands.append(
            f"^FO{self.dots(box.x)},{self.dots(top)}^A0N,{self.dots(font_mm)},{self.dots(font_mm)}"
            f"^FB{self.dots(box.w)},1,0,C,0^FR^FH^FD{data}^FS")

    def qr(self, box: Box, payload: str) -> None:
        """QR with error correction M, magnified to fill the box, quiet zone kept inside it."""
        modules = len(qr_matrix(payload))
        side = min(self.dots(box.w), self.dots(box.h))
        magnification = min(side // modules, QR_MAX_MAGNIFICATION)
        if magnification < 1:
            raise LabelDataError(
                t("the QR code does not fit a {size} label at {dpmm} dots/mm",
                  size=self.size.key, dpmm=self.dpmm),
                field="size",
            )
        quiet = QR_QUIET_MODULES * magnification + (side - modules * magnification) // 2
        self.commands.append(
            f"^FO{self.dots(box.x) + quiet},{self.dots(box.y) + quiet}"
            f"^BQN,2,{magnification}^FH^FDMA,{_escape(payload)}^FS"
        )

    def barcode(self, box: Box, data: str, gs1: bool, text: str, font_mm: float) -> None:
        """Code 128 / GS1-128 centred in the box with its quiet zones, and the text under it.

        The width is estimated from python-barcode's encoding; the printer's automatic mode
        switches subsets by a similar rule (four digits or more go to subset C), so the symbol
        lands where the PNG's does.
        """
        modules = len(code128_modules(data, gs1))
        module = whole_module(modules, self.dots(box.w), self.dots(MAX_MODULE_MM), self.size)
        left = self.dots(box.x) + (self.dots(box.w) - modules * module) // 2
        bar_height = self.dots(box.h - font_mm * LINE_SPACING)
        self.commands.append(
            f"^FO{left + CODE128_QUIET_MODULES * module},{self.dots(box.y)}"
            f"^BY{module},3,{bar_height}^BCN,{bar_height},N,N,N,A"
            f"^FH^FD{_code128_data(data, gs1)}^FS"
        )
        # Font 0 characters are at most about 0.6 of their height wide; a GS1 line is long.
        text_font_mm = min(font_mm, box.w / (0.62 * len(text)))
        text_top_mm = box.y + box.h - font_mm * LINE_SPACING + 0.3  # 0.3 mm under the bars
        self.text(box, text_top_mm, text, text_font_mm, align="C")

    def end(self) -> str:
        self.commands += [f"^PQ{self.copies}", "^XZ"]
        return "\n".join(self.commands) + "\n"


def lot_label_zpl(
    label: LotLabel,
    size: str,
    dpmm: int = 8,
    copies: int = 1,
    *,
    gettext: Gettext = no_translation,
) -> str:
    """A lot label as one ZPL II format printing `copies` labels (^PQ).

    `dpmm` is the printer's resolution in dots per mm (8 for 203 dpi, 12 for 300 dpi).
    Pass Flask-Babel's `gettext` for translated captions. "a4" raises: it is a sheet.
    """
    zpl = _Zpl(label_size(size), dpmm, copies)
    layout = zpl.size
    mark = mark_text(label, gettext)
    if mark:
        zpl.mark(mark)
    else:
        zpl.title(label.item_name)
    zpl.lines(layout.text, lot_text_lines(label, layout, gettext), layout.font_mm)
    zpl.qr(layout.qr, label.qr_payload)
    zpl.barcode(
        layout.barcode, label.barcode_data, label.is_gs1, label.barcode_text, layout.hri_font_mm
    )
    return zpl.end()


def location_label_zpl(label: LocationLabel, size: str, dpmm: int = 8, copies: int = 1) -> str:
    """A location label as ZPL II: name, the code large, its QR and its Code 128."""
    zpl = _Zpl(label_size(size), dpmm, copies)
    layout = zpl.size
    zpl.title(label.name)
    zpl.text(layout.text, layout.text.y, label.code, layout.title_font_mm * 1.5)
    zpl.qr(layout.qr, label.qr_payload)
    zpl.barcode(
        layout.barcode, label.barcode_data, label.is_gs1, label.barcode_text, layout.hri_font_mm
    )
    return zpl.end()
