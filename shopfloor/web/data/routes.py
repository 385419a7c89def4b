"""Data pages for supervisors: import spreadsheets (check, then apply all or nothing),
export everything, and the accounting journal. Views parse, call one service, render."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.domain.errors import DomainError
from shopfloor.domain.messages import translate
from shopfloor.http.downloads import journal_csv_response, zip_response
from shopfloor.http.idempotency import idempotent
from shopfloor.services import exports, imports, journal
from shopfloor.web.forms import FormErrors, new_idempotency_key

bp = Blueprint("data", __name__, url_prefix="/data")

#: Problems listed on the page; the rest are counted (a file can have thousands).
SHOWN_PROBLEMS = 500
SHOWN_JOURNAL_ENTRIES = 300

IMPORT_LABELS = {
    "items": _l("Items"),
    "suppliers": _l("Suppliers"),
    "customers": _l("Customers"),
    "locations": _l("Locations"),
    "recipes": _l("Recipes"),
    "opening_stock": _l("Opening stock"),
}

_PARTY_HELP = {
    "name": _l("Unique name"),
    "contact": _l("Contact person"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "address": _l("Address"),
    "notes": _l("Notes"),
    "archived": _l("true to keep it only for history"),
}

COLUMN_HELP = {
    "items": {
        "sku": _l("Unique code people type and scan: letters, digits and . _ / -"),
        "name": _l("Name"),
        "kind": _l("material, intermediate or product"),
        "unit": _l("Base unit: g, kg, mg, lb, oz, ml, l, cl or pcs"),
        "reorder_point": _l("Order more below this quantity"),
        "reorder_quantity": _l("How much to order"),
        "default_supplier": _l("Name of a supplier that already exists"),
        "shelf_life_days": _l("Days from receipt to expiry"),
        "gtin": _l("GTIN-8/12/13/14 from the barcode, with a valid check digit"),
        "density": _l("g per ml, to convert mass and volume"),
        "price": _l("Sale price of a product"),
        "archived": _l("true to keep it only for history"),
    },
    "suppliers": _PARTY_HELP,
    "customers": _PARTY_HELP,
    "locations": {
        "code": _l("Unique code printed on the location label"),
        "name": _l("Name"),
        "kind": _l("storage, production, shipping or quarantine"),
        "archived": _l("true to keep it only for history"),
    },
    "recipes": {
        "product": _l("SKU of the product or intermediate; one row per line, the rows of one "
                      "recipe together (leave it empty to continue the recipe above)"),
        "yield_quantity": _l("How much one batch of the recipe makes"),
        "unit": _l("Unit of the yield (the product's unit when empty)"),
        "labour_minutes": _l("Labour for one yield, in minutes"),
        "labour_rate": _l("Labour cost per hour"),
        "overhead": _l("Overhead for one yield"),
        "notes": _l("Notes"),
        "item": _l("SKU of the component on this line"),
        "quantity": _l("Quantity of the component for one yield"),
        "line_unit": _l("Unit of that quantity (the component's unit when empty)"),
        "loss_percent": _l("Expected loss of the component, in percent"),
    },
    "opening_stock": {
        "item": _l("SKU"),
        "quantity": _l("Quantity on hand"),
        "unit": _l("Unit of the quantity (the item's unit when empty)"),
        "location": _l("Location code"),
        "unit_cost": _l("Cost per unit above"),
        "lot_code": _l("Lot code (one is made when empty)"),
        "expiry": _l("Expiry as 2026-12-31 (today plus the shelf life when empty)"),
        "supplier_lot": _l("The supplier's lot number"),
        "supplier": _l("Name of a supplier that already exists"),
    },
}

EXPORT_LABELS = {
    "items": _l("Items"),
    "suppliers": _l("Suppliers"),
    "customers": _l("Customers"),
    "locations": _l("Locations"),
    "lots": _l("Lots"),
    "stock_balances": _l("Stock on hand per lot and location"),
    "stock_moves": _l("Stock moves (the whole ledger)"),
    "recipes": _l("Recipes with their lines, every version"),
    "production_orders": _l("Production orders with costs"),
    "production_picks": _l("Production picks"),
    "shipments": _l("Shipments with their lines"),
    "genealogy": _l("Genealogy: which lots went into which"),
    "stock_counts": _l("Stock counts"),
    "audit_events": _l("Audit trail"),
}


@bp.route("")
@allow("supervisor")
def index():
    return render_template("data/index.html", import_labels=IMPORT_LABELS,
                           export_labels=EXPORT_LABELS)


# --- import --------------------------------------------------------------------------------------

def _render_import(kind: imports.ImportKind, result: imports.ImportResult | None = None,
                   errors: FormErrors | None = None, status: int = 200,
                   applying: bool = False):
    problems = []
    if result is not None:
        problems = [{"row": p.row, "field": p.field, "message": translate(p.message, _)}
                    for p in result.problems[:SHOWN_PROBLEMS]]
    return render_template(
        "data/import.html", kind=kind, label=IMPORT_LABELS[kind.name],
        help=COLUMN_HELP[kind.name], result=result, problems=problems,
        hidden_problems=max(len(result.problems) - SHOWN_PROBLEMS, 0) if result else 0,
        errors=errors or FormErrors(), applying=applying,
        idempotency_key=new_idempotency_key()), status


def _upload() -> bytes | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    return upload.read()


@bp.route("/import/<kind>", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def import_page(kind):
    """GET: the form and the columns. POST: apply the file, all or nothing."""
    found = imports.get_kind(kind)
    if request.method == "GET":
        return _render_import(found)
    content = _upload()
    if content is None:
        return _render_import(found, errors=FormErrors({"file": _("Choose a CSV file.")}),
                              status=422)
    result = imports.run_import(found.name, content, current_user, apply=True)
    if not result.applied:
        return _render_import(found, result, status=422, applying=True)
    flash(_("Imported %(rows)s rows: %(created)s %(what)s created.", rows=result.rows,
            created=result.created, what=IMPORT_LABELS[found.name].lower()), "success")
    return redirect(url_for("data.import_page", kind=found.name))


@bp.route("/import/<kind>/check", methods=["POST"])
@allow("supervisor")
def import_check(kind):
    """The dry run: every row checked, nothing kept."""
    found = imports.get_kind(kind)
    content = _upload()
    if content is None:
        return _render_import(found, errors=FormErrors({"file": _("Choose a CSV file.")}),
                              status=422)
    return _render_import(found, imports.run_import(found.name, content, current_user,
                                                    apply=False))


@bp.route("/import/<kind>/template.csv")
@allow("supervisor")
def import_template(kind):
    found = imports.get_kind(kind)
    return Response("\ufeff" + imports.template_csv(found.name), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="{found.name}-template.csv"'})


# --- export --------------------------------------------------------------------------------------

@bp.route("/export.zip")
@allow("supervisor")
def export_zip():
    return zip_response()


@bp.route("/export/<kind>.csv")
@allow("supervisor")
def export_csv(kind):
    found = exports.get_kind(kind)
    exports.begin_snapshot()
    return Response(stream_with_context(exports.csv_chunks(found)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{found.name}.csv"'})


# --- accounting journal ---------------------------------------------------------------------------

def _period() -> tuple[date | None, date, FormErrors]:
    try:
        start, end = journal.parse_period(request.args)
    except DomainError as error:
        today = date.today()
        return today.replace(day=1), today, FormErrors.from_error(error, ("from", "to"))
    return start, end, FormErrors()


@bp.route("/journal")
@allow("supervisor")
def journal_page():
    start, end, errors = _period()
    found = journal.build(start, end)
    lines = sum(len(entry.lines) for entry in found.entries)
    return render_template("data/journal.html", journal=found, errors=errors,
                           accounts=found.accounts(),
                           entries=found.entries[:SHOWN_JOURNAL_ENTRIES],
                           hidden_entries=max(len(found.entries) - SHOWN_JOURNAL_ENTRIES, 0),
                           line_count=lines,
                           values={"from": start.isoformat() if start else "",
                                   "to": end.isoformat()}), 422 if errors else 200


@bp.route("/journal.csv")
@allow("supervisor")
def journal_csv():
    start, end = journal.parse_period(request.args)
    return journal_csv_response(journal.build(start, end))
