"""Demo data: a small candle and cosmetics workshop to try Shopfloor on."""

from __future__ import annotations

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.users import User
from shopfloor.services.auth import create_user

DEMO_PASSWORD = "shopfloor-demo"
DEMO_USERS = (("admin", "admin"), ("supervisor", "supervisor"), ("operator", "operator"))


def load_demo(only_if_empty: bool = False) -> bool:
    if only_if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return False
    for username, role in DEMO_USERS:
        create_user(username, DEMO_PASSWORD, role)
    return True
