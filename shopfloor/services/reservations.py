"""Reservations: quantity of an item held for released production orders. The production
orders issue fills this in; until then nothing is reserved."""

from __future__ import annotations

from decimal import Decimal


def reserved_by_item(item_ids) -> dict[int, Decimal]:
    return {}
