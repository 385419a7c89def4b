"""Exact decimal columns.

SQLite has no decimal type: SQLAlchemy's Numeric is a float underneath there and SUM()
drifts. So quantities and money are stored as integers scaled by 10**6 and turned back into
Decimal on the way out. Both databases add integers exactly, so SUM() stays exact, and a
CHECK such as `quantity >= 0` works on the stored integer.

A value with more places than the column keeps is refused rather than rounded: rounding is a
business decision and belongs to the domain (shopfloor.domain.quantities), not to storage.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from shopfloor.domain.quantities import MONEY_PLACES, QUANTITY_PLACES


class _ScaledDecimal(TypeDecorator):
    impl = BigInteger
    cache_ok = True
    places = 6

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are not stored: pass a Decimal")
        number = Decimal(value)
        scaled = number.scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{number} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(value).scaleb(-self.places)

    @property
    def python_type(self):
        return Decimal


class Quantity(_ScaledDecimal):
    """A quantity in an item's base unit, exact to 10**-6 of the unit."""

    places = QUANTITY_PLACES
    cache_ok = True


class Money(_ScaledDecimal):
    """An amount of money (or a cost per base unit), exact to 10**-6 of the currency."""

    places = MONEY_PLACES
    cache_ok = True


def render_item(type_, obj, autogen_context):
    """Alembic: write exact-decimal columns into migrations as the BIGINT they are, so a
    migration never imports application code that may change after it was written."""
    if type_ == "type" and isinstance(obj, _ScaledDecimal):
        return "sa.BigInteger()"
    return False
