"""Workshop settings: what the code reads (`setting`) and what an admin may change
(`update_settings`). Each is validated, stored as text and audited; a setting never stored
reads as its default from the one table below."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from shopfloor.database import command
from shopfloor.domain import fefo, lot_codes
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.labels.layouts import LABEL_SIZES
from shopfloor.models.master import Setting
from shopfloor.services import fields
from shopfloor.services.audit import record_change

# Every setting the code reads, with the value it has until someone stores another.
DEFAULTS = {
    "company_name": "Shopfloor",
    "company_address": "",
    "currency": "EUR",
    "lot_code_pattern": lot_codes.DEFAULT_PATTERN,
    "default_label_size": "62mm",
    "picking_policy": fefo.FEFO,
    # "on": each receipt's labels go to the default printer by itself (services.printing).
    "auto_print_receipts": "off",
    # Where a completed order's output goes when the operator does not say (a location
    # code; empty: the first storage location). Not on the settings page.
    "output_location": "",
}
# The settings an admin changes on the settings page and through the API.
EDITABLE = ("company_name", "company_address", "currency", "lot_code_pattern",
            "default_label_size", "picking_policy", "auto_print_receipts")


def setting(name: str) -> str:
    """The stored value of a workshop setting, or its default."""
    row = db.session.get(Setting, name)
    return row.value if row is not None else DEFAULTS[name]


def _validate(name: str, data: Mapping) -> str:
    if name == "company_name":
        return fields.text(data, name, required=True, max_length=200)
    if name == "company_address":
        return (fields.text(data, name, max_length=500) or "").strip()
    if name == "currency":
        value = (fields.text(data, name, required=True, max_length=3) or "").upper()
        if len(value) != 3 or not value.isalpha():
            raise ValidationError(t("currency must be a three-letter code such as EUR or RON"),
                                  field=name)
        return value
    if name == "lot_code_pattern":
        return lot_codes.validate_pattern(fields.text(data, name, required=True, max_length=80))
    if name == "default_label_size":
        return fields.choice(data, name, tuple(LABEL_SIZES), required=True)
    if name == "picking_policy":
        return fields.choice(data, name, fefo.POLICIES, required=True)
    if name == "auto_print_receipts":
        return fields.choice(data, name, ("on", "off"), default="off")
    raise ValidationError(t("unknown setting {name}", name=name), field=name)


def all_settings() -> dict[str, str]:
    stored = dict(db.session.execute(sa.select(Setting.key, Setting.value)).all())
    return {name: stored.get(name, DEFAULTS[name]) for name in EDITABLE}


def update_settings(data: Mapping, user) -> dict[str, str]:
    """Change the settings named in `data`; unknown names are refused."""
    unknown = [name for name in data if name not in EDITABLE and name not in (
        "csrf_token", "idempotency_key")]
    if unknown:
        raise ValidationError(t("unknown setting {name}", name=unknown[0]), field=unknown[0])
    with command() as session:
        before = all_settings()
        for name in EDITABLE:
            if name not in data:
                continue
            value = _validate(name, data)
            row = session.get(Setting, name)
            if row is None:
                session.add(Setting(key=name, value=value))
            else:
                row.value = value
        session.flush()
        after = all_settings()
        record_change(user, "settings", "workshop", before, after)
    return after
