"""Exact numbers: parsing, rounding and writing quantities and money."""

from decimal import Decimal, getcontext, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.quantities import (
    CENT,
    MONEY_PLACES,
    QUANTITY_PLACES,
    format_quantity,
    is_whole_number,
    money_to_api,
    parse_money,
    parse_quantity,
    quantize_quantity,
    quantize_unit_cost,
    round_fraction,
    round_money,
    scaled_to_api,
    to_api,
)

D = Decimal

storable_quantities = st.decimals(
    min_value=D("0.000001"),
    max_value=D(10) ** 12,
    places=QUANTITY_PLACES,
    allow_nan=False,
    allow_infinity=False,
)


def test_storage_scale_is_six_places_for_quantities_and_money():
    assert (QUANTITY_PLACES, MONEY_PLACES, CENT) == (6, 6, D("0.01"))


def test_decimal_comma_is_read_as_a_decimal_point():
    assert parse_quantity("12,5") == D("12.5")


def test_surrounding_spaces_are_ignored():
    assert parse_quantity("  7.25 \t") == D("7.25")


@pytest.mark.parametrize("value, expected", [(5, D(5)), (D("0.000001"), D("0.000001"))])
def test_int_and_decimal_are_accepted_as_they_are(value, expected):
    assert parse_quantity(value) == expected


def test_decimal_from_json_exponent_comes_back_in_plain_notation():
    parsed = parse_quantity(D("5E+3"))
    assert parsed == 5000
    assert str(parsed) == "5000"


def test_float_is_refused_because_it_has_already_lost_exactness():
    with pytest.raises(ValidationError) as error:
        parse_quantity(0.1)
    assert error.value.field == "quantity"
    assert "float" in error.value.message


def test_boolean_is_not_a_quantity():
    with pytest.raises(ValidationError):
        parse_quantity(True)


@pytest.mark.parametrize(
    "text",
    [
        "NaN",
        "nan",
        "sNaN",
        "Infinity",
        "-Infinity",
        "inf",
        "abc",
        "12kg",
        "1.234,5",
        "1,2,3",
        "1_000",
        "١٢",
        "1..2",
        "--1",
    ],
)
def test_text_that_is_not_a_plain_number_is_refused_naming_the_field(text):
    with pytest.raises(ValidationError) as error:
        parse_quantity(text, field="counted_quantity")
    assert error.value.field == "counted_quantity"
    assert "counted_quantity" in error.value.message


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_quantity_is_required(value):
    with pytest.raises(ValidationError, match="required"):
        parse_quantity(value)


@pytest.mark.parametrize("value", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_non_finite_decimals_are_refused(value):
    with pytest.raises(ValidationError, match="finite"):
        parse_quantity(value)


def test_more_than_six_decimal_places_is_refused_rather_than_rounded():
    with pytest.raises(ValidationError, match="at most 6 decimal places"):
        parse_quantity("0.0000001")


def test_trailing_zeros_beyond_six_places_are_not_extra_places():
    assert parse_quantity("1.5000000000") == D("1.5")


def test_many_digits_are_checked_exactly_not_rounded_first():
    # 61 places: rounding to any ordinary precision first would hide the last digit.
    with pytest.raises(ValidationError, match="at most 6 decimal places"):
        parse_quantity(D("1." + "0" * 60 + "1"))


@pytest.mark.parametrize(
    "value",
    [
        "1000000000000.000001",
        10**13,
        "1e13",
        "1e999",
        D("1E+999999999"),
    ],
)
def test_absurdly_large_quantity_is_refused(value):
    with pytest.raises(ValidationError, match="too large"):
        parse_quantity(value)


def test_the_largest_allowed_quantity_is_ten_to_the_twelve():
    assert parse_quantity("1000000000000") == D(10) ** 12


def test_tiny_exponent_is_refused_as_too_many_places():
    with pytest.raises(ValidationError, match="decimal places"):
        parse_quantity(D("1E-999999999"))


def test_zero_is_refused_unless_allowed():
    with pytest.raises(ValidationError, match="greater than zero"):
        parse_quantity("0")
    assert parse_quantity("0", allow_zero=True) == 0


def test_negative_is_refused_unless_allowed():
    with pytest.raises(ValidationError, match="greater than zero"):
        parse_quantity("-2")
    with pytest.raises(ValidationError, match="must not be negative"):
        parse_quantity("-2", allow_zero=True)
    assert parse_quantity("-2,5", allow_negative=True) == D("-2.5")


def test_negative_zero_is_plain_zero():
    assert str(parse_quantity("-0", allow_zero=True)) == "0"


def test_money_allows_zero_and_sub_cent_unit_costs():
    assert parse_money("0", "unit_cost") == 0
    assert parse_money("0,017", "unit_cost") == D("0.017")


def test_money_is_never_negative():
    with pytest.raises(ValidationError) as error:
        parse_money("-1", "price")
    assert error.value.field == "price"


def test_money_refuses_floats_too():
    with pytest.raises(ValidationError, match="float"):
        parse_money(1.5, "unit_cost")


@pytest.mark.parametrize(
    "amount, expected",
    [
        (D("0.005"), D("0.01")),
        (D("0.004999"), D("0.00")),
        (D("-0.005"), D("-0.01")),
        (D("2.675"), D("2.68")),
    ],
)
def test_money_rounds_to_the_cent_half_up(amount, expected):
    assert round_money(amount) == expected
    assert round_money(amount).as_tuple().exponent == -2


def test_quantity_and_unit_cost_round_half_up_to_six_places():
    assert quantize_quantity(D("0.0000005")) == D("0.000001")
    assert quantize_unit_cost(D("3.6863157894")) == D("3.686316")


def test_fraction_rounded_up_is_exact_when_the_value_is_exact():
    assert round_fraction(Fraction(2, 3) * 3, 6, "ROUND_UP") == 2
    assert round_fraction(Fraction(1, 3), 6, "ROUND_UP") == D("0.333334")
    assert round_fraction(Fraction(1, 3), 6, "ROUND_DOWN") == D("0.333333")


@pytest.mark.parametrize(
    "value, text",
    [
        (D("5E+3"), "5000"),
        (D("12.500"), "12.5"),
        (D("0.000001"), "0.000001"),
        (D("-0.0"), "0"),
    ],
)
def test_quantities_are_shown_without_trailing_zeros_or_exponents(value, text):
    assert format_quantity(value) == text


@pytest.mark.parametrize(
    "value, text",
    [
        (D("12.5"), "12.500"),
        (D("0.000125"), "0.000125"),
        (D("5E+3"), "5000.000"),
        (7, "7.000"),
    ],
)
def test_api_quantities_have_at_least_three_decimals_and_stay_exact(value, text):
    assert to_api(value) == text


def test_api_money_has_at_least_two_decimals():
    assert money_to_api(D(3)) == "3.00"
    assert money_to_api(D("0.017")) == "0.017"


def test_a_caller_with_low_precision_context_does_not_change_results():
    before = getcontext().prec
    with localcontext() as caller:
        caller.prec = 3
        assert to_api(D("123456.789")) == "123456.789"
        assert round_money(D("123456.785")) == D("123456.79")
        assert parse_quantity("987654.321") == D("987654.321")
    assert getcontext().prec == before


@given(storable_quantities)
def test_api_string_parses_back_to_the_same_quantity(quantity):
    assert parse_quantity(to_api(quantity)) == quantity
    assert parse_quantity(to_api(quantity).replace(".", ",")) == quantity


@given(storable_quantities)
def test_formatted_quantity_is_never_scientific_and_parses_back(quantity):
    text = format_quantity(quantity)
    assert "E" not in text.upper()
    assert parse_quantity(text) == quantity


@given(st.integers(min_value=-(10**18), max_value=10**18), st.integers(min_value=0, max_value=8))
def test_a_stored_quantity_is_written_for_the_api_as_its_decimal_would_be(scaled, places):
    # The database keeps quantities as integers scaled by 10**6; a trace writes them
    # straight from those.
    assert scaled_to_api(scaled, places) == to_api(D(scaled).scaleb(-QUANTITY_PLACES), places)


@pytest.mark.parametrize("scaled, text", [(0, "0.000"), (1, "0.000001"), (-1, "-0.000001"),
                                          (12_500_000, "12.500"), (-7_000_000, "-7.000")])
def test_stored_quantities_for_the_api(scaled, text):
    assert scaled_to_api(scaled) == text


@pytest.mark.parametrize(("text", "maximum", "expected"), [
    ("42", None, True), ("0", None, True), ("²", None, False), ("٣", None, False),
    ("4 2", None, False), ("-1", None, False), ("+1", None, False), ("", None, False),
    ("1" * 19, None, False), ("2147483647", 2**31 - 1, True), ("2147483648", 2**31 - 1, False),
    (7, None, False),
])
def test_a_whole_number_is_ascii_digits_only(text, maximum, expected):
    assert is_whole_number(text, maximum) is expected
