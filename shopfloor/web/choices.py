"""Option lists and labels for pages (translated where people read them)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shopfloor.domain.units import UNIT_CHOICES, can_convert
from shopfloor.extensions import db
from shopfloor.models.master import Customer, Item, Location, Supplier
from shopfloor.models.stock import Balance, Lot

ITEM_KIND_LABELS = {"material": _l("Material"), "intermediate": _l("Intermediate"),
                    "product": _l("Product")}
LOCATION_KIND_LABELS = {"storage": _l("Storage"), "production": _l("Production"),
                        "shipping": _l("Shipping"), "quarantine": _l("Quarantine"),
                        "wip": _l("Work in progress")}
LOT_STATUS_LABELS = {"available": _l("available"), "quarantine": _l("in quarantine"),
                     "rejected": _l("rejected")}
URGENCY_LABELS = {"expired": _l("Expired"), "soon": _l("Expires soon"), "ok": _l("OK"),
                  "none": _l("No expiry")}
REASON_LABELS = {"receipt": _l("Receipt"), "transfer": _l("Transfer"), "pick": _l("Pick"),
                 "return": _l("Return"), "consume": _l("Consumed"), "produce": _l("Produced"),
                 "ship": _l("Shipped"), "adjust": _l("Adjustment"), "scrap": _l("Scrap")}
LABEL_SIZES = (("62mm", _l("62 mm roll")), ("4x6", _l("4×6 in")), ("2x1", _l("2×1 in")),
               ("a4", _l("A4 sheet")))


def items(kinds=None) -> list[tuple[str, str]]:
    query = sa.select(Item.sku, Item.name, Item.unit).where(Item.archived.is_(False))
    if kinds:
        query = query.where(Item.kind.in_(kinds))
    return [(sku, f"{sku} · {name} ({unit})")
            for sku, name, unit in db.session.execute(query.order_by(Item.sku))]


def locations() -> list[tuple[str, str]]:
    query = sa.select(Location.code, Location.name).where(
        Location.archived.is_(False), Location.kind != "wip").order_by(Location.code)
    return [(code, f"{code} · {name}") for code, name in db.session.execute(query)]


def suppliers() -> list[tuple[str, str]]:
    query = sa.select(Supplier.name).where(Supplier.archived.is_(False)).order_by(Supplier.name)
    return [(name, name) for name in db.session.scalars(query)]


def units_for(item: Item | None) -> list[str]:
    """The units a quantity of `item` may be typed in (every unit when it is not known yet,
    before a lot is scanned): its own first, then those that convert to it."""
    if item is None:
        return list(UNIT_CHOICES)
    return [item.unit] + [unit for unit in UNIT_CHOICES
                          if unit != item.unit and can_convert(unit, item.unit, item.density)]


def customers() -> list[tuple[str, str]]:
    query = sa.select(Customer.name).where(Customer.archived.is_(False)).order_by(Customer.name)
    return [(name, name) for name in db.session.scalars(query)]


def count_rows(location: Location, lots: list[str], counted: list[str], added: str | None):
    """The lines of a count sheet: what the location holds, plus lots scanned in, with
    what was typed so far."""
    held = db.session.execute(
        sa.select(Lot, Balance.quantity).join(Balance, Balance.lot_id == Lot.id)
        .where(Balance.location_id == location.id, Balance.quantity > 0)
        .order_by(Lot.code).options(sa.orm.joinedload(Lot.item))).all()
    typed = dict(zip(lots, counted, strict=False))
    rows = [{"lot": lot, "expected": quantity, "counted": typed.get(lot.code, "")}
            for lot, quantity in held]
    known = {row["lot"].code for row in rows}
    for code in [*lots, added]:
        code = (code or "").strip()
        if code and code not in known:
            lot = db.session.scalar(sa.select(Lot).where(Lot.code == code))
            if lot is not None:
                rows.append({"lot": lot, "expected": Decimal(0), "counted": typed.get(code, "")})
                known.add(code)
    return rows
PO_STATUS_LABELS = {"draft": _l("Draft"), "sent": _l("Sent"), "partial": _l("Partly received"),
                    "received": _l("Received"), "cancelled": _l("Cancelled")}
CATEGORY_LABELS = {"materials": _l("Raw materials"), "intermediates": _l("Intermediates"),
                   "wip": _l("Work in progress"), "finished": _l("Finished goods")}
ORDER_STATUS_LABELS = {"draft": _l("Draft"), "released": _l("Released"),
                       "in_progress": _l("In progress"), "completed": _l("Completed"),
                       "cancelled": _l("Cancelled")}
SALES_STATUS_LABELS = {"draft": _l("Draft"), "confirmed": _l("Confirmed"),
                       "partially_shipped": _l("Partly shipped"), "shipped": _l("Shipped"),
                       "cancelled": _l("Cancelled")}
