"""Remembered responses for `Idempotency-Key` (docs/ARCHITECTURE.md, "Idempotency"): a
repeated key returns the
first response and changes nothing. Stored in the same transaction as the command's
effect, so a key is recorded exactly when its effect is."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shopfloor.extensions import db
from shopfloor.models.base import utcnow

# A phone may be offline for a week before it replays its outbox; keep keys well past that.
RETENTION_DAYS = 60


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(100))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None]
    content_type: Mapped[str | None] = mapped_column(sa.String(100))
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    location: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)
