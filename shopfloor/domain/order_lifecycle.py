"""The life of a production order: its states, the commands each state allows, and what
each command leaves it in (docs/ARCHITECTURE.md, "The production order's lifecycle").

    draft ──release──▶ released ──pick──▶ in_progress ──complete──▶ completed
      │                   │  └──────complete──────────────┘
      └──────cancel───────┴──────cancel──────▶ cancelled ◀──cancel── in_progress

A draft holds nothing. Releasing reserves every requirement and opens the order's work in
progress; picks move stock into it (and may go on after the first); completing consumes it
and makes the output lot; cancelling gives everything back. Completed and cancelled orders
are closed: nothing changes them.

Services ask `require(command, …)` before acting and `after(command, status)` for the new
state; pages ask the questions (`can_pick`, …) or `flags`, never compare status words.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import Conflict
from .messages import t, word

DRAFT = "draft"
RELEASED = "released"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
CANCELLED = "cancelled"
STATUSES = (DRAFT, RELEASED, IN_PROGRESS, COMPLETED, CANCELLED)
OPEN_STATUSES = (DRAFT, RELEASED, IN_PROGRESS)

RELEASE = "release"
PICK = "pick"
COMPLETE = "complete"
CANCEL = "cancel"

# command -> {state it is allowed in: the state it leaves the order in}
TRANSITIONS: dict[str, dict[str, str]] = {
    RELEASE: {DRAFT: RELEASED},
    PICK: {RELEASED: IN_PROGRESS, IN_PROGRESS: IN_PROGRESS},
    COMPLETE: {RELEASED: COMPLETED, IN_PROGRESS: COMPLETED},
    CANCEL: {DRAFT: CANCELLED, RELEASED: CANCELLED, IN_PROGRESS: CANCELLED},
}


def allows(command: str, status: str) -> bool:
    return status in TRANSITIONS[command]


def after(command: str, status: str) -> str:
    """The state `command` leaves an order in that was `status` (which must allow it)."""
    return TRANSITIONS[command][status]


def can_release(status: str) -> bool:
    return allows(RELEASE, status)


def can_pick(status: str) -> bool:
    return allows(PICK, status)


def can_complete(status: str) -> bool:
    return allows(COMPLETE, status)


def can_cancel(status: str) -> bool:
    return allows(CANCEL, status)


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def is_draft(status: str) -> bool:
    return status == DRAFT


def is_closed(status: str) -> bool:
    """Completed or cancelled: what it used is settled and shown as history."""
    return not is_open(status)


def holds_reservations(status: str) -> bool:
    """Released and not yet closed: its requirements hold stock and its work in progress
    may hold picks (what it still needs is what is not yet picked)."""
    return status in (RELEASED, IN_PROGRESS)


def has_output(status: str) -> bool:
    """Completed: it made an output lot and has costs and variances."""
    return status == COMPLETED


_REFUSALS = {
    RELEASE: lambda number, status: t("{order} is {status}; only a draft can be released",
                                      order=number, status=word(status)),
    PICK: lambda number, status: t("{order} is {status}; picks need a released order",
                                   order=number, status=word(status)),
    COMPLETE: lambda number, status: t("{order} is {status}; only a released or started "
                                       "order can be completed",
                                       order=number, status=word(status)),
    CANCEL: lambda number, status: t("{order} is {status}", order=number, status=word(status)),
}


def require(command: str, number: str, status: str) -> None:
    """Refuse (409, field "status") a command the order's state does not allow, saying
    which state it is in."""
    if not allows(command, status):
        raise Conflict(_REFUSALS[command](number, status), field="status")


@dataclass(frozen=True)
class OrderFlags:
    """What a page may offer for an order in one state."""

    can_release: bool
    can_pick: bool
    can_complete: bool
    can_cancel: bool
    is_draft: bool
    is_closed: bool
    holds_reservations: bool
    has_output: bool


def flags(status: str) -> OrderFlags:
    return OrderFlags(can_release=can_release(status), can_pick=can_pick(status),
                      can_complete=can_complete(status), can_cancel=can_cancel(status),
                      is_draft=is_draft(status), is_closed=is_closed(status),
                      holds_reservations=holds_reservations(status),
                      has_output=has_output(status))
