"""Finding one row by its business code, or refusing with 404 naming the field. Every kind
(items, locations, lots, suppliers, customers, orders, shipments, purchase orders) is
looked up through `the_one`, so a miss reads the same everywhere."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from shopfloor.domain.errors import NotFound
from shopfloor.extensions import db


def the_one(model, column, value, not_found: Callable[[], str], field: str, *,
            lock: bool = False):
    """The row of `model` whose `column` is `value`, or 404 naming `field` with the message
    `not_found()` (made only then: lookups sit on every scan and receipt). With `lock`, the
    row is locked for the command and read afresh."""
    query = sa.select(model).where(column == value)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = db.session.scalar(query)
    if found is None:
        raise NotFound(not_found(), field=field)
    return found


def contains(text: str) -> str:
    """A LIKE pattern (with `ESCAPE '\\'`) matching any value containing `text` as typed:
    its %, _ and backslashes are matched literally, not as wildcards."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
