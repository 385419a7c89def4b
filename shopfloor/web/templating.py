"""Values every template may use. Templates format; they do not decide."""

from __future__ import annotations

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# The bottom bar an operator thumbs through: (endpoint, label, icon, minimum role).
NAV_ITEMS = (
    ("main.home", _l("Home"), "home", "operator"),
    ("main.scan", _l("Scan"), "scan", "operator"),
)

ROLE_LABELS = {"operator": _l("Operator"), "supervisor": _l("Supervisor"), "admin": _l("Admin")}


def template_globals() -> dict:
    nav = []
    if current_user.is_authenticated:
        nav = [item for item in NAV_ITEMS if current_user.can(item[3])]
    return {
        "nav_items": nav,
        "current_endpoint": request.endpoint,
        "current_locale": lambda: str(get_locale() or "en"),
        "role_labels": ROLE_LABELS,
    }
