"""Picking order: first expired, first out; never an expired, quarantined or rejected lot."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopfloor.domain.errors import NotFound, ValidationError
from shopfloor.domain.fefo import (
    LotLocation,
    StockLot,
    is_first_choice,
    pick_order_key,
    pickable,
    suggest_lots,
)

D = Decimal
TODAY = date(2026, 6, 15)


def make_lot(
    code="L1",
    *,
    expiry=None,
    received_on=date(2026, 1, 1),
    status="available",
    quantity="10",
    location="SHELF-A",
    locations=None,
    available=None,
):
    if locations is None:
        locations = {location: quantity}
    return StockLot(
        code=code,
        expiry=expiry,
        received_on=received_on,
        status=status,
        locations=tuple(LotLocation(place, D(qty)) for place, qty in locations.items()),
        available=None if available is None else D(available),
    )


def picked_lots(result):
    return [pick.lot_code for pick in result.picks]


def test_sooner_expiring_lot_is_suggested_first_even_if_received_later():
    older = make_lot("OLD", expiry=date(2026, 12, 1), received_on=date(2026, 1, 1))
    newer = make_lot("NEW", expiry=date(2026, 8, 1), received_on=date(2026, 5, 1))
    assert picked_lots(suggest_lots([older, newer], D(5), TODAY)) == ["NEW"]


def test_lot_without_expiry_comes_after_lots_with_one():
    forever = make_lot("FOREVER", expiry=None, received_on=date(2025, 1, 1))
    dated = make_lot("DATED", expiry=date(2030, 1, 1), received_on=date(2026, 1, 1))
    assert picked_lots(suggest_lots([forever, dated], D(5), TODAY)) == ["DATED"]


def test_same_expiry_goes_to_the_earlier_received_lot_then_by_code():
    later = make_lot("A-LATER", expiry=date(2026, 9, 1), received_on=date(2026, 3, 1))
    earlier = make_lot("Z-EARLIER", expiry=date(2026, 9, 1), received_on=date(2026, 2, 1))
    twin = make_lot("Y-TWIN", expiry=date(2026, 9, 1), received_on=date(2026, 2, 1))
    ordered = sorted([later, earlier, twin], key=pick_order_key)
    assert [lot.code for lot in ordered] == ["Y-TWIN", "Z-EARLIER", "A-LATER"]


def test_fifo_policy_ignores_expiry():
    older = make_lot("OLD", expiry=date(2026, 12, 1), received_on=date(2026, 1, 1))
    newer = make_lot("NEW", expiry=date(2026, 8, 1), received_on=date(2026, 5, 1))
    assert picked_lots(suggest_lots([newer, older], D(5), TODAY, policy="fifo")) == ["OLD"]


def test_unknown_policy_is_refused():
    with pytest.raises(ValidationError) as error:
        suggest_lots([make_lot()], D(1), TODAY, policy="lifo")
    assert error.value.field == "policy"


def test_expired_lot_is_never_suggested():
    expired = make_lot("EXPIRED", expiry=TODAY - timedelta(days=1), quantity="100")
    fresh = make_lot("FRESH", expiry=TODAY + timedelta(days=30), quantity="3")
    result = suggest_lots([expired, fresh], D(10), TODAY)
    assert picked_lots(result) == ["FRESH"]
    assert result.shortage == D(7)


def test_lot_expiring_today_is_still_pickable():
    lot = make_lot(expiry=TODAY)
    assert pickable(lot, TODAY) is None
    assert picked_lots(suggest_lots([lot], D(1), TODAY)) == ["L1"]


@pytest.mark.parametrize("status", ["quarantine", "rejected"])
def test_quarantined_and_rejected_lots_are_never_suggested(status):
    blocked = make_lot("BLOCKED", status=status, expiry=date(2026, 7, 1))
    result = suggest_lots([blocked], D(1), TODAY)
    assert result.picks == ()
    assert result.shortage == D(1)


@pytest.mark.parametrize(
    "lot, reason",
    [
        (make_lot(status="quarantine"), "quarantine"),
        (make_lot(status="rejected"), "rejected"),
        (make_lot(expiry=TODAY - timedelta(days=1)), "expired"),
        (make_lot(status="rejected", expiry=TODAY - timedelta(days=1)), "rejected"),
        (make_lot(expiry=TODAY + timedelta(days=1)), None),
    ],
)
def test_pickable_says_why_a_lot_cannot_be_picked(lot, reason):
    assert pickable(lot, TODAY) == reason


def test_need_is_split_across_lots_and_stops_when_covered():
    first = make_lot("FIRST", expiry=date(2026, 7, 1), quantity="4")
    second = make_lot("SECOND", expiry=date(2026, 8, 1), quantity="10")
    third = make_lot("THIRD", expiry=date(2026, 9, 1), quantity="10")
    result = suggest_lots([third, second, first], D("6.5"), TODAY)
    assert [(p.lot_code, p.quantity) for p in result.picks] == [
        ("FIRST", D(4)),
        ("SECOND", D("2.5")),
    ]
    assert result.covered


def test_a_lot_is_taken_from_its_fullest_location_first():
    lot = make_lot(locations={"SHELF-B": "3", "SHELF-A": "3", "SHELF-C": "8"})
    result = suggest_lots([lot], D(12), TODAY)
    assert [(p.location, p.quantity) for p in result.picks] == [
        ("SHELF-C", D(8)),
        ("SHELF-A", D(3)),
        ("SHELF-B", D(1)),
    ]


def test_shortage_is_what_stock_cannot_cover():
    result = suggest_lots([make_lot(quantity="2.5")], D(4), TODAY)
    assert result.total == D("2.5")
    assert result.shortage == D("1.5")
    assert not result.covered


def test_reserved_stock_is_not_suggested():
    lot = make_lot(quantity="10", available="4")
    result = suggest_lots([lot], D(10), TODAY)
    assert result.total == D(4)
    assert result.shortage == D(6)


def test_negative_need_is_refused():
    with pytest.raises(ValidationError):
        suggest_lots([make_lot()], D(-1), TODAY)


def test_first_expiring_lot_is_the_first_choice():
    first = make_lot("FIRST", expiry=date(2026, 7, 1))
    later = make_lot("LATER", expiry=date(2026, 8, 1))
    assert is_first_choice("FIRST", [first, later], TODAY)
    assert not is_first_choice("LATER", [first, later], TODAY)


def test_lot_expiring_the_same_day_as_the_first_is_also_a_first_choice():
    first = make_lot("FIRST", expiry=date(2026, 7, 1), received_on=date(2026, 1, 1))
    twin = make_lot("TWIN", expiry=date(2026, 7, 1), received_on=date(2026, 4, 1))
    assert is_first_choice("TWIN", [first, twin], TODAY)


@pytest.mark.parametrize(
    "blocker",
    [
        make_lot("SOONER", expiry=TODAY - timedelta(days=1)),
        make_lot("SOONER", expiry=date(2026, 7, 1), status="quarantine"),
        make_lot("SOONER", expiry=date(2026, 7, 1), quantity="0"),
        make_lot("SOONER", expiry=date(2026, 7, 1), available="0"),
    ],
)
def test_lots_that_cannot_be_picked_do_not_make_another_lot_second_choice(blocker):
    lot = make_lot("LOT", expiry=date(2026, 9, 1))
    assert is_first_choice("LOT", [blocker, lot], TODAY)


def test_a_lot_that_cannot_be_picked_is_never_a_first_choice():
    expired = make_lot("EXPIRED", expiry=TODAY - timedelta(days=1))
    assert not is_first_choice("EXPIRED", [expired], TODAY)


def test_first_choice_under_fifo_is_the_earliest_received():
    old = make_lot("OLD", expiry=date(2027, 1, 1), received_on=date(2026, 1, 1))
    new = make_lot("NEW", expiry=date(2026, 7, 1), received_on=date(2026, 3, 1))
    assert is_first_choice("OLD", [old, new], TODAY, policy="fifo")
    assert not is_first_choice("NEW", [old, new], TODAY, policy="fifo")


def test_first_choice_of_a_lot_not_in_stock_is_not_found():
    with pytest.raises(NotFound) as error:
        is_first_choice("GHOST", [make_lot("L1")], TODAY)
    assert error.value.field == "lot"


# -- properties -------------------------------------------------------------------------

quantities = st.decimals(min_value=0, max_value=50, places=3)
dates = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@st.composite
def stock_lots(draw):
    count = draw(st.integers(min_value=0, max_value=6))
    lots = []
    for index in range(count):
        places = draw(
            st.dictionaries(st.sampled_from(["A", "B", "C"]), quantities, min_size=0, max_size=3)
        )
        on_hand = sum(places.values(), D(0))
        lots.append(
            make_lot(
                f"L{index}",
                expiry=draw(st.none() | dates),
                received_on=draw(dates),
                status=draw(st.sampled_from(["available", "available", "quarantine", "rejected"])),
                locations=places,
                available=draw(st.none() | st.decimals(min_value=0, max_value=on_hand, places=3)),
            )
        )
    return lots


@given(
    stock_lots(),
    st.decimals(min_value=0, max_value=200, places=3),
    dates,
    st.sampled_from(["fefo", "fifo"]),
)
def test_suggestions_never_exceed_availability_nor_include_unpickable_lots(
    lots, required, today, policy
):
    result = suggest_lots(lots, required, today, policy)
    by_code = {lot.code: lot for lot in lots}
    assert result.total + result.shortage == required
    assert all(pick.quantity > 0 for pick in result.picks)
    for code in set(picked_lots(result)):
        lot = by_code[code]
        assert pickable(lot, today) is None
        taken = [pick for pick in result.picks if pick.lot_code == code]
        assert sum(pick.quantity for pick in taken) <= lot.available
        held = {place.location: place.quantity for place in lot.locations}
        assert all(pick.quantity <= held[pick.location] for pick in taken)


@given(
    stock_lots(),
    st.decimals(min_value=0, max_value=200, places=3),
    dates,
    st.sampled_from(["fefo", "fifo"]),
)
def test_a_later_lot_is_only_suggested_once_every_earlier_lot_is_used_up(
    lots, required, today, policy
):
    result = suggest_lots(lots, required, today, policy)
    usable = sorted(
        (lot for lot in lots if pickable(lot, today) is None and lot.available > 0),
        key=lambda lot: pick_order_key(lot, policy),
    )
    order = [lot.code for lot in usable]
    used = picked_lots(result)
    assert used == sorted(used, key=order.index)

    def taken(lot):
        return sum((p.quantity for p in result.picks if p.lot_code == lot.code), D(0))

    # Every lot before the last one picked gave all it could; after a shortage, all did.
    last = order.index(used[-1]) if used else 0
    fully_used = usable if result.shortage > 0 else usable[:last]
    assert all(taken(lot) == min(lot.available, lot.on_hand) for lot in fully_used)
