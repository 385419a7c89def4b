"""Which lots to pick: first expired, first out (docs/ARCHITECTURE.md, "FEFO").

Pure functions over plain values, in the spirit of cosmicpython's `allocate(line, batches)`:
the service loads the item's lots with their balances, asks here what to pick, and owns the
transaction. Nothing here reads a database or a clock: `today` is passed in.

Rules:
- FEFO orders lots by expiry (lots without an expiry last), then by the date they were
  received or produced, then by code so the order is total and repeatable. FIFO ignores
  expiry.
- Expired, quarantined and rejected lots are never suggested and cannot be picked. A lot is
  usable up to and including its expiry date.
- Picking a lot that is not a first choice is allowed only with a reason (the service
  records it). Lots expiring on the same day as the first are all first choices: making an
  operator justify picking one of two identical-date lots helps nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .availability import AVAILABLE, unusable_reason
from .errors import NotFound, ValidationError
from .messages import t
from .quantities import ZERO

FEFO = "fefo"
FIFO = "fifo"
POLICIES = (FEFO, FIFO)


@dataclass(frozen=True)
class LotLocation:
    location: str
    quantity: Decimal


@dataclass(frozen=True)
class StockLot:
    """A lot of one item as picking sees it: where it is and how much may be taken.

    `available` caps what may be taken from the lot as a whole; when omitted it is the
    total over `locations`.
    """

    code: str
    expiry: date | None
    received_on: date
    status: str = AVAILABLE
    locations: tuple[LotLocation, ...] = ()
    available: Decimal = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.available is None:
            object.__setattr__(self, "available", self.on_hand)

    @property
    def on_hand(self) -> Decimal:
        return sum((place.quantity for place in self.locations), ZERO)


@dataclass(frozen=True)
class Suggestion:
    lot_code: str
    location: str
    quantity: Decimal


@dataclass(frozen=True)
class SuggestionResult:
    picks: tuple[Suggestion, ...]
    shortage: Decimal

    @property
    def covered(self) -> bool:
        return self.shortage == 0

    @property
    def total(self) -> Decimal:
        return sum((pick.quantity for pick in self.picks), ZERO)


def pickable(lot: StockLot, today: date) -> str | None:
    """None when the lot may be picked today, else why not: "rejected", "expired",
    "quarantine" (or any other non-available status): the availability rule."""
    return unusable_reason(lot.status, lot.expiry, today)


def pick_order_key(lot: StockLot, policy: str = FEFO) -> tuple:
    """Sort key: FEFO is (expiry, None last), received_on, code; FIFO is received_on, code."""
    _check_policy(policy)
    if policy == FEFO:
        return (*_expiry_rank(lot), lot.received_on, lot.code)
    return (lot.received_on, lot.code)


def suggest_lots(
    lots: Iterable[StockLot],
    required: Decimal,
    today: date,
    policy: str = FEFO,
) -> SuggestionResult:
    """Lots and locations to pick, in picking order, covering `required`.

    Takes each pickable lot in turn as far as it goes (never more than its `available`, nor
    more than a location holds), emptying the fullest location first so a lot's remainder
    ends up in as few places as possible, and stops as soon as the need is covered. What
    cannot be covered is returned as the shortage rather than raised: planning shows it,
    release refuses it.
    """
    if required < 0:
        raise ValidationError(t("quantity must not be negative"), field="quantity")
    picks: list[Suggestion] = []
    remaining = required
    for lot in sorted(lots, key=lambda lot: pick_order_key(lot, policy)):
        if remaining <= 0:
            break
        if pickable(lot, today) is not None or lot.available <= 0:
            continue
        from_lot = min(remaining, lot.available)
        for place in sorted(lot.locations, key=lambda p: (-p.quantity, p.location)):
            if from_lot <= 0:
                break
            if place.quantity <= 0:
                continue
            take = min(from_lot, place.quantity)
            picks.append(Suggestion(lot.code, place.location, take))
            from_lot -= take
            remaining -= take
    return SuggestionResult(picks=tuple(picks), shortage=max(remaining, ZERO))


def is_first_choice(
    lot_code: str,
    lots: Iterable[StockLot],
    today: date,
    policy: str = FEFO,
) -> bool:
    """Whether picking `lot_code` needs no reason: it is pickable and no other pickable lot
    with stock comes strictly before it. Under FEFO only the expiry decides (same-day
    expiries are equally first); under FIFO only the received date."""
    _check_policy(policy)
    lots = list(lots)
    lot = next((candidate for candidate in lots if candidate.code == lot_code), None)
    if lot is None:
        raise NotFound(t("lot {lot} is not stock of this item", lot=lot_code), field="lot")
    if pickable(lot, today) is not None:
        return False

    def rank(candidate: StockLot) -> tuple:
        return _expiry_rank(candidate) if policy == FEFO else (candidate.received_on,)

    return not any(
        rank(other) < rank(lot)
        for other in lots
        if other.code != lot_code and other.available > 0 and pickable(other, today) is None
    )


def _expiry_rank(lot: StockLot) -> tuple[bool, date]:
    return (lot.expiry is None, lot.expiry or date.max)


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        raise ValidationError(
            t("unknown picking policy '{policy}' (use fefo or fifo)", policy=policy),
            field="policy",
        )
