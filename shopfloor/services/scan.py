"""What a scanned text points at: a lot, an item, a location or an order
(docs/ARCHITECTURE.md, "Labels and scanning").

Accepted: a lot URL (`…/l/<code>`), a GS1 Digital Link, a GS1 element string (with or
without parentheses, FNC1 or a symbology prefix), a lot code, a SKU, a GTIN, a location
code or URL, an order number. A supplier's GS1 barcode on a received container finds our
lot by the supplier's lot number.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from shopfloor.domain.errors import NotFound, ValidationError
from shopfloor.domain.gs1 import parse_gs1
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.models.master import Item, Location
from shopfloor.models.stock import Lot
from shopfloor.services.production import find_order_number


@dataclass(frozen=True)
class ScanResult:
    type: str  # lot | item | location | order
    key: str


def resolve(text: str) -> ScanResult:
    code = (text or "").strip()
    if not code:
        raise ValidationError(t("code is required"), field="code")
    if len(code) > 500:
        raise ValidationError(t("code is too long"), field="code")

    path_result = _from_app_url(code)
    if path_result is not None:
        return path_result

    lot_code = db.session.scalar(sa.select(Lot.code).where(Lot.code == code))
    if lot_code:
        return ScanResult("lot", lot_code)
    location_code = db.session.scalar(sa.select(Location.code).where(Location.code == code))
    if location_code:
        return ScanResult("location", location_code)
    sku = db.session.scalar(sa.select(Item.sku).where(
        sa.or_(Item.sku == code, sa.func.upper(Item.sku) == code.upper())))
    if sku:
        return ScanResult("item", sku)
    number = find_order_number(code)
    if number:
        return ScanResult("order", number)
    # GS1 last: a plain number that happens to be one of our codes must win over reading it
    # as a GTIN.
    gs1 = parse_gs1(code)
    if gs1 is not None and gs1.gtin:
        item = db.session.scalar(sa.select(Item).where(Item.gtin == gs1.gtin))
        if gs1.lot:
            lot = _lot_for_gs1(item, gs1.lot)
            if lot is not None:
                return ScanResult("lot", lot.code)
        if item is not None:
            return ScanResult("item", item.sku)

    raise NotFound(t("nothing is known by the code {code}", code=code), field="code")


def _lot_for_gs1(item: Item | None, lot_text: str) -> Lot | None:
    query = sa.select(Lot).where(Lot.code == lot_text)
    if item is not None:
        query = query.where(Lot.item_id == item.id)
    lot = db.session.scalar(query)
    if lot is None and item is not None:
        # A supplier's own barcode: their lot number is our lot's supplier_lot.
        lot = db.session.scalar(
            sa.select(Lot).where(Lot.item_id == item.id, Lot.supplier_lot == lot_text)
            .order_by(Lot.id.desc()).limit(1))
    return lot


def _from_app_url(code: str) -> ScanResult | None:
    """`…/l/<code>` and `…/locations/<code>` on any host: a label printed before a move to a
    new address still scans."""
    if "://" not in code:
        return None
    path = urlsplit(code).path
    if path.startswith("/orders/"):
        number = find_order_number(unquote(path[len("/orders/"):]).strip("/"))
        if number:
            return ScanResult("order", number)
        raise NotFound(t("no such production order"), field="code")
    for prefix, kind in (("/l/", "lot"), ("/locations/", "location")):
        if path.startswith(prefix):
            key = unquote(path[len(prefix):]).strip("/")
            model, column = (Lot, Lot.code) if kind == "lot" else (Location, Location.code)
            if db.session.scalar(sa.select(column).where(column == key)):
                return ScanResult(kind, key)
            raise NotFound(t("no lot with code {code}", code=key) if kind == "lot"
                           else t("no location with code {code}", code=key), field="code")
    return None


def gs1_fields(text: str) -> dict:
    """What a supplier's GS1 barcode says, as receipt form fields: item (by GTIN),
    supplier_lot, expiry, quantity and unit."""
    from shopfloor.domain.quantities import format_quantity

    gs1 = parse_gs1((text or "").strip())
    if gs1 is None:
        raise ValidationError(t("this is not a GS1 barcode"), field="gs1")
    item = None
    if gs1.gtin:
        item = db.session.scalar(sa.select(Item).where(Item.gtin == gs1.gtin))
    expiry = gs1.expiry or gs1.best_before
    return {
        "item": item.sku if item else None,
        "gtin": gs1.gtin,
        "supplier_lot": gs1.lot,
        "expiry": expiry.isoformat() if expiry else None,
        "quantity": format_quantity(gs1.quantity) if gs1.quantity is not None else None,
        "unit": gs1.unit,
    }
