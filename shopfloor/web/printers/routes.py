"""Label printers: admins add them and choose the default; operators send a lot's label
to one from its label page. Views parse, call services.printing, and render."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.domain.errors import DomainError, PrinterUnreachable
from shopfloor.domain.messages import translate
from shopfloor.http.idempotency import idempotent
from shopfloor.http.printing import lot_label
from shopfloor.models.printing import PRINTER_KINDS
from shopfloor.services import printing, stock
from shopfloor.services.settings import setting
from shopfloor.web.forms import FormErrors, new_idempotency_key

bp = Blueprint("printers", __name__)

FORM_FIELDS = ("name", "kind", "host", "port", "queue", "default")


@bp.route("/printers", methods=["GET", "POST"])
@allow("admin")
@idempotent
def printer_list():
    values = {"kind": "zpl"}
    errors = FormErrors()
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            printer = printing.create_printer(values, current_user)
        except DomainError as error:
            errors = FormErrors.from_error(error, FORM_FIELDS)
        else:
            flash(_("Printer %(name)s added.", name=printer.name), "success")
            return redirect(url_for("printers.printer_list"))
    kinds = [("zpl", _("Zebra (ZPL over the network, port 9100)")),
             ("ipp", _("CUPS or IPP queue"))]
    assert [k for k, _label in kinds] == list(PRINTER_KINDS)
    return render_template("printers/list.html", printers=printing.list_printers(),
                           values=values, errors=errors, kinds=kinds,
                           idempotency_key=new_idempotency_key()), 422 if errors else 200


@bp.route("/printers/<name>/default", methods=["POST"])
@allow("admin")
def make_default(name):
    printing.make_default_printer(name, current_user)
    flash(_("%(name)s is now the default printer.", name=name), "success")
    return redirect(url_for("printers.printer_list"))


@bp.route("/printers/<name>/delete", methods=["POST"])
@allow("admin")
def delete(name):
    printing.delete_printer(name, current_user)
    flash(_("Printer %(name)s removed.", name=name), "success")
    return redirect(url_for("printers.printer_list"))


@bp.route("/lots/<path:code>/print", methods=["POST"])
@allow("operator")
def print_lot_label(code):
    """The label page's *Send to printer*: straight to the chosen printer; a printer that
    does not answer is said so on the same page, to try again or print from the phone."""
    lot = stock.get_lot(code, field="code")
    data = request.form.to_dict()
    back = {"code": lot.code, "size": data.get("size") or None,
            "copies": data.get("copies") or None}
    try:
        printer, size, copies = printing.print_options(
            data, setting("default_label_size"))
        result = printing.send_lot_label(printer, lot_label(lot), size, copies,
                                         current_user.username, _)
    except PrinterUnreachable as error:
        flash(_("Not printed: %(reason)s. Nothing else was changed; try again, or print "
                "from this page.", reason=translate(error.message, _)), "error")
    except DomainError as error:
        flash(translate(error.message, _), "error")
    else:
        flash(_("Sent %(copies)s label(s) to %(printer)s.", copies=result.copies,
                printer=result.printer), "success")
    return redirect(url_for("stock.lot_label", **back))
