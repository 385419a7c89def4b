"""Recording changes in the audit trail, inside the command that makes them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shopfloor.extensions import db
from shopfloor.models.audit import AuditEvent


def _plain(value):
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def record_change(user, entity: str, key: str, before: dict | None, after: dict | None,
                  reason: str | None = None) -> None:
    before = {k: _plain(v) for k, v in (before or {}).items()}
    after = {k: _plain(v) for k, v in (after or {}).items()}
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    if not changed:
        return
    db.session.add(AuditEvent(
        user_id=getattr(user, "id", None), entity=entity, entity_key=key,
        before={k: before.get(k) for k in sorted(changed)} or None,
        after={k: after.get(k) for k in sorted(changed)} or None, reason=reason))
