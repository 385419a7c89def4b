"""Page formatting in both languages (Babel's real output)."""

from decimal import Decimal as D

from shopfloor.web import formatting


def test_quantities_group_and_keep_every_place():
    assert formatting.quantity(D("1234.5"), "en") == "1,234.5"
    assert formatting.quantity(D("1234.5"), "ro") == "1.234,5"
    assert formatting.quantity(D("0.000001"), "ro") == "0,000001"
    assert formatting.quantity(D("12.500"), "en") == "12.5"


def test_prefilled_fields_use_the_decimal_mark_and_no_grouping():
    assert formatting.field_quantity(D("1234.5"), "ro") == "1234,5"
    assert formatting.field_quantity(D("1234.5"), "en") == "1234.5"


def test_money_to_the_cent_with_currency_and_exact_value_on_hover():
    assert str(formatting.money(D("12.345"), "EUR", "en")) == \
        '<span class="num-val" title="12.345">€12.35</span>'
    assert str(formatting.money(D("12.345"), "EUR", "ro")) == \
        '<span class="num-val" title="12.345">12,35\xa0EUR</span>'
    assert str(formatting.money(D("1234.5"), "RON", "ro")) == \
        '<span class="num-val">1.234,50\xa0RON</span>'


def test_unit_costs_show_two_to_four_places():
    assert str(formatting.unit_cost(D("0.018755"), "ro")) == \
        '<span class="num-val" title="0.018755">0,0188</span>'
    assert str(formatting.unit_cost(D("0.9"), "en")) == '<span class="num-val">0.90</span>'
