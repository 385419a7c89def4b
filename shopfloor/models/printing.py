"""Label printers on the workshop network (docs/ARCHITECTURE.md, "Phones and printers")."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shopfloor.extensions import db
from shopfloor.models.base import utcnow

# zpl: a Zebra (or compatible) taking ZPL on a raw TCP port, 9100 by default.
# ipp: a queue of a CUPS server or an IPP printer, sent the label as a PNG image.
PRINTER_KINDS = ("zpl", "ipp")
DEFAULT_PORTS = {"zpl": 9100, "ipp": 631}


class Printer(db.Model):
    __tablename__ = "printers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    host: Mapped[str] = mapped_column(sa.String(255))
    port: Mapped[int] = mapped_column()
    queue: Mapped[str | None] = mapped_column(sa.String(200))
    # At most one printer is the default (kept so by services.printing).
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
