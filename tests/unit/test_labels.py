"""Lot and location labels: what the codes carry, and that every output scans back to it.

Every label is decoded with zxing-cpp, the same family of decoder a phone or a scanner uses,
so these tests fail when a quiet zone, a bar width or an escape is wrong, not only when a
string differs.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest
import zplkit
import zxingcpp
from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image, ImageDraw

from shopfloor.labels.codes import (
    CODE128_QUIET_MODULES,
    QR_QUIET_MODULES,
    barcode_svg,
    code128_modules,
    qr_matrix,
    qr_svg,
)
from shopfloor.labels.layouts import (
    LABEL_SIZES,
    LocationLabel,
    LotLabel,
    build_location_label,
    build_lot_label,
)
from shopfloor.labels.pages import location_label_context, lot_label_context
from shopfloor.labels.payloads import (
    LabelDataError,
    digital_link,
    gs1_check_digit,
    gs1_element_string,
    gtin14,
    location_url,
    lot_url,
    qr_payload,
)
from shopfloor.labels.png import render_location_label_png, render_lot_label_png
from shopfloor.labels.zpl import location_label_zpl, lot_label_zpl

BASE = "https://shop.example.com"
GTIN13 = "9506000134352"  # GS1's own example GTIN
GTIN14 = "09506000134352"
EXPIRY = date(2026, 12, 31)
LOT = "WAX-250101-003"
ALL_SIZES = list(LABEL_SIZES)
ROLL_SIZES = [key for key, size in LABEL_SIZES.items() if size.sheet is None]
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

QR = zxingcpp.BarcodeFormat.QRCode
CODE128 = zxingcpp.BarcodeFormat.Code128


def make_lot_label(**overrides) -> LotLabel:
    fields = {
        "item_name": "Soy wax for candles, container blend 464",
        "sku": "WAX-SOY-464",
        "lot_code": LOT,
        "quantity": "25.000",
        "unit": "kg",
        "expiry": EXPIRY,
        "received_on": date(2025, 1, 1),
        "supplier_lot": "NW-88231",
        "gtin": None,
    }
    fields.update(overrides)
    return build_lot_label(BASE, **fields)


def make_location_label(**overrides) -> LocationLabel:
    fields = {"code": "A-01-03", "name": "Raw materials, rack A"}
    fields.update(overrides)
    return build_location_label(BASE, **fields)


def decode(image: Image.Image) -> dict[zxingcpp.BarcodeFormat, zxingcpp.Barcode]:
    """Every symbol found in the image, by format; a format found twice fails the test."""
    found = zxingcpp.read_barcodes(image)
    by_format = {symbol.format: symbol for symbol in found}
    assert len(by_format) == len(found), [symbol.text for symbol in found]
    return by_format


def decode_png(png: bytes) -> dict[zxingcpp.BarcodeFormat, zxingcpp.Barcode]:
    assert png.startswith(b"\x89PNG")
    return decode(Image.open(io.BytesIO(png)))


# Our SVGs are one background rect and one path made only of unit-high rectangles.
SVG_RECT = re.compile(r"M(\d+),(\d+)h(\d+)v1h-\3z")


def rasterise_svg(svg: str, module_px: int, row_px: int) -> Image.Image:
    """Draw one of our SVG symbols as a bitmap, reading the viewBox and path as a renderer does.

    No SVG renderer is installed (cairosvg needs system libraries); the SVGs use only
    rectangles on a module grid, so this reads all of their geometry, which it checks.
    """
    width, height = map(int, re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    path = re.search(r' d="([^"]*)"', svg).group(1)
    assert SVG_RECT.sub("", path) == "", "the path holds only module rectangles"
    image = Image.new("L", (width * module_px, height * row_px), 255)
    draw = ImageDraw.Draw(image)
    for x, y, n in SVG_RECT.findall(path):
        left, top = int(x) * module_px, int(y) * row_px
        draw.rectangle((left, top, left + int(n) * module_px - 1, top + row_px - 1), fill=0)
    return image


def render_template(name: str, gettext=lambda message: message, **context) -> str:
    """Render a label template as Flask would: autoescaped, with `_` for gettext."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals["_"] = gettext
    return env.get_template(name).render(**context)


# --- payloads ----------------------------------------------------------------------------


def test_lot_url_is_base_then_l_then_lot_code():
    assert lot_url(BASE, LOT) == f"{BASE}/l/{LOT}"


def test_lot_url_ignores_trailing_slash_of_base():
    assert lot_url(BASE + "/", LOT) == f"{BASE}/l/{LOT}"


def test_lot_url_quotes_slash_and_space_in_lot_code():
    assert lot_url(BASE, "WAX/01 A") == f"{BASE}/l/WAX%2F01%20A"


@pytest.mark.parametrize("code", ["WAX/01 A", "A#1?x=2&y", "50%", "Ceară-7", "a+b"])
def test_lot_url_path_decodes_back_to_the_lot_code(code):
    url = lot_url(BASE, code)
    last = url.removeprefix(f"{BASE}/l/")
    assert "/" not in last and "?" not in last and "#" not in last
    assert unquote(last) == code


def test_location_url_is_base_then_locations_then_code():
    assert location_url(BASE, "A-01/3") == f"{BASE}/locations/A-01%2F3"


def test_digital_link_pads_gtin_to_14_digits_and_carries_expiry_as_yymmdd():
    assert digital_link(BASE, GTIN13, LOT, EXPIRY) == f"{BASE}/01/{GTIN14}/10/{LOT}?17=261231"


def test_digital_link_without_expiry_has_no_query():
    assert digital_link(BASE, GTIN13, LOT, None) == f"{BASE}/01/{GTIN14}/10/{LOT}"


def test_digital_link_quotes_a_slash_in_the_lot():
    assert digital_link(BASE, GTIN13, "WAX/01", None) == f"{BASE}/01/{GTIN14}/10/WAX%2F01"


@pytest.mark.parametrize(
    ("gtin", "expected"),
    [
        ("96385074", "00000096385074"),  # GTIN-8
        ("036000291452", "00036000291452"),  # GTIN-12 (UPC-A)
        ("9506000134352", "09506000134352"),  # GTIN-13
        ("10614141000415", "10614141000415"),  # GTIN-14
    ],
)
def test_gtin_of_any_length_becomes_14_digits(gtin, expected):
    assert gtin14(gtin) == expected


def test_gs1_check_digit_matches_the_published_example():
    assert gs1_check_digit("950600013435") == 2


def test_gtin_with_wrong_check_digit_is_refused_naming_gtin():
    with pytest.raises(ValueError, match="gtin") as raised:
        digital_link(BASE, "9506000134353", LOT, None)
    assert raised.value.field == "gtin"


@pytest.mark.parametrize("gtin", ["", "12345", "95060001343a2", "950600013435200", "９５０６"])
def test_gtin_that_is_not_8_12_13_or_14_digits_is_refused(gtin):
    with pytest.raises(ValueError, match="gtin"):
        gtin14(gtin)


@pytest.mark.parametrize("lot_code", ["WAX 01", "Ceară-7", "A" * 21, "", "A#1"])
def test_lot_code_gs1_cannot_carry_is_refused_naming_lot_code(lot_code):
    with pytest.raises(LabelDataError, match="lot_code") as raised:
        digital_link(BASE, GTIN13, lot_code, None)
    assert raised.value.field == "lot_code"


def test_gs1_element_string_puts_fixed_length_fields_before_the_lot():
    element = gs1_element_string(GTIN13, LOT, EXPIRY)
    assert element.text == f"(01){GTIN14}(17)261231(10){LOT}"
    assert element.data == f"01{GTIN14}17261231" + f"10{LOT}"


def test_gs1_element_string_needs_no_fnc1_separator_inside():
    assert "\xf1" not in gs1_element_string(GTIN13, LOT, EXPIRY).data


def test_gs1_element_string_without_expiry_has_gtin_and_lot():
    assert gs1_element_string(GTIN13, LOT, None).text == f"(01){GTIN14}(10){LOT}"


def test_qr_payload_is_the_lot_url_when_the_item_has_no_gtin():
    assert qr_payload(BASE, LOT, None, EXPIRY) == f"{BASE}/l/{LOT}"


def test_qr_payload_is_a_digital_link_when_the_item_has_a_gtin():
    assert qr_payload(BASE, LOT, GTIN13, EXPIRY) == f"{BASE}/01/{GTIN14}/10/{LOT}?17=261231"


# --- building labels ---------------------------------------------------------------------


def test_lot_label_without_gtin_has_lot_code_in_code128():
    label = make_lot_label()
    assert (label.barcode_data, label.barcode_text, label.is_gs1) == (LOT, LOT, False)
    assert label.qr_payload == f"{BASE}/l/{LOT}"


def test_lot_label_with_gtin_is_gs1():
    label = make_lot_label(gtin=GTIN13)
    assert label.is_gs1
    assert label.barcode_text == f"(01){GTIN14}(17)261231(10){LOT}"
    assert label.qr_payload == f"{BASE}/01/{GTIN14}/10/{LOT}?17=261231"


def test_lot_code_a_scanner_cannot_type_back_is_refused_naming_lot_code():
    with pytest.raises(LabelDataError, match="lot_code") as raised:
        make_lot_label(lot_code="CEARĂ-1")
    assert raised.value.field == "lot_code"


def test_lot_label_leaves_out_facts_the_lot_does_not_have():
    label = make_lot_label(expiry=None, supplier_lot=None)
    assert label.facts["expiry"] is None and label.facts["supplier_lot"] is None
    assert label.facts["quantity"] == "25.000 kg"


# --- codes -------------------------------------------------------------------------------


def test_qr_has_a_four_module_quiet_zone():
    matrix = qr_matrix(f"{BASE}/l/{LOT}")
    border = QR_QUIET_MODULES
    assert not any(any(row) for row in matrix[:border] + matrix[-border:])
    assert not any(any(row[:border] + row[-border:]) for row in matrix)
    assert matrix[border][border]  # the finder pattern starts right after it


def test_code128_has_ten_module_quiet_zones():
    modules = code128_modules(LOT)
    quiet = "0" * CODE128_QUIET_MODULES
    assert modules.startswith(quiet + "1") and modules.endswith("1" + quiet)


def test_svg_codes_embed_in_html_and_scale_by_viewbox():
    for svg in (qr_svg(f"{BASE}/l/{LOT}"), barcode_svg(LOT)):
        assert svg.startswith("<svg ") and svg.endswith("</svg>")
        assert "<?xml" not in svg and "DOCTYPE" not in svg
        assert 'viewBox="0 0 ' in svg and 'shape-rendering="crispEdges"' in svg


def test_qr_svg_decodes_to_its_payload():
    payload = digital_link(BASE, GTIN13, LOT, EXPIRY)
    found = decode(rasterise_svg(qr_svg(payload, 20), module_px=6, row_px=6))
    assert found[QR].text == payload


def test_barcode_svg_decodes_to_the_lot_code():
    found = decode(rasterise_svg(barcode_svg("WAX/01 A", width_mm=50), module_px=3, row_px=90))
    assert found[CODE128].text == "WAX/01 A"


def test_gs1_barcode_svg_decodes_to_the_element_string():
    element = gs1_element_string(GTIN13, LOT, EXPIRY)
    found = decode(rasterise_svg(barcode_svg(element.data, gs1=True), module_px=3, row_px=90))
    assert found[CODE128].content_type == zxingcpp.ContentType.GS1
    assert found[CODE128].text == element.text


def test_svg_takes_the_size_it_is_given_in_mm():
    svg = barcode_svg(LOT, width_mm=40, height_mm=8)
    assert 'width="40.000mm"' in svg and 'height="8.000mm"' in svg


# --- PNG ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ALL_SIZES)
def test_lot_label_png_qr_decodes_to_lot_url_and_barcode_to_lot_code(size):
    found = decode_png(render_lot_label_png(make_lot_label(), size))
    assert found[QR].text == f"{BASE}/l/{LOT}"
    assert found[CODE128].text == LOT
    assert found[CODE128].content_type == zxingcpp.ContentType.Text


@pytest.mark.parametrize("size", ALL_SIZES)
def test_gs1_label_png_qr_decodes_to_digital_link(size):
    found = decode_png(render_lot_label_png(make_lot_label(gtin=GTIN13), size))
    assert found[QR].text == f"{BASE}/01/{GTIN14}/10/{LOT}?17=261231"


@pytest.mark.parametrize("size", ALL_SIZES)
def test_gs1_label_barcode_decodes_to_element_string(size):
    found = decode_png(render_lot_label_png(make_lot_label(gtin=GTIN13), size))
    assert found[CODE128].content_type == zxingcpp.ContentType.GS1
    assert found[CODE128].text == f"(01){GTIN14}(17)261231(10){LOT}"


@pytest.mark.parametrize("size", ALL_SIZES)
def test_lot_code_with_odd_characters_scans_back_unchanged(size):
    found = decode_png(render_lot_label_png(make_lot_label(lot_code="WAX/01 A"), size))
    assert found[QR].text == f"{BASE}/l/WAX%2F01%20A"
    assert found[CODE128].text == "WAX/01 A"


@pytest.mark.parametrize("size", ALL_SIZES)
def test_location_label_png_decodes_to_location_url_and_code(size):
    found = decode_png(render_location_label_png(make_location_label(), size))
    assert found[QR].text == f"{BASE}/locations/A-01-03"
    assert found[CODE128].text == "A-01-03"


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_lot_label_png_decodes_at_common_printer_resolutions(dpi):
    found = decode_png(render_lot_label_png(make_lot_label(gtin=GTIN13), "2x1", dpi=dpi))
    assert found[QR].text.startswith(f"{BASE}/01/{GTIN14}")
    assert found[CODE128].text == f"(01){GTIN14}(17)261231(10){LOT}"


def test_lot_label_png_is_the_label_size_at_its_dpi():
    image = Image.open(io.BytesIO(render_lot_label_png(make_lot_label(), "62mm", dpi=300)))
    assert image.size == (732, 472)  # 62 x 40 mm
    assert round(image.info["dpi"][0]) == 300


def test_lot_label_png_draws_romanian_item_names():
    png = render_lot_label_png(make_lot_label(item_name="Ceară de soia, țesătură, șnur"), "62mm")
    assert decode_png(png)[CODE128].text == LOT


def test_code_too_long_to_scan_on_the_label_is_refused_naming_size():
    label = make_lot_label(gtin=GTIN13, lot_code="ABCDEFGHIJKLMNOPQRST")
    with pytest.raises(LabelDataError, match="2x1") as raised:
        render_lot_label_png(label, "2x1", dpi=203)
    assert raised.value.field == "size"


def test_unknown_size_is_refused_naming_size():
    with pytest.raises(ValueError, match="size") as raised:
        render_lot_label_png(make_lot_label(), "3x5")
    assert raised.value.field == "size"


# --- ZPL ---------------------------------------------------------------------------------


def field_data(zpl: str) -> list[str]:
    return re.findall(r"\^FD(.*?)\^FS", zpl)


def test_zpl_is_one_label_format_sized_from_the_label():
    zpl = lot_label_zpl(make_lot_label(), "62mm", dpmm=8)
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert "^PW496" in zpl and "^LL320" in zpl  # 62 x 40 mm at 8 dots/mm
    assert "^CI28" in zpl  # UTF-8 text


def test_zpl_prints_copies_with_pq():
    assert "^PQ3\n^XZ" in lot_label_zpl(make_lot_label(), "4x6", copies=3)


def test_zpl_carries_the_qr_payload_with_error_correction_m():
    label = make_lot_label(gtin=GTIN13)
    zpl = lot_label_zpl(label, "62mm")
    assert re.search(r"\^BQN,2,\d+\^FH\^FDMA," + re.escape(label.qr_payload) + r"\^FS", zpl)


def test_zpl_starts_gs1_128_with_fnc1_in_subset_c():
    zpl = lot_label_zpl(make_lot_label(gtin=GTIN13), "4x6")
    code128_field = re.search(r"\^BCN,\d+,N,N,N,A\^FH\^FD(.*?)\^FS", zpl).group(1)
    assert code128_field == f">;>801{GTIN14}17261231" + f"10{LOT}"


def test_zpl_escapes_carets_tildes_and_underscores_in_field_data():
    zpl = lot_label_zpl(make_lot_label(lot_code="A^B~C_D", item_name="Wax ^XZ ~JA"), "62mm")
    assert "A_5EB_7EC_5FD" in zpl
    assert "Wax _5EXZ _7EJA" in zpl
    for data in field_data(zpl):
        assert "^" not in data and "~" not in data


def test_zpl_sends_a_literal_gt_in_code128_as_gt_0():
    zpl = lot_label_zpl(make_lot_label(lot_code="A>B"), "62mm")
    assert "^FH^FDA>0B^FS" in zpl


def test_zpl_doubles_backslashes_in_text_blocks():
    zpl = lot_label_zpl(make_lot_label(item_name="Oil 1\\2"), "62mm")
    assert "^FDOil 1\\\\2^FS" in zpl


def test_zpl_refuses_the_a4_sheet():
    with pytest.raises(ValueError, match="a4") as raised:
        lot_label_zpl(make_lot_label(), "a4")
    assert raised.value.field == "size"


@pytest.mark.parametrize("copies", [0, -1])
def test_zpl_refuses_fewer_than_one_copy(copies):
    with pytest.raises(ValueError, match="copies"):
        lot_label_zpl(make_lot_label(), "62mm", copies=copies)


def test_location_zpl_carries_location_url_and_code():
    zpl = location_label_zpl(make_location_label(), "2x1", copies=2)
    assert f"^FDMA,{BASE}/locations/A-01-03^FS" in zpl
    assert "^FH^FDA-01-03^FS" in zpl and "^PQ2" in zpl


# zplkit renders ZPL offline with the behaviour captured from a Zebra ZD621. It does not
# implement ^PQ (copies), so that one command is taken out before rendering; its resident
# font covers little beyond ASCII, so these labels use ASCII text.
DPI = {8: 203, 12: 300}


def decode_zpl(zpl: str, dpmm: int) -> dict[zxingcpp.BarcodeFormat, zxingcpp.Barcode]:
    document = zplkit.render(
        re.sub(r"\^PQ\d+", "", zpl), zplkit.Options(profile="zd621", dpi=DPI[dpmm])
    )
    assert len(document.labels) == 1
    return decode_png(document.labels[0].png())


@pytest.mark.parametrize("dpmm", DPI)
@pytest.mark.parametrize("size", ROLL_SIZES)
def test_zpl_label_qr_decodes_to_lot_url_and_barcode_to_lot_code(size, dpmm):
    found = decode_zpl(lot_label_zpl(make_lot_label(), size, dpmm=dpmm), dpmm)
    assert found[QR].text == f"{BASE}/l/{LOT}"
    assert found[CODE128].text == LOT


@pytest.mark.parametrize("dpmm", DPI)
@pytest.mark.parametrize("size", ROLL_SIZES)
def test_gs1_zpl_label_decodes_to_digital_link_and_element_string(size, dpmm):
    found = decode_zpl(lot_label_zpl(make_lot_label(gtin=GTIN13), size, dpmm=dpmm), dpmm)
    assert found[QR].text == f"{BASE}/01/{GTIN14}/10/{LOT}?17=261231"
    assert found[CODE128].content_type == zxingcpp.ContentType.GS1
    assert found[CODE128].text == f"(01){GTIN14}(17)261231(10){LOT}"


def test_zpl_escapes_survive_printing():
    code = "A^B~C_D>E\\F"
    found = decode_zpl(lot_label_zpl(make_lot_label(lot_code=code), "4x6"), 8)
    assert found[CODE128].text == code
    assert found[QR].text == lot_url(BASE, code)


@pytest.mark.parametrize("size", ROLL_SIZES)
def test_location_zpl_label_decodes_to_location_url_and_code(size):
    found = decode_zpl(location_label_zpl(make_location_label(), size), 8)
    assert found[QR].text == f"{BASE}/locations/A-01-03"
    assert found[CODE128].text == "A-01-03"


# --- HTML --------------------------------------------------------------------------------


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", html, flags=re.S)


def test_lot_page_prints_one_label_per_copy_one_per_page_on_a_roll():
    html = render_template("labels/lot.html", **lot_label_context([make_lot_label()] * 3, "62mm"))
    assert html.count('<article class="label">') == 3
    assert html.count('<section class="page">') == 3
    assert "@page { size: 62mm 40mm; margin: 0; }" in html


def test_a4_page_fills_sheets_of_24_labels():
    html = render_template("labels/lot.html", **lot_label_context([make_lot_label()] * 30, "a4"))
    assert html.count('<article class="label">') == 30
    assert html.count('<section class="page">') == 2
    assert "@page { size: 210mm 297mm; margin: 0; }" in html
    assert "grid-template-columns: repeat(3, 70mm);" in html


@pytest.mark.parametrize("size", ALL_SIZES)
def test_lot_page_codes_decode_to_payload_and_lot_code(size):
    label = make_lot_label(gtin=GTIN13)
    html = render_template("labels/lot.html", **lot_label_context([label], size))
    qr, bars = svgs(html)
    assert decode(rasterise_svg(qr, 6, 6))[QR].text == label.qr_payload
    assert decode(rasterise_svg(bars, 3, 90))[CODE128].text == label.barcode_text
    assert f'<div class="hri gs1">{label.barcode_text}</div>' in html


def test_lot_page_needs_nothing_a_strict_csp_forbids():
    html = render_template("labels/lot.html", **lot_label_context([make_lot_label()], "4x6"))
    forbidden = r"<script|<link|<img|<iframe|\son\w+\s*=|\ssrc=|\shref=|url\(|@import|javascript:"
    assert not re.search(forbidden, html, flags=re.I)


def test_lot_page_escapes_what_people_typed():
    label = make_lot_label(item_name="<b>Soap & co</b>")
    html = render_template("labels/lot.html", **lot_label_context([label], "62mm"))
    assert "&lt;b&gt;Soap &amp; co&lt;/b&gt;" in html and "<b>" not in html


def test_lot_page_captions_go_through_gettext():
    html = render_template(
        "labels/lot.html",
        gettext=lambda message: f"«{message}»",
        **lot_label_context([make_lot_label()], "62mm"),
    )
    for caption in ("SKU", "Lot", "Qty", "Exp", "Rcvd", "Supplier lot"):
        assert f"<dt>«{caption}»</dt>" in html
    assert "<dd>2026-12-31</dd>" in html and "<dd>25.000 kg</dd>" in html


def test_small_label_page_shows_only_the_facts_that_fit():
    html = render_template("labels/lot.html", **lot_label_context([make_lot_label()], "2x1"))
    assert "<dt>Lot</dt>" in html and "<dt>Rcvd</dt>" not in html


def test_location_page_codes_decode_to_location_url_and_code():
    label = make_location_label()
    html = render_template("labels/location.html", **location_label_context([label] * 2, "62mm"))
    assert html.count('<article class="label">') == 2
    qr, bars = svgs(html)[:2]
    assert decode(rasterise_svg(qr, 6, 6))[QR].text == f"{BASE}/locations/A-01-03"
    assert decode(rasterise_svg(bars, 3, 90))[CODE128].text == "A-01-03"
    assert "Raw materials, rack A" in html


# --- marks: a lot that must not be used says so in large letters --------------------------


def test_lot_mark_is_the_status_when_not_available_else_expired_when_past_expiry():
    from shopfloor.labels.layouts import lot_mark

    today = date(2027, 1, 1)
    assert lot_mark("available", EXPIRY, today) == "expired"
    assert lot_mark("quarantine", None, today) == "quarantine"
    assert lot_mark("rejected", EXPIRY, today) == "rejected"
    assert lot_mark("available", date(2027, 1, 1), today) is None
    assert lot_mark("available", None, today) is None


def test_an_unknown_mark_is_refused_naming_mark():
    with pytest.raises(LabelDataError) as error:
        make_lot_label(mark="broken")
    assert error.value.field == "mark"


def dark_share(image: Image.Image, box) -> float:
    """How much of the strip across the label at the title box's height is black."""
    dpmm = image.width / box[0]
    strip = image.convert("L").crop((0, round(box[1] * dpmm), image.width,
                                     round((box[1] + box[2]) * dpmm)))
    histogram = strip.histogram()
    return sum(histogram[:128]) / sum(histogram)


@pytest.mark.parametrize("size", ALL_SIZES)
@pytest.mark.parametrize("mark", ["quarantine", "rejected", "expired"])
def test_marked_lot_label_png_has_a_black_band_and_still_scans(size, mark):
    layout = LABEL_SIZES[size]
    strip = (layout.width_mm, layout.title.y + 0.3, layout.title.h - 0.6)
    plain = Image.open(io.BytesIO(render_lot_label_png(make_lot_label(), size)))
    png = render_lot_label_png(make_lot_label(mark=mark), size)
    image = Image.open(io.BytesIO(png))
    assert dark_share(plain, strip) < 0.4
    assert dark_share(image, strip) > 0.6
    found = decode_png(png)
    assert found[QR].text == f"{BASE}/l/{LOT}" and found[CODE128].text == LOT


def test_marked_png_prints_the_mark_in_the_readers_language_and_keeps_the_name():
    captions = []
    render_lot_label_png(make_lot_label(mark="quarantine"), "4x6",
                         gettext=lambda message: captions.append(message) or message)
    assert "QUARANTINE" in captions


@pytest.mark.parametrize("size", ROLL_SIZES)
def test_marked_lot_label_zpl_reverses_the_mark_out_of_a_black_band_and_still_scans(size):
    layout = LABEL_SIZES[size]
    zpl = lot_label_zpl(make_lot_label(mark="rejected"), size, gettext=str.upper)
    assert "^FR^FH^FDREJECTED^FS" in zpl and "^GB" in zpl
    document = zplkit.render(re.sub(r"\^PQ\d+", "", zpl),
                             zplkit.Options(profile="zd621", dpi=203))
    image = Image.open(io.BytesIO(document.labels[0].png()))
    assert dark_share(image, (layout.width_mm, layout.title.y + 0.3, layout.title.h - 0.6)) > 0.6
    found = decode(image)
    assert found[QR].text == f"{BASE}/l/{LOT}" and found[CODE128].text == LOT
    assert "Soy wax" in " ".join(field_data(zpl))


@pytest.mark.parametrize("size", ALL_SIZES)
def test_marked_lot_page_shows_the_mark_and_the_name(size):
    html = render_template("labels/lot.html",
                           **lot_label_context([make_lot_label(mark="expired")], size))
    assert '<p class="mark mark-expired">EXPIRED</p>' in html
    assert "Soy wax for candles" in html
    plain = render_template("labels/lot.html", **lot_label_context([make_lot_label()], size))
    assert 'class="mark' not in plain


def test_produced_lot_label_says_made_not_received_in_every_output():
    label = make_lot_label(produced=True)
    html = render_template("labels/lot.html", **lot_label_context([label], "62mm"))
    assert "<dt>Made</dt>" in html and "<dt>Rcvd</dt>" not in html
    zpl = lot_label_zpl(label, "62mm")
    assert "Made 2025-01-01" in " ".join(field_data(zpl)) and "Rcvd" not in zpl
    captions = []
    render_lot_label_png(label, "62mm", gettext=lambda m: captions.append(m) or m)
    assert "Made" in captions and "Rcvd" not in captions
