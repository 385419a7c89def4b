"""The workshop's date. One function, so that every command reads "today" the same way
(and a test or a benchmark can move the clock in one place)."""

from __future__ import annotations

from datetime import date


def today() -> date:
    return date.today()
