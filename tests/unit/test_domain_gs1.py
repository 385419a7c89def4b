"""Reading supplier GS1 barcodes: element strings, raw scanner data, Digital Link, GTINs."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.gs1 import ScannedGs1, normalize_gtin, parse_gs1

GS = "\x1d"
GTIN = "09506000134352"
EXPECTED = ScannedGs1(gtin=GTIN, lot="ABC123", expiry=date(2026, 12, 31))


@pytest.mark.parametrize(
    "text",
    [
        "(01)09506000134352(10)ABC123(17)261231",
        "(01) 09506000134352 (10) ABC123 (17) 261231",
        "01095060001343521726123110ABC123",  # variable-length lot last: no separator needed
        f"010950600013435210ABC123{GS}17261231",
        f"]C1010950600013435210ABC123{GS}17261231",
        "]d201095060001343521726123110ABC123",
        "]Q301095060001343521726123110ABC123",
        "https://example.com/01/09506000134352/10/ABC123?17=261231",
        "https://id.gs1.org/01/9506000134352/10/ABC123?17=261231",
        "]Q1https://example.com/01/09506000134352/10/ABC123?17=261231",
    ],
)
def test_gtin_lot_and_expiry_are_read_from_every_gs1_spelling(text):
    assert parse_gs1(text) == EXPECTED


@pytest.mark.parametrize(
    "text",
    [
        "WAX-261101-001",
        "https://host/l/WAX-1",
        "https://example.com/",
        "MO-000123",
        "SHELF-A",
        "1001",
        "10ABC",
        "12345678",
        "",
        "   ",
        "]",
        "]X",
        "(",
        "(hello)",
    ],
)
def test_text_that_is_not_gs1_gives_none(text):
    assert parse_gs1(text) is None


def test_numeric_code_with_a_wrong_gtin_check_digit_is_not_taken_for_a_gtin():
    # A numeric lot code or SKU must still be found by the scan resolver.
    assert parse_gs1("010950600013435310ABC") is None
    assert parse_gs1("9506000134353") is None


@pytest.mark.parametrize(
    "text, gtin",
    [
        ("5901234123457", "05901234123457"),  # EAN-13
        ("]E05901234123457", "05901234123457"),
        ("09506000134352", "09506000134352"),  # GTIN-14
        ("96385074", "00000096385074"),  # EAN-8
        ("036000291452", "00036000291452"),  # UPC-A
    ],
)
def test_plain_gtin_is_padded_to_fourteen_digits(text, gtin):
    assert parse_gs1(text) == ScannedGs1(gtin=gtin)


def test_day_zero_expiry_means_the_last_day_of_the_month():
    assert parse_gs1("(01)09506000134352(17)260200").expiry == date(2026, 2, 28)
    assert parse_gs1("(01)09506000134352(17)280200").expiry == date(2028, 2, 29)


def test_best_before_is_kept_apart_from_expiry():
    scanned = parse_gs1("(01)09506000134352(15)270131")
    assert scanned.best_before == date(2027, 1, 31)
    assert scanned.expiry is None
    assert scanned.shelf_date == date(2027, 1, 31)


@pytest.mark.parametrize(
    "text, quantity, unit",
    [
        ("(01)09506000134352(3103)001250", Decimal("1.25"), "kg"),
        (f"0109506000134352{GS}3102025000", Decimal("250"), "kg"),
        ("(01)09506000134352(3151)000250", Decimal("25"), "l"),
        ("(01)09506000134352(3202)000150", Decimal("1.5"), "lb"),
        ("(01)09506000134352(30)12", Decimal(12), "pcs"),
        ("https://example.com/01/09506000134352?3103=002500", Decimal("2.5"), "kg"),
    ],
)
def test_quantity_comes_with_its_unit(text, quantity, unit):
    scanned = parse_gs1(text)
    assert (scanned.quantity, scanned.unit) == (quantity, unit)


def test_net_weight_is_preferred_to_a_count_of_pieces():
    scanned = parse_gs1("(01)09506000134352(30)4(3103)002000")
    assert (scanned.quantity, scanned.unit) == (Decimal(2), "kg")


def test_serial_number_is_read():
    assert parse_gs1("]C1(01)09506000134352(21)SN-0042").serial == "SN-0042"


def test_lot_with_a_slash_survives_digital_link_percent_encoding():
    assert parse_gs1("https://example.com/01/09506000134352/10/L%2F7").lot == "L/7"


def test_gs1_without_anything_a_receipt_uses_gives_none():
    assert parse_gs1("(00)106141411234567897") is None  # a pallet SSCC


@pytest.mark.parametrize(
    "text, reason",
    [
        ("(01)09506000134353(10)ABC", "check digit"),
        ("]C10109506000134353", "check digit"),
        ("https://example.com/01/09506000134353/10/ABC", "check digit"),
        ("(01)09506000134352(17)261399", "17"),
        (f"]C1ZZZ{GS}", "GS1"),
        (f"0109506000134352{GS}17261399", "17"),
    ],
)
def test_malformed_gs1_is_refused_saying_why(text, reason):
    with pytest.raises(ValidationError) as error:
        parse_gs1(text)
    assert error.value.field == "code"
    assert reason in error.value.message


@pytest.mark.parametrize("typed", ["9506000134352", " 09506000134352 ", "09506000134352"])
def test_item_gtin_is_stored_as_fourteen_digits(typed):
    assert normalize_gtin(typed) == GTIN


@pytest.mark.parametrize("typed", ["9506000134353", "12345", "ABCDEFGHIJKLM", None])
def test_invalid_item_gtin_is_refused(typed):
    with pytest.raises(ValidationError) as error:
        normalize_gtin(typed)
    assert error.value.field == "gtin"


@settings(max_examples=300)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789()]Cdq3Q1EA" + GS, max_size=40),
        st.from_regex(
            r"https?://[a-z]{1,5}/(01|10|17|l)/[0-9A-Z%]{0,16}(\?17=[0-9]{0,7})?", fullmatch=True
        ),
    )
)
def test_any_scan_gives_a_result_none_or_a_clear_refusal(text):
    try:
        result = parse_gs1(text)
    except ValidationError as error:
        assert error.field == "code"
        assert error.message
    else:
        assert result is None or isinstance(result, ScannedGs1)
        if result is not None and result.gtin is not None:
            assert len(result.gtin) == 14 and result.gtin.isdigit()


@given(
    lot=st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20),
    expiry=st.dates(min_value=date(2026, 1, 1), max_value=date(2040, 12, 31)),
)
def test_what_our_own_gs1_labels_print_reads_back(lot, expiry):
    yymmdd = expiry.strftime("%y%m%d")
    expected = ScannedGs1(gtin=GTIN, lot=lot, expiry=expiry)
    assert parse_gs1(f"https://shop.example/01/{GTIN}/10/{lot}?17={yymmdd}") == expected
    assert parse_gs1(f"(01){GTIN}(10){lot}(17){yymmdd}") == expected
    assert parse_gs1(f"]C101{GTIN}17{yymmdd}10{lot}") == expected
