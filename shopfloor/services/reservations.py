"""Reservations: quantity of an item held for released production orders."""

from __future__ import annotations

from decimal import Decimal


def reserved_by_item(item_ids) -> dict[int, Decimal]:
    from shopfloor.services.production import reserved_by_item as reserved

    return reserved(list(item_ids))
