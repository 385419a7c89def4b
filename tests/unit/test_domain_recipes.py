"""Recipes: requirements, cycles, multi-level explosion, what can be made, expected cost."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopfloor.domain.errors import NotFound, ValidationError
from shopfloor.domain.recipes import (
    Recipe,
    RecipeLine,
    can_make,
    check_no_cycle,
    expected_unit_cost,
    explode,
    find_cycle,
    required_for,
    unmakeable,
    whole_units,
)

D = Decimal


def make_recipe(item, lines, yield_quantity="1", labour_minutes="0", labour_rate="0", overhead="0"):
    """`lines` maps component -> quantity, or -> (quantity, loss_percent)."""
    built = []
    for component, spec in lines.items():
        quantity, loss = spec if isinstance(spec, tuple) else (spec, "0")
        built.append(RecipeLine(component, D(quantity), D(loss)))
    return Recipe(
        item, D(yield_quantity), tuple(built), D(labour_minutes), D(labour_rate), D(overhead)
    )


def candle_shop():
    """10 candles from 2 kg of base, 10 wicks, 10 jars; 1 kg of base from 950 g wax (5 %
    loss) and 50 g fragrance."""
    return {
        "CANDLE": make_recipe(
            "CANDLE",
            {"BASE": "2000", "WICK": "10", "JAR": "10"},
            yield_quantity="10",
            labour_minutes="30",
            labour_rate="60",
            overhead="5",
        ),
        "BASE": make_recipe("BASE", {"WAX": ("950", "5"), "FRAG": "50"}, yield_quantity="1000"),
    }


# -- validation ---------------------------------------------------------------------------


def test_recipe_yield_must_be_positive():
    with pytest.raises(ValidationError) as error:
        make_recipe("CANDLE", {"WAX": "1"}, yield_quantity="0")
    assert error.value.field == "yield_quantity"


def test_recipe_needs_a_line():
    with pytest.raises(ValidationError) as error:
        make_recipe("CANDLE", {})
    assert error.value.field == "lines"


@pytest.mark.parametrize("spec", ["0", ("1", "-5")])
def test_line_quantity_must_be_positive_and_loss_not_negative(spec):
    with pytest.raises(ValidationError) as error:
        make_recipe("CANDLE", {"WAX": spec})
    assert error.value.field == "lines"
    assert "WAX" in error.value.message


# -- required_for -------------------------------------------------------------------------


def test_requirement_scales_with_order_over_yield_and_adds_the_loss():
    base = candle_shop()["BASE"]
    assert required_for(base, D(2000)) == {"WAX": D("1995"), "FRAG": D(100)}


def test_requirement_is_rounded_up_never_under_required():
    recipe = make_recipe("SOAP", {"LYE": "1"}, yield_quantity="3")
    assert required_for(recipe, D(1)) == {"LYE": D("0.333334")}


def test_exact_requirement_is_not_rounded_up_by_an_early_division():
    # 2 / 3 x 3 must be 2, not 2.000001.
    recipe = make_recipe("SOAP", {"LYE": "3"}, yield_quantity="3")
    assert required_for(recipe, D(2)) == {"LYE": D(2)}


def test_lines_for_the_same_component_add_up():
    recipe = Recipe("MIX", D(1), (RecipeLine("OIL", D(2)), RecipeLine("OIL", D(3))))
    assert required_for(recipe, D(2)) == {"OIL": D(10)}


@given(
    st.decimals(min_value=D("0.001"), max_value=D(1000), places=3),
    st.decimals(min_value=D("0.001"), max_value=D(1000), places=3),
    st.decimals(min_value=D(0), max_value=D(50), places=2),
    st.decimals(min_value=D("0.001"), max_value=D(1000), places=3),
)
def test_requirement_is_the_exact_need_rounded_up_by_less_than_a_millionth(
    yield_quantity, quantity, loss, ordered
):
    recipe = Recipe("P", yield_quantity, (RecipeLine("M", quantity, loss),))
    exact = (
        Fraction(ordered)
        / Fraction(yield_quantity)
        * Fraction(quantity)
        * (1 + Fraction(loss) / 100)
    )
    required = Fraction(required_for(recipe, ordered)["M"])
    assert exact <= required < exact + Fraction(1, 10**6)


# -- cycles -------------------------------------------------------------------------------


def test_cycle_is_refused_naming_the_path():
    recipes = candle_shop()
    with pytest.raises(ValidationError) as error:
        check_no_cycle(recipes, make_recipe("BASE", {"CANDLE": "1"}))
    assert error.value.field == "lines"
    assert "BASE → CANDLE → BASE" in error.value.message
    assert error.value.details == {"cycle": ["BASE", "CANDLE", "BASE"]}


def test_recipe_using_its_own_item_is_a_cycle():
    with pytest.raises(ValidationError, match="SOAP → SOAP"):
        check_no_cycle({}, make_recipe("SOAP", {"SOAP": "1", "LYE": "1"}))


def test_long_cycle_is_found_through_every_level():
    recipes = {
        "A": make_recipe("A", {"B": "1"}),
        "B": make_recipe("B", {"C": "1", "X": "1"}),
        "C": make_recipe("C", {"A": "1"}),
    }
    assert find_cycle(recipes) == ["A", "B", "C", "A"]
    assert find_cycle(recipes, "B") == ["B", "C", "A", "B"]


def test_recipes_without_a_cycle_pass():
    recipes = candle_shop()
    assert find_cycle(recipes) is None
    check_no_cycle(recipes, make_recipe("GIFT-BOX", {"CANDLE": "2", "BASE": "10"}))


def test_new_version_replaces_the_old_recipe_when_checking_cycles():
    recipes = {
        "BASE": make_recipe("BASE", {"CANDLE": "1"}),
        "CANDLE": make_recipe("CANDLE", {"WICK": "1"}),
    }
    # BASE used to need CANDLE; its new version does not, so CANDLE may now use BASE.
    recipes["BASE"] = make_recipe("BASE", {"WAX": "1"})
    check_no_cycle(recipes, make_recipe("CANDLE", {"BASE": "1"}))


# -- explode ------------------------------------------------------------------------------


def rows_by_item(rows):
    return {(row.item, row.level): row for row in rows}


def test_direct_components_are_level_one_with_stock_and_shortage():
    rows = explode(candle_shop(), "CANDLE", D(20), {"BASE": D(5000), "WICK": D(100), "JAR": D(15)})
    assert [(r.item, r.required, r.available, r.shortage, r.level) for r in rows] == [
        ("BASE", D(4000), D(5000), D(0), 1),
        ("WICK", D(20), D(100), D(0), 1),
        ("JAR", D(20), D(15), D(5), 1),
    ]


def test_short_intermediate_is_exploded_into_what_it_takes_to_make_it():
    rows = rows_by_item(
        explode(
            candle_shop(),
            "CANDLE",
            D(20),
            {"BASE": D(1000), "WAX": D(5000), "WICK": D(20), "JAR": D(20)},
        )
    )
    assert rows[("BASE", 1)].shortage == D(3000)
    assert rows[("WAX", 2)].required == D("2992.5")  # 3000 g base x 0.95 x 1.05
    assert rows[("WAX", 2)].parent == "BASE"
    assert rows[("FRAG", 2)].shortage == D(150)


def test_intermediate_in_stock_is_not_exploded():
    rows = explode(candle_shop(), "CANDLE", D(10), {"BASE": D(2000), "WICK": D(10), "JAR": D(10)})
    assert {row.level for row in rows} == {1}
    assert unmakeable(rows, candle_shop()) == []


def test_stock_used_directly_is_not_counted_again_for_an_intermediate():
    recipes = {
        "CANDLE": make_recipe("CANDLE", {"WAX": "100", "BASE": "100"}),
        "BASE": make_recipe("BASE", {"WAX": "1"}),
    }
    rows = rows_by_item(explode(recipes, "CANDLE", D(1), {"WAX": D(150)}))
    assert rows[("WAX", 1)].shortage == 0
    assert rows[("WAX", 2)].available == D(50)
    assert rows[("WAX", 2)].shortage == D(50)


def test_explode_of_an_item_without_recipe_is_not_found():
    with pytest.raises(NotFound):
        explode(candle_shop(), "WAX", D(1), {})


def test_explode_refuses_cyclic_recipes_instead_of_looping():
    recipes = {"A": make_recipe("A", {"B": "1"}), "B": make_recipe("B", {"A": "1"})}
    with pytest.raises(ValidationError, match="A → B → A"):
        explode(recipes, "A", D(1), {})


# -- can_make -----------------------------------------------------------------------------


def test_what_can_be_made_is_limited_by_the_scarcest_material():
    quantity, limiting = can_make(
        candle_shop(), "CANDLE", {"BASE": D(100000), "WICK": D(100), "JAR": D(25)}
    )
    assert (quantity, limiting) == (D(25), "JAR")


def test_intermediate_counts_with_its_stock_plus_what_can_be_made_of_it():
    stock = {"BASE": D(1000), "WAX": D(3000), "FRAG": D(1000), "WICK": D(100), "JAR": D(150)}
    quantity, limiting = can_make(candle_shop(), "CANDLE", stock)
    # BASE: 1000 + 3000 / 0.9975 = 4007.5187... g, at 200 g a candle
    assert quantity == D("20.037593")
    assert limiting == "WAX"
    assert unmakeable(explode(candle_shop(), "CANDLE", quantity, stock), candle_shop()) == []


def test_material_shared_between_levels_is_counted_once():
    recipes = {
        "CANDLE": make_recipe("CANDLE", {"WAX": "100", "BASE": "100"}),
        "BASE": make_recipe("BASE", {"WAX": "1"}),
    }
    # Each candle takes 200 g of wax in all; counting the 1000 g for each use would say 10.
    assert can_make(recipes, "CANDLE", {"WAX": D(1000)}) == (D(5), "WAX")


def test_nothing_can_be_made_without_a_material():
    assert can_make(candle_shop(), "CANDLE", {"BASE": D(5000), "WICK": D(10)}) == (D(0), "JAR")


def test_whole_units_are_rounded_down():
    assert whole_units(D("20.999999")) == 20
    assert whole_units(D(7)) == 7


@st.composite
def small_bom(draw):
    stock = {
        sku: draw(st.decimals(min_value=0, max_value=500, places=1))
        for sku in ("M1", "M2", "M3", "I1")
    }
    quantity = st.decimals(min_value=D("0.5"), max_value=20, places=1)
    recipes = {
        "P": make_recipe(
            "P", {"M1": draw(quantity), "I1": draw(quantity)}, yield_quantity=draw(quantity)
        ),
        "I1": make_recipe(
            "I1",
            {"M2": draw(quantity), "M1": (draw(quantity), "10")},
            yield_quantity=draw(quantity),
        ),
    }
    if draw(st.booleans()):
        recipes["P"] = make_recipe(
            "P", {"M1": draw(quantity), "I1": draw(quantity), "M3": draw(quantity)}
        )
    return recipes, stock


@given(small_bom())
def test_can_make_is_exactly_the_most_that_explosion_finds_feasible(bom):
    recipes, stock = bom
    quantity, limiting = can_make(recipes, "P", stock)
    assert unmakeable(explode(recipes, "P", quantity, stock), recipes) == []
    more = unmakeable(explode(recipes, "P", quantity + D("0.000001"), stock), recipes)
    assert more and limiting == more[0].item


@given(small_bom())
def test_can_make_in_whole_units_is_the_six_place_answer_rounded_down(bom):
    recipes, stock = bom
    exact, _limiting = can_make(recipes, "P", stock)
    pieces, limiting = can_make(recipes, "P", stock, places=0)
    assert pieces == whole_units(exact)
    more = unmakeable(explode(recipes, "P", pieces + 1, stock), recipes)
    assert more and limiting == more[0].item


@given(small_bom())
def test_can_make_up_to_a_quantity_stops_there_and_never_promises_more(bom):
    recipes, stock = bom
    exact, _limiting = can_make(recipes, "P", stock)
    wanted = exact / 2
    capped, _limiting = can_make(recipes, "P", stock, at_most=wanted)
    assert wanted <= capped <= exact
    assert unmakeable(explode(recipes, "P", capped, stock), recipes) == []
    assert can_make(recipes, "P", stock, at_most=exact + 5)[0] == exact


# -- expected cost ------------------------------------------------------------------------


def test_expected_unit_cost_adds_materials_labour_and_overhead_per_yield():
    recipe = {
        "SOAP": make_recipe(
            "SOAP",
            {"OIL": "800", "LYE": "120"},
            yield_quantity="8",
            labour_minutes="45",
            labour_rate="40",
            overhead="6",
        )
    }
    costs = {"OIL": D("0.012"), "LYE": D("0.005")}
    # materials 9.60 + 0.60, labour 30, overhead 6 -> 46.20 for 8 bars
    assert expected_unit_cost(recipe, "SOAP", costs) == D("5.775")


def test_intermediate_without_a_cost_is_costed_by_its_own_recipe():
    costs = {"WAX": D("0.01"), "FRAG": D("0.1"), "WICK": D("0.2"), "JAR": D("1.5")}
    # BASE per g: 0.9975 x 0.01 + 0.05 x 0.1 = 0.014975; candle: 200 g base = 2.995,
    # + 0.2 + 1.5, + (30 min at 60/h + 5) / 10 = 3.5
    assert expected_unit_cost(candle_shop(), "CANDLE", costs) == D("8.195")


def test_intermediate_with_a_cost_uses_it():
    costs = {"BASE": D("0.02"), "WICK": D("0.2"), "JAR": D("1.5")}
    assert expected_unit_cost(candle_shop(), "CANDLE", costs) == D("9.2")


def test_material_without_a_cost_is_an_error_not_a_zero():
    with pytest.raises(ValidationError) as error:
        expected_unit_cost(candle_shop(), "CANDLE", {"WICK": D(1), "JAR": D(1), "WAX": D(1)})
    assert "FRAG" in error.value.message
