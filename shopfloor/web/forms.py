"""Plain HTML forms that post the API's field names to the same services. A refusal is
shown inline next to the field it names, with what the person typed kept."""

from __future__ import annotations

import re
import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from shopfloor.domain.errors import DomainError
from shopfloor.domain.messages import Message, translate


class FormErrors(dict):
    """field name -> translated message; `general` for errors that name no field."""

    @classmethod
    def from_error(cls, error: DomainError, fields=()) -> FormErrors:
        """An error naming a field the form shows goes next to it; any other on top. The
        message names the field by its label in the reader's language ("Counted quantity
        must be a number", not "counted_quantity must be…")."""
        field = error.field if error.field in fields else "general"
        return cls({field: labelled_message(error)})


FIELD_LABELS = {
    "quantity": _l("Quantity"), "counted_quantity": _l("Counted quantity"),
    "unit": _l("Unit"), "unit_cost": _l("Cost per unit"), "unit_price": _l("Price per unit"),
    "lot": _l("Lot"), "lot_code": _l("Lot code"), "location": _l("Location"),
    "from": _l("From"), "to": _l("To"), "item": _l("Item"), "expiry": _l("Expiry"),
    "supplier": _l("Supplier"), "supplier_lot": _l("Supplier lot"),
    "customer": _l("Customer"), "reference": _l("Reference"), "reason": _l("Reason"),
    "override_reason": _l("Reason"), "due_date": _l("Due date"), "product": _l("Product"),
    "copies": _l("Labels to print"), "yield_quantity": _l("Yield"),
    "min_shelf_life_days": _l("Minimum shelf life (days)"), "price": _l("Price per unit"),
}
"""The labels the pages give the API's field names, for messages that name a field."""


def labelled_message(error: DomainError, labels=None) -> str:
    """The error in the reader's language, its `{field}` the field's label (`labels`
    first: a form's own names for fields such as `returns[0].quantity`)."""
    message = error.message
    known = {**FIELD_LABELS, **(labels or {})}
    if isinstance(message, Message) and message.params.get("field") in known:
        label = str(known[message.params["field"]])
        message = Message(message.template, {**message.params, "field": label})
        text = translate(message, _)
        return text[:1].upper() + text[1:]
    return translate(message, _)


def new_idempotency_key() -> str:
    """Rendered into each form so a double tap or a resent form applies once."""
    return uuid.uuid4().hex


_LINE_KEY = re.compile(r"^lines-(\d{1,3})-([a-z_]{1,30})$")


def line_rows(values, fields) -> list[dict[str, str]]:
    """The rows of a form that lists lines (a recipe's components, an order's items) from
    its `lines-<n>-<field>` fields, in row order, each with every one of `fields`."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in values.items():
        match = _LINE_KEY.match(key)
        if match and match[2] in fields:
            row = rows.setdefault(int(match[1]), dict.fromkeys(fields, ""))
            row[match[2]] = value.strip()
    return [rows[n] for n in sorted(rows)]
