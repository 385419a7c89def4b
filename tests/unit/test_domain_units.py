"""Unit conversion: exact, through pint's factors, refusing what does not convert."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.units import (
    UNIT_CHOICES,
    can_convert,
    canonical_unit,
    convert,
    dimension_of,
    is_known_unit,
)

D = Decimal


def test_kilograms_convert_to_grams_exactly():
    grams = convert(D(5), "kg", "g")
    assert grams == 5000
    assert str(grams) == "5000"


@pytest.mark.parametrize(
    "quantity, source, target, expected",
    [
        (D("5000"), "g", "kg", D(5)),
        (D(3), "mg", "g", D("0.003")),
        (D(250), "ml", "l", D("0.25")),
        (D(1), "cl", "ml", D(10)),
        (D(1), "lb", "g", D("453.59237")),
        (D(8), "oz", "g", D("226.796185")),
        (D(16), "oz", "lb", D(1)),
        (D("453.59237"), "g", "lb", D(1)),
        (D(12), "pcs", "pcs", D(12)),
    ],
)
def test_conversions_are_exact(quantity, source, target, expected):
    assert convert(quantity, source, target) == expected


def test_volume_converts_to_mass_through_density():
    assert convert(D(250), "ml", "g", density=D("0.9")) == D(225)
    assert convert(D(225), "g", "ml", density=D("0.9")) == D(250)
    assert convert(D(1), "l", "kg", density=D("0.9")) == D("0.9")


def test_inexact_result_is_rounded_half_up_to_six_places():
    assert convert(D(1), "oz", "g") == D("28.349523")  # exactly 28.349523125
    assert convert(D(1), "g", "lb") == D("0.002205")  # 0.0022046226...
    assert convert(D(1), "kg", "ml", density=D("0.9")) == D("1111.111111")


def test_mass_and_volume_do_not_convert_without_a_density():
    with pytest.raises(ValidationError) as error:
        convert(D(1), "kg", "ml")
    assert error.value.field == "unit"
    assert "density" in error.value.message


def test_incompatible_units_are_refused_naming_both():
    with pytest.raises(ValidationError) as error:
        convert(D(1), "kg", "pcs")
    assert error.value.field == "unit"
    assert error.value.message == "cannot convert kg to pcs"


def test_pieces_do_not_convert_to_volume_even_with_a_density():
    with pytest.raises(ValidationError, match="cannot convert ml to pcs"):
        convert(D(1), "ml", "pcs", density=D(1))


@pytest.mark.parametrize("unit", ["parsec", "furlong", "kgs", ""])
def test_unknown_unit_is_refused_naming_it(unit):
    with pytest.raises(ValidationError) as error:
        convert(D(1), unit, "g")
    assert error.value.field == "unit"
    if unit:
        assert f"'{unit}'" in error.value.message


@pytest.mark.parametrize("density", [D(0), D("-1"), D("NaN")])
def test_density_must_be_positive(density):
    with pytest.raises(ValidationError) as error:
        convert(D(1), "ml", "g", density=density)
    assert error.value.field == "density"


def test_result_too_large_to_store_is_refused():
    with pytest.raises(ValidationError, match="too large"):
        convert(D(10) ** 12, "kg", "mg")


def test_float_quantity_is_refused():
    with pytest.raises(ValidationError):
        convert(1.5, "kg", "g")


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("KG", "kg"),
        (" g ", "g"),
        ("L", "l"),
        ("Litres", "l"),
        ("ML", "ml"),
        ("pc", "pcs"),
        ("Pieces", "pcs"),
        ("piece", "pcs"),
        ("EA", "pcs"),
        ("lbs", "lb"),
    ],
)
def test_unit_names_are_case_insensitive_with_one_canonical_spelling(typed, canonical):
    assert is_known_unit(typed)
    assert canonical_unit(typed) == canonical


def test_pcs_means_pieces_not_parsecs():
    # In pint's own registry "pcs" and "pc" are parsecs.
    assert dimension_of("pcs") == "count"
    assert convert(D(3), "pc", "pcs") == 3


def test_every_unit_choice_is_known_and_already_canonical():
    assert set(UNIT_CHOICES) == {"g", "kg", "mg", "lb", "oz", "ml", "l", "cl", "pcs"}
    assert all(canonical_unit(unit) == unit for unit in UNIT_CHOICES)


def test_can_convert_follows_dimensions_and_density():
    assert can_convert("kg", "oz")
    assert not can_convert("kg", "ml")
    assert can_convert("kg", "ml", density=D("0.9"))
    assert not can_convert("pcs", "g", density=D("0.9"))


# Pairs whose factor from the first to the second unit is a whole number, so that a
# quantity with few places converts exactly and must come back unchanged.
exact_pairs = st.sampled_from(
    [
        ("kg", "g"),
        ("g", "mg"),
        ("kg", "mg"),
        ("l", "ml"),
        ("l", "cl"),
        ("cl", "ml"),
        ("lb", "oz"),
        ("pcs", "pcs"),
    ]
)
few_places = st.decimals(min_value=D("0.001"), max_value=D(10) ** 5, places=3)


@given(few_places, exact_pairs)
def test_converting_there_and_back_is_identity_for_exact_factors(quantity, pair):
    source, target = pair
    assert convert(convert(quantity, source, target), target, source) == quantity


@given(st.decimals(min_value=D("0.1"), max_value=D(10) ** 6, places=1))
def test_pounds_to_grams_and_back_is_identity(quantity):
    assert convert(convert(quantity, "lb", "g"), "g", "lb") == quantity


@given(
    few_places,
    st.decimals(min_value=D("0.001"), max_value=D(20), places=3),
)
def test_volume_to_mass_and_back_through_density_is_identity(quantity, density):
    grams = convert(quantity, "ml", "g", density=density)
    assert grams == quantity * density
    assert convert(grams, "g", "ml", density=density) == quantity
