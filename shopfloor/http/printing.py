"""Label printing shared by the pages and the API: the lot label as it is printed, and
the receipt's labels sent to the default printer after the receipt committed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import after_this_request, current_app, flash, request
from flask_babel import gettext as _
from flask_login import current_user

from shopfloor.domain.errors import DomainError
from shopfloor.domain.messages import translate
from shopfloor.domain.quantities import format_quantity
from shopfloor.extensions import db
from shopfloor.labels.layouts import build_lot_label, lot_mark
from shopfloor.models.stock import Lot, StockMove
from shopfloor.services import fields, printing, stock
from shopfloor.services.clock import today
from shopfloor.services.settings import setting


def base_url() -> str:
    return current_app.config.get("SHOPFLOOR_BASE_URL") or request.host_url.rstrip("/")


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


def print_receipt_after_commit(lot_code: str, copies=1, *, json_answer: bool = False) -> None:
    """When receipts print by themselves, send the new lot's labels to the default printer
    once the response is made — after the receipt (and its idempotency key) committed, so a
    printer that is off never loses a receipt nor holds the database while it times out. The
    outcome is said on the next page, or added to the API answer as `print`."""
    printer = printing.auto_print_printer()
    if printer is None:
        return
    printer_name = printer.name
    try:
        copies = fields.integer({"copies": copies}, "copies", minimum=1,
                                maximum=printing.MAX_COPIES) or 1
    except DomainError:
        copies = 1
    username = current_user.username

    @after_this_request
    def _print(response):
        if response.status_code >= 400:
            return response
        outcome = {"printer": printer_name, "copies": copies, "sent": True, "error": None}
        try:
            chosen = printing.get_printer(printer_name)
            printing.send_lot_label(chosen, lot_label(stock.get_lot(lot_code)),
                                    setting("default_label_size"), copies, username, _)
        except DomainError as error:
            outcome.update(sent=False, error=translate(error.message, _))
        if json_answer:
            body = response.get_json(silent=True)
            if isinstance(body, dict):
                body["print"] = outcome
                response.set_data(current_app.json.dumps(body))
        elif outcome["sent"]:
            flash(_("Sent %(copies)s label(s) to %(printer)s.", copies=copies,
                    printer=printer_name), "success")
        else:
            flash(_("The lot was received, but its labels were not printed: %(reason)s. "
                    "Send them again below.", reason=outcome["error"]), "error")
        return response
