"""Numbers and codes that commands hand out: order numbers and lot codes. Each comes from
a named counter row, so two concurrent commands never get the same one."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from shopfloor.database import insert_ignoring_conflicts
from shopfloor.domain import lot_codes
from shopfloor.models.master import Item, Sequence
from shopfloor.models.stock import Lot
from shopfloor.services.settings import setting


def next_number(session, name: str) -> int:
    """The next value of a named counter, unique even under concurrent commands: the
    UPDATE takes the row lock until the command commits."""
    insert_ignoring_conflicts(session, Sequence, name=name, value=0)
    return session.scalar(
        sa.update(Sequence).where(Sequence.name == name)
        .values(value=Sequence.value + 1).returning(Sequence.value))


def generate_lot_code(session, item: Item, on: date) -> str:
    """The next code from the workshop's lot code pattern for `item` on day `on`."""
    pattern = setting("lot_code_pattern")
    counter = lot_codes.sequence_key(pattern, item.sku, on)
    while True:  # skip numbers someone already used by typing a code by hand
        code = lot_codes.render_lot_code(pattern, item.sku, on, next_number(session, counter))
        if not session.scalar(sa.select(Lot.id).where(Lot.code == code)):
            return code
