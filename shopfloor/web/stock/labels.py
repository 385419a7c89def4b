"""The lot label: what is printed comes from the lot and its first receipt or production."""

from __future__ import annotations

from flask import url_for

from shopfloor.http.printing import lot_label
from shopfloor.models.stock import Lot
from shopfloor.services.settings import setting
from shopfloor.web.labels import label_response


def lot_label_response(lot: Lot):
    return label_response("lot", lot_label(lot), title=lot.code,
                          back_url=url_for("stock.lot_page", code=lot.code),
                          default_size=setting("default_label_size"))
