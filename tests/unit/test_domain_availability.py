"""The availability rule over plain values: which stock may be used."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shopfloor.domain import availability as rule
from shopfloor.domain import fefo

TODAY = date(2026, 3, 10)


def test_an_available_lot_without_expiry_on_a_shelf_is_usable():
    assert rule.is_usable("available", None, "storage", TODAY)


def test_a_lot_is_usable_up_to_and_including_its_expiry_date():
    assert rule.lot_is_usable("available", TODAY, TODAY)
    assert not rule.lot_is_usable("available", date(2026, 3, 9), TODAY)
    assert not rule.is_expired(TODAY, TODAY) and not rule.is_expired(None, TODAY)
    assert rule.is_expired(date(2026, 3, 9), TODAY)


@pytest.mark.parametrize("status", ["quarantine", "rejected"])
def test_a_held_back_lot_is_not_usable(status):
    assert not rule.is_usable(status, None, "storage", TODAY)
    assert rule.unusable_reason(status, None, TODAY) == status


def test_rejection_is_named_before_expiry():
    assert rule.unusable_reason("rejected", date(2026, 1, 1), TODAY) == "rejected"
    assert rule.unusable_reason("quarantine", date(2026, 1, 1), TODAY) == "expired"


@pytest.mark.parametrize("kind", ["quarantine", "wip"])
def test_stock_in_quarantine_or_work_in_progress_is_on_hand_but_not_usable(kind):
    assert not rule.place_is_free(kind)
    assert not rule.is_usable("available", None, kind, TODAY)


@pytest.mark.parametrize("kind", ["storage", "production", "shipping"])
def test_other_places_are_free(kind):
    assert rule.place_is_free(kind)


def test_available_is_usable_less_reservations_and_never_negative():
    assert rule.available(Decimal("130"), Decimal("30")) == Decimal("100")
    assert rule.available(Decimal("10"), Decimal("30")) == Decimal("0")


def test_picking_refuses_exactly_what_the_rule_calls_unusable():
    for status in rule.LOT_STATUSES:
        for expiry in (None, date(2026, 3, 9), TODAY):
            lot = fefo.StockLot("L1", expiry, date(2026, 1, 1), status)
            assert fefo.pickable(lot, TODAY) == rule.unusable_reason(status, expiry, TODAY)
