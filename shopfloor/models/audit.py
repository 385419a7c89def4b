"""The audit trail: who changed what master data or status, when, before and after. The
ledger already records every movement; this records everything else a recall or an
auditor asks about."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.users import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entity: Mapped[str] = mapped_column(sa.String(30))
    entity_key: Mapped[str] = mapped_column(sa.String(200))  # as long as any name
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_audit_events_entity", "entity", "entity_key"),)
