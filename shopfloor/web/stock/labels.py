"""The lot label: what is printed comes from the lot and its first receipt or production."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from shopfloor.domain.quantities import format_quantity
from shopfloor.extensions import db
from shopfloor.labels.layouts import build_lot_label, lot_mark
from shopfloor.models.stock import Lot, StockMove
from shopfloor.services.clock import today
from shopfloor.services.settings import setting
from shopfloor.web.labels import base_url, label_response


def original_quantity(lot: Lot):
    """What arrived in this lot (received or produced): the quantity its label states."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(StockMove.quantity), 0))
        .where(StockMove.lot_id == lot.id, StockMove.reason.in_(("receipt", "produce")),
               StockMove.from_location_id.is_(None)))


def lot_label(lot: Lot):
    return build_lot_label(
        base_url(), item_name=lot.item.name, sku=lot.item.sku, lot_code=lot.code,
        quantity=format_quantity(original_quantity(lot)), unit=lot.item.unit,
        expiry=lot.expiry, received_on=lot.received_on, supplier_lot=lot.supplier_lot,
        gtin=lot.item.gtin, mark=lot_mark(lot.status, lot.expiry, today()),
        produced=lot.origin == "production")


def lot_label_response(lot: Lot):
    return label_response("lot", lot_label(lot), title=lot.code,
                          back_url=url_for("stock.lot_page", code=lot.code),
                          default_size=setting("default_label_size"))
