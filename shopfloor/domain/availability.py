"""Whether stock may be used: the one rule, over plain values.

Stock is *usable* when its lot is released for use (status "available"), has not expired
(a lot is usable up to and including its expiry date) and it sits in a free place: stock in
quarantine or in an order's work in progress is on hand but not free. What is *available*
is what is usable less every reservation on it, whoever holds them (see
docs/ARCHITECTURE.md, "Availability").

The services' SQL expression for the same rule is `services.availability.usable_stock`;
both are built from the names below, so the two cannot disagree on a status or a kind.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

AVAILABLE = "available"
QUARANTINE = "quarantine"
REJECTED = "rejected"
EXPIRED = "expired"
LOT_STATUSES = (AVAILABLE, QUARANTINE, REJECTED)

# Stock in places of these kinds is on hand but not free to use.
UNAVAILABLE_LOCATION_KINDS = ("quarantine", "wip")


def is_expired(expiry: date | None, today: date) -> bool:
    """Past its expiry date (a lot is still good on the day itself)."""
    return expiry is not None and expiry < today


def unusable_reason(status: str, expiry: date | None, today: date) -> str | None:
    """None when a lot with this status and expiry may be used today, else why not:
    "rejected", "expired", or its status ("quarantine"). Rejection is named before expiry:
    a rejected lot is never coming back, an expired one might be relabelled by QC."""
    if status == REJECTED:
        return REJECTED
    if is_expired(expiry, today):
        return EXPIRED
    if status != AVAILABLE:
        return status
    return None


def lot_is_usable(status: str, expiry: date | None, today: date) -> bool:
    return unusable_reason(status, expiry, today) is None


def place_is_free(location_kind: str) -> bool:
    """Whether stock in a place of this kind may be taken (not quarantine, not WIP)."""
    return location_kind not in UNAVAILABLE_LOCATION_KINDS


def is_usable(status: str, expiry: date | None, location_kind: str, today: date) -> bool:
    """Whether stock of a lot (status, expiry) held in a place of `location_kind` counts as
    usable today."""
    return lot_is_usable(status, expiry, today) and place_is_free(location_kind)


def available(usable: Decimal, reserved: Decimal) -> Decimal:
    """Usable stock less all reservations on it, never below zero (reservations may exceed
    what is usable once a reserved lot expires or goes into quarantine)."""
    return max(usable - reserved, Decimal(0))
