"""Shipping, genealogy, recall and the audit trail as pages. Views parse the form (the API's
field names), call one service and render; a refusal comes back as the form with the
message next to what it names."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.domain.errors import DomainError
from shopfloor.domain.messages import translate
from shopfloor.domain.quantities import format_quantity
from shopfloor.http.idempotency import idempotent, request_key
from shopfloor.services import genealogy, sales, settings, shipping
from shopfloor.services.stock import get_lot, today
from shopfloor.web import choices
from shopfloor.web.forms import FormErrors, new_idempotency_key
from shopfloor.web.trace import queries

bp = Blueprint("trace", __name__)

SHIPMENT_FIELDS = ("customer", "reference", "notes", "sales_order")
LINE_FIELDS = ("lot", "quantity", "location", "unit")
LINE_PROBLEMS = {
    "unknown": _l("No lot has this code."),
    "expired": _l("Expired: it may not be shipped."),
    "quarantine": _l("In quarantine: it may not be shipped."),
    "rejected": _l("Rejected: it may not be shipped."),
    "empty": _l("Nothing of this lot is in a place it can be shipped from."),
}
AUDIT_ENTITY_LABELS = {"item": _l("Item"), "recipe": _l("Recipe"), "lot": _l("Lot"),
                       "user": _l("User"), "setting": _l("Setting"),
                       "location": _l("Location"), "supplier": _l("Supplier"),
                       "customer": _l("Customer")}


# --- shipping ---------------------------------------------------------------------------------

def _typed_lines(source) -> list[tuple[str, str, str, str]]:
    """(lot, quantity, location, unit) as typed: the fields repeat once per line."""
    codes, quantities, places, units = (source.getlist(name) for name in LINE_FIELDS)

    def nth(values: list[str], index: int) -> str:
        return values[index].strip() if index < len(values) else ""

    return [(code.strip(), nth(quantities, i), nth(places, i), nth(units, i))
            for i, code in enumerate(codes) if code.strip()]


def _edit_lines(rows: list[tuple[str, str, str, str]], action: str, added: str) -> list:
    """The "add" and "remove" buttons of the shipping form: a scanned or typed lot (or one
    picked from the suggestions) becomes a line with its quantity still to fill in."""
    if action.startswith("remove:"):
        index = action.removeprefix("remove:")
        return [row for i, row in enumerate(rows) if str(i) != index]
    code = action.removeprefix("add:").strip() if action.startswith("add:") else added.strip()
    if action.startswith("add") and code and code not in {row[0] for row in rows}:
        rows.append((code, "", "", ""))
    return rows


def _mentions(message: str, code: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", message) is not None


def _line_errors(error: DomainError, lines) -> dict[int, str]:
    """Put a refusal next to the line it is about: the line whose lot it names, or, for a
    missing quantity, each line without one."""
    message = translate(error.message, _)
    if error.field not in LINE_FIELDS:
        return {}
    if error.field == "quantity" and "required" in str(error.message):
        return {i: message for i, line in enumerate(lines) if not line.quantity}
    return {i: message for i, line in enumerate(lines) if _mentions(str(error.message), line.code)}


@bp.route("/shipments/new", methods=["GET", "POST"])
@allow("operator")
@idempotent
def new_shipment():
    """Choose the customer, scan lots into lines, give quantities and a reference, send."""
    source = request.form if request.method == "POST" else request.args
    values = {name: (source.get(name) or "").strip() for name in SHIPMENT_FIELDS}
    action = source.get("action") or ""
    rows = _edit_lines(_typed_lines(source), action, source.get("add") or "")
    errors, line_errors = FormErrors(), {}
    on = today()
    # Shipping against a sales order: its customer, and suggestions for what it awaits.
    order = sales.get_order(values["sales_order"]) if values["sales_order"] else None
    if order is not None:
        values["customer"] = order.customer.name
    if request.method == "POST" and action == "submit":
        data = {**values, "lines": [{"lot": code, "quantity": quantity,
                                     **({"location": place} if place else {}),
                                     **({"unit": unit} if unit else {})}
                                    for code, quantity, place, unit in rows]}
        try:
            shipment = shipping.ship(data, current_user, key=request_key())
        except DomainError as error:
            lines = queries.ship_lines(rows, on)
            line_errors = _line_errors(error, lines)
            errors = FormErrors.from_error(error, SHIPMENT_FIELDS)
            if line_errors:
                errors = FormErrors({"general": _("Nothing was shipped. Correct the marked "
                                                  "line and send again.")})
        else:
            flash(_("Shipment %(number)s to %(customer)s is on its way.",
                    number=shipment.number, customer=shipment.customer.name), "success")
            return redirect(url_for("trace.shipment_page", number=shipment.number))
    lines = queries.ship_lines(rows, on)
    return render_template(
        "trace/ship.html", values=values, errors=errors, lines=lines, line_errors=line_errors,
        problems=LINE_PROBLEMS, customers=choices.customers(),
        suggestions=queries.ship_suggestions(on, order=order), order=order,
        listed={line.code for line in lines},
        idempotency_key=new_idempotency_key()), 422 if errors else 200


@bp.route("/shipments")
@allow("operator")
def shipment_list():
    customer = (request.args.get("customer") or "").strip() or None
    page = queries.shipment_list(customer, queries.page_number(request.args.get("page")))
    return render_template("trace/shipments.html", page=page, customer=customer or "",
                           customers=queries.customers_shipped_to())


def _slip_total(shipment) -> dict:
    """A total on the slip only when every line counts in the same unit."""
    units = {line.lot.item.unit for line in shipment.lines}
    return {"total": shipping.total_shipped(shipment),
            "total_unit": units.pop() if len(units) == 1 else None,
            "company": settings.all_settings()}


@bp.route("/shipments/<number>")
@allow("operator")
def shipment_page(number):
    shipment = queries.shipment_with_lines(number)
    return render_template("trace/shipment.html", shipment=shipment, **_slip_total(shipment))


@bp.route("/shipments/<number>/slip")
@allow("operator")
def packing_slip(number):
    """The packing slip alone, for printing: no app around it."""
    shipment = queries.shipment_with_lines(number)
    return render_template("trace/slip.html", shipment=shipment, **_slip_total(shipment))


# --- genealogy ----------------------------------------------------------------------------------

@dataclass
class TreeNode:
    """A genealogy node as shown: the lot, and the shipments of it (forward trees only, and
    only where the lot first appears). `cut`: it has more levels below than the page shows."""

    node: genealogy.TraceNode
    parent: genealogy.TraceNode | None
    shipments: list = field(default_factory=list)
    children: list[TreeNode] = field(default_factory=list)
    cut: bool = False


#: Levels a genealogy page shows; deeper ones open from the last lot shown. Nobody reads a
#: list nested further on a phone, and a chain of daily batches can be hundreds deep.
PAGE_LEVELS = 30


def _display_tree(trace: genealogy.Trace) -> TreeNode:
    by_lot = queries.shipments_by_lot(trace.shipments)
    shown: set[int] = set()

    def wrap(node, parent, level: int) -> TreeNode:
        first = node.lot.id not in shown
        shown.add(node.lot.id)
        if level == PAGE_LEVELS:
            return TreeNode(node, parent, by_lot.get(node.lot.id, []) if first else [],
                            cut=bool(node.children))
        return TreeNode(node, parent, by_lot.get(node.lot.id, []) if first else [],
                        [wrap(child, node, level + 1) for child in node.children])

    return wrap(trace.root, None, 0)


@bp.route("/lots/<path:code>/genealogy")
@allow("operator")
def lot_genealogy(code):
    """Where a lot came from, down to supplier lots, and where it went, up to customers."""
    lot = get_lot(code, field="code")
    backward = genealogy.trace(lot, genealogy.BACKWARD)
    forward = genealogy.trace(lot, genealogy.FORWARD)
    return render_template("trace/genealogy.html", lot=lot, backward=backward,
                           forward=forward, backward_tree=_display_tree(backward),
                           forward_tree=_display_tree(forward),
                           customers=sorted({row.customer for row in forward.shipments}))


# --- recall -------------------------------------------------------------------------------------

def _recall_request(source) -> tuple[list[str], bool]:
    """Lot codes from one or several `lot` fields, each possibly a comma-separated list."""
    codes: list[str] = []
    for value in source.getlist("lot"):
        for code in value.split(","):
            if code.strip() and code.strip() not in codes:
                codes.append(code.strip())
    return codes, source.get("include_inputs") in ("1", "true", "on")


def _recall_report(codes, include_inputs) -> tuple[genealogy.Recall | None, FormErrors]:
    if not codes:
        return None, FormErrors()
    try:
        return genealogy.recall(codes, include_inputs=include_inputs), FormErrors()
    except DomainError as error:
        return None, FormErrors.from_error(error, ("lot",))


def _units(report: genealogy.Recall | None) -> dict[int, str]:
    return {lot.facts.id: lot.facts.unit for lot in report.lots} if report else {}


def _render_recall(codes, include_inputs, report, errors, reason=""):
    query = {"lot": codes, "include_inputs": "1" if include_inputs else None}
    return render_template(
        "trace/recall.html", codes=codes, include_inputs=include_inputs, report=report,
        report_units=_units(report), errors=errors, reason=reason, query=query,
        remove_urls={code: url_for("trace.recall", **{**query, "lot": [c for c in codes
                                                                        if c != code]})
                     for code in codes},
        idempotency_key=new_idempotency_key()), 422 if errors else 200


@bp.route("/recall")
@allow("supervisor")
def recall():
    """From one or several lots, everything a regulator asks in one step."""
    codes, include_inputs = _recall_request(request.args)
    report, errors = _recall_report(codes, include_inputs)
    return _render_recall(codes, include_inputs, report, errors)


@bp.route("/recall/print")
@allow("supervisor")
def recall_print():
    codes, include_inputs = _recall_request(request.args)
    report = genealogy.recall(codes, include_inputs=include_inputs)
    return render_template("trace/recall_print.html", report=report, report_units=_units(report),
                           include_inputs=include_inputs, generated_on=today())


@bp.route("/recall/quarantine", methods=["POST"])
@allow("supervisor")
@idempotent
def recall_quarantine():
    """Hold back, in one step, every affected lot that still has stock."""
    codes, include_inputs = _recall_request(request.form)
    reason = (request.form.get("reason") or "").strip()
    report, errors = _recall_report(codes, include_inputs)
    if report is not None:
        try:
            held = genealogy.quarantine_recalled(report, reason, current_user)
        except DomainError as error:
            errors = FormErrors.from_error(error, ("lot", "reason"))
        else:
            if held:
                flash(_("Quarantined %(count)s lots: %(lots)s.", count=len(held),
                        lots=", ".join(held)), "success")
            else:
                flash(_("Nothing to quarantine: every affected lot is empty or already "
                        "held back."), "success")
            return redirect(url_for("trace.recall", lot=codes,
                                    include_inputs="1" if include_inputs else None))
    if not codes:
        errors = FormErrors({"lot": _("Name at least one lot.")})
    return _render_recall(codes, include_inputs, report, errors, reason)


def _text_cell(value) -> str:
    """Text a person typed, safe to open in a spreadsheet: nothing starting with = + - @
    is taken for a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.route("/recall.csv")
@allow("supervisor")
def recall_csv():
    """One file a spreadsheet opens as is: a heading block, then the shipments, the mass
    balance per lot, and where stock remains, each a table under its own title."""
    codes, include_inputs = _recall_request(request.args)
    report = genealogy.recall(codes, include_inputs=include_inputs)
    facts = {lot.facts.id: lot.facts for lot in report.lots}
    q = format_quantity
    rows: list[list] = [
        [_("Recall report")],
        [_("Lots recalled"), _text_cell(", ".join(report.starting))],
        [_("Also everything made from the same ingredients"),
         _("yes") if include_inputs else _("no")],
        [_("Date"), today().isoformat()],
        [_("Customers affected"), len(report.customers)],
        [_("Lots affected"), len(report.lots)],
        [_("Mass balance"), _("balanced") if report.balanced else _("discrepancy")],
        [],
        [_("Shipments")],
        [_("Shipment"), _("Date"), _("Customer"), _("Reference"), _("Lot"), _("Item"),
         _("Item name"), _("Quantity"), _("Unit")],
    ]
    for row in report.shipments:
        lot = facts[row.lot_id]
        rows.append([row.number, row.shipped_on.isoformat(), _text_cell(row.customer),
                     _text_cell(row.reference), _text_cell(row.lot), _text_cell(lot.sku),
                     _text_cell(lot.item_name), q(row.quantity), lot.unit])
    rows += [[], [_("Mass balance per lot")],
             [_("Lot"), _("Item"), _("Item name"), _("Kind"), _("Status"), _("Expiry"),
              _("Supplier"), _("Supplier lot"), _("Unit"), _("Received or produced"),
              _("Consumed"), _("Shipped"), _("Adjusted"), _("Scrapped"), _("On hand"),
              _("Expected on hand"), _("Discrepancy")]]
    for lot in report.lots:
        f, b = lot.facts, lot.balance
        rows.append([_text_cell(f.code), _text_cell(f.sku), _text_cell(f.item_name), f.kind,
                     f.status, f.expiry.isoformat() if f.expiry else "",
                     _text_cell(f.supplier), _text_cell(f.supplier_lot), f.unit,
                     q(b.received), q(b.consumed), q(b.shipped), q(b.adjusted), q(b.scrapped),
                     q(b.on_hand), q(b.expected_on_hand), q(b.discrepancy)])
    rows += [[], [_("Stock remaining")],
             [_("Lot"), _("Item"), _("Location"), _("Location name"), _("Quantity"),
              _("Unit"), _("Status")]]
    for lot in report.lots:
        for code, name, quantity in lot.locations:
            rows.append([_text_cell(lot.facts.code), _text_cell(lot.facts.sku),
                         _text_cell(code), _text_cell(name), q(quantity), lot.facts.unit,
                         lot.facts.status])
    buffer = io.StringIO()
    buffer.write("\ufeff")  # a byte-order mark, so spreadsheets read accents as UTF-8
    csv.writer(buffer).writerows(rows)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(report.starting))[:80]
    return current_app.response_class(
        buffer.getvalue(), mimetype="text/csv",
        headers={"Content-Disposition":
                 f'attachment; filename="recall-{name}-{today().isoformat()}.csv"'})


# --- audit trail --------------------------------------------------------------------------------

@bp.route("/audit")
@allow("supervisor")
def audit_trail():
    """Who changed what, when, from what to what, and why; newest first."""
    entity = (request.args.get("entity") or "").strip() or None
    key = (request.args.get("key") or "").strip()
    username = (request.args.get("user") or "").strip() or None
    page = queries.audit_events(entity, key, username,
                                queries.page_number(request.args.get("page")))
    filters = {"entity": entity, "key": key or None, "user": username}
    return render_template(
        "trace/audit.html", page=page, entity=entity or "", key=key, username=username or "",
        entities=[(name, AUDIT_ENTITY_LABELS.get(name, name))
                  for name in queries.audit_entities()],
        entity_labels=AUDIT_ENTITY_LABELS, users=queries.usernames(), filters=filters)
