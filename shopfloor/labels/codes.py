"""QR and Code 128 / GS1-128 symbols as inline SVG (for HTML) and Pillow images (for PNG).

The libraries do the encoding: `qrcode` gives the module matrix, python-barcode the bar
pattern. Drawing is done here, from those modules, because labels need two things their
writers do not give: an SVG with a viewBox that scales to any print size without seams
between modules, and bitmaps whose modules are a whole number of pixels so that every
bar keeps its width at the printer's resolution.

Quiet zones are part of every symbol drawn here: 4 modules around a QR code (ISO/IEC
18004) and 10 modules either side of a Code 128 symbol (ISO/IEC 15417, GS1-128 alike).
"""

from __future__ import annotations

from barcode.codex import Code128, Gs1_128
from barcode.errors import IllegalCharacterError
from PIL import Image
from qrcode import QRCode
from qrcode.constants import ERROR_CORRECT_M

from shopfloor.domain.messages import t

from .payloads import LabelDataError

QR_QUIET_MODULES = 4
CODE128_QUIET_MODULES = 10

# Printable ASCII: what a keyboard-wedge scanner can type back for a plain Code 128.
_PLAIN_CODE128 = frozenset(chr(c) for c in range(32, 127))


def qr_matrix(payload: str) -> list[list[bool]]:
    """QR modules, quiet zone included, error correction level M (15%: survives a scuff)."""
    qr = QRCode(error_correction=ERROR_CORRECT_M, border=QR_QUIET_MODULES)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.get_matrix()


def code128_modules(data: str, gs1: bool = False, field: str = "lot_code") -> str:
    """Code 128 bar pattern as "1" (bar) / "0" (space) modules, quiet zones included.

    With `gs1`, `data` is a GS1 element string (see `payloads.gs1_element_string`) and the
    symbol starts with FNC1, which makes it GS1-128. A plain symbol takes printable ASCII
    only: other characters could not be typed back by a keyboard-wedge scanner. `field`
    names the input in the error raised for data that cannot be encoded.
    """
    if not data or (not gs1 and not set(data) <= _PLAIN_CODE128):
        raise LabelDataError(
            t("{field} {data} cannot be a Code 128 barcode: printable ASCII only",
              field=field, data=repr(data)),
            field=field,
        )
    try:
        symbol = Gs1_128(data) if gs1 else Code128(data)
        bars = symbol.build()[0]
    except IllegalCharacterError as error:
        raise LabelDataError(t("{field}: {error}", field=field, error=str(error)),
                             field=field) from error
    quiet = "0" * CODE128_QUIET_MODULES
    return quiet + bars + quiet


def _runs(row: list[bool] | str) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    runs: list[tuple[int, int]] = []
    start = None
    for x, dark in enumerate([*row, False]):
        dark = dark in (True, "1")
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


def _svg(view_w: int, view_h: int, path: str, width: str, height: str, aspect: str) -> str:
    # No XML declaration or DOCTYPE: the string is embedded in an HTML page as is.
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {view_w} {view_h}" '
        f'width="{width}" height="{height}" preserveAspectRatio="{aspect}" '
        f'shape-rendering="crispEdges" aria-hidden="true">'
        f'<rect width="{view_w}" height="{view_h}" fill="#fff"/>'
        f'<path fill="#000" d="{path}"/></svg>'
    )


def _length(mm: float | None) -> str:
    return "100%" if mm is None else f"{mm:.3f}mm"


def qr_svg(payload: str, size_mm: float | None = None) -> str:
    """A QR code as inline SVG, `size_mm` square (or filling its container when None).

    Adjacent dark modules of a row are one rectangle, so no hairline seams show between them.
    """
    matrix = qr_matrix(payload)
    path = "".join(f"M{x},{y}h{n}v1h-{n}z" for y, row in enumerate(matrix) for x, n in _runs(row))
    n = len(matrix)
    return _svg(n, n, path, _length(size_mm), _length(size_mm), "xMidYMid meet")


def barcode_svg(
    data: str, gs1: bool = False, width_mm: float | None = None, height_mm: float | None = None
) -> str:
    """A Code 128 / GS1-128 symbol (bars only, quiet zones included) as inline SVG.

    The bars stretch to the given size; the human-readable line is left to the page,
    where it is real, selectable text.
    """
    modules = code128_modules(data, gs1)
    path = "".join(f"M{x},0h{n}v1h-{n}z" for x, n in _runs(modules))
    return _svg(len(modules), 1, path, _length(width_mm), _length(height_mm), "none")


def _bitmap(
    rows: list[list[bool]] | list[str], module_px: int, height_px: int | None
) -> Image.Image:
    width = len(rows[0])
    image = Image.new("L", (width, len(rows)), 255)
    image.putdata([0 if dark in (True, "1") else 255 for row in rows for dark in row])
    size = (width * module_px, height_px if height_px is not None else len(rows) * module_px)
    return image.resize(size, Image.Resampling.NEAREST)


def qr_image(payload: str, module_px: int) -> Image.Image:
    """A QR code as a grayscale image, each module `module_px` pixels square."""
    return _bitmap(qr_matrix(payload), module_px, None)


def barcode_image(data: str, gs1: bool, module_px: int, height_px: int) -> Image.Image:
    """A Code 128 / GS1-128 symbol as a grayscale image, each module `module_px` pixels wide."""
    return _bitmap([code128_modules(data, gs1)], module_px, height_px)
