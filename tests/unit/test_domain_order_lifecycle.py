"""The production order's lifecycle: which command each state allows, and where it leads."""

from __future__ import annotations

import pytest

from shopfloor.domain import order_lifecycle as lifecycle
from shopfloor.domain.errors import Conflict

ALLOWED = {
    ("release", "draft"): "released",
    ("pick", "released"): "in_progress",
    ("pick", "in_progress"): "in_progress",
    ("complete", "released"): "completed",
    ("complete", "in_progress"): "completed",
    ("cancel", "draft"): "cancelled",
    ("cancel", "released"): "cancelled",
    ("cancel", "in_progress"): "cancelled",
}


@pytest.mark.parametrize("command", ["release", "pick", "complete", "cancel"])
@pytest.mark.parametrize("status", lifecycle.STATUSES)
def test_each_command_is_allowed_only_in_its_states(command, status):
    assert lifecycle.allows(command, status) == ((command, status) in ALLOWED)
    if (command, status) in ALLOWED:
        assert lifecycle.after(command, status) == ALLOWED[command, status]


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_closed_order_allows_nothing(status):
    assert lifecycle.is_closed(status)
    flags = lifecycle.flags(status)
    assert not (flags.can_release or flags.can_pick or flags.can_complete or flags.can_cancel)


def test_a_draft_holds_nothing_and_cannot_be_picked():
    flags = lifecycle.flags("draft")
    assert flags.is_draft and flags.can_release and flags.can_cancel
    assert not flags.can_pick and not flags.holds_reservations


def test_only_a_completed_order_has_an_output():
    assert [s for s in lifecycle.STATUSES if lifecycle.has_output(s)] == ["completed"]


def test_a_refused_command_says_the_state_on_the_status_field():
    with pytest.raises(Conflict) as refused:
        lifecycle.require("pick", "MO-000001", "draft")
    assert refused.value.field == "status"
    assert "MO-000001" in refused.value.message
    lifecycle.require("pick", "MO-000001", "released")  # allowed: no refusal
