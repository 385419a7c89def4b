"""Label printers in the API (docs/ARCHITECTURE.md, "Phones and printers"): admins list and
add them; operators send a lot's label to one. Sending changes nothing in the books and takes
no Idempotency-Key: it holds no transaction open while a printer times out, and a print agent
that repeats a request wants the label printed again."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import shapes as S
from shopfloor.api.blueprint import bp, payload
from shopfloor.api.openapi import operation
from shopfloor.http.idempotency import idempotent
from shopfloor.http.printing import lot_label
from shopfloor.services import printing, stock
from shopfloor.services.settings import setting


@bp.get("/printers")
@allow("admin")
@operation("Label printers", "Printing", answer=list[S.Printer])
def list_printers():
    return [printing.printer_json(p) for p in printing.list_printers()]


@bp.post("/printers")
@allow("admin")
@idempotent
@operation("Add a label printer", "Printing", ok=201, answer=S.Printer, body=S.PrinterInput,
           errors="409")
def create_printer():
    return printing.printer_json(printing.create_printer(payload(), current_user)), 201


@bp.post("/lots/<path:code>/print")
@allow("operator")
@operation("Send a lot's label to a printer", "Printing", ok=202, answer=S.PrintResult,
           body=S.PrintInput, errors="404 502")
def print_lot_label(code):
    """202 when the printer took the label; 502 with the printer's error when it did not."""
    lot = stock.get_lot(code, field="code")
    printer, size, copies = printing.print_options(payload(), setting("default_label_size"))
    result = printing.send_lot_label(printer, lot_label(lot), size, copies,
                                     current_user.username, _)
    return {"lot": lot.code, "printer": result.printer, "size": result.size,
            "copies": result.copies}, 202
