"""Values every template may use. Templates format; they do not decide."""

from __future__ import annotations

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# The bottom bar an operator thumbs through: (endpoint, label, icon, minimum role).
NAV_ITEMS = (
    ("main.home", _l("Home"), "home", "operator"),
    ("stock.overview", _l("Stock"), "stock", "operator"),
    ("main.scan", _l("Scan"), "scan", "operator"),
    ("stock.receive", _l("Receive"), "receive", "operator"),
    ("main.menu", _l("More"), "menu", "operator"),
)

ROLE_LABELS = {"operator": _l("Operator"), "supervisor": _l("Supervisor"), "admin": _l("Admin")}


def template_globals() -> dict:
    nav = []
    if current_user.is_authenticated:
        nav = [item for item in NAV_ITEMS if current_user.can(item[3])]
    from shopfloor.web import choices

    return {
        "status_labels": choices.LOT_STATUS_LABELS,
        "label_size_names": dict(choices.LABEL_SIZES),
        "po_status_labels": choices.PO_STATUS_LABELS,
        "order_status_labels": choices.ORDER_STATUS_LABELS,
        "sales_status_labels": choices.SALES_STATUS_LABELS,
        "category_labels": choices.CATEGORY_LABELS,
        "urgency_labels": choices.URGENCY_LABELS,
        "reason_labels": choices.REASON_LABELS,
        "kind_labels": choices.ITEM_KIND_LABELS,
        "location_kind_labels": choices.LOCATION_KIND_LABELS,
        "nav_items": nav,
        "current_endpoint": request.endpoint,
        "current_locale": lambda: str(get_locale() or "en"),
        "role_labels": ROLE_LABELS,
    }


def _locale() -> str:
    return str(get_locale() or "en")


def _currency() -> str:
    from flask import g

    from shopfloor.services.settings import setting

    if "currency" not in g:
        g.currency = setting("currency")
    return g.currency


def register_filters(app) -> None:
    from shopfloor.web import choices, formatting

    # A global, not a context variable: the form macros imported without context use it.
    app.jinja_env.globals["units_for"] = choices.units_for

    @app.template_filter("qty")
    def _qty(value):
        return formatting.quantity(value, _locale())

    @app.template_filter("qty_field")
    def _qty_field(value):
        return formatting.field_quantity(value, _locale())

    @app.template_filter("money")
    def _money(value):
        """An amount with the workshop's currency, to the cent, exact on hover."""
        return formatting.money(value, _currency(), _locale())

    @app.template_filter("unit_cost")
    def _unit_cost(value):
        return formatting.unit_cost(value, _locale())

    @app.template_filter("unit")
    def _unit(value):
        return formatting.unit(value)

    @app.template_filter("day")
    def _day(value):
        return "" if value is None else value.isoformat()

    @app.template_filter("when")
    def _when(value):
        return "" if value is None else value.strftime("%Y-%m-%d %H:%M")
