"""Sales order pages: the list (with CSV), a new order, the order page (can we honour it,
and what must we make?), its delivery note, and the packers' "to ship today" on the
phone. Views parse the form (the API's field names), call `services.sales` and render; a
refusal comes back as the form with the message on top and the line it names marked."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.domain import sales as rules
from shopfloor.domain.errors import DomainError
from shopfloor.domain.quantities import format_quantity, is_whole_number
from shopfloor.domain.units import UNIT_CHOICES
from shopfloor.http.downloads import csv_download
from shopfloor.http.idempotency import idempotent
from shopfloor.services import reports, sales, settings
from shopfloor.services.clock import today
from shopfloor.services.exports import csv_text
from shopfloor.web import choices
from shopfloor.web.forms import FormErrors, line_rows, new_idempotency_key

bp = Blueprint("sales", __name__)

SOURCE_LABELS = {"manual": _l("Entered here"), "api": _l("API"), "shopify": "Shopify",
                 "woocommerce": "WooCommerce"}
ORDER_FIELDS = ("customer", "reference", "due_date", "min_shelf_life_days")
LINE_FIELDS = ("item", "quantity", "unit", "price")
CSV_HEADER = ["number", "status", "customer", "reference", "due_date", "source", "line",
              "item", "quantity", "unit", "price", "reserved", "shipped", "shortage"]


@bp.context_processor
def _sales_labels():
    return {"sales_source_labels": SOURCE_LABELS}


@bp.route("/sales-orders")
@allow("operator")
def order_list():
    status = request.args.get("status") or "open"
    if status not in rules.STATUSES and status not in ("open", "all"):
        status = "open"
    customer = (request.args.get("customer") or "").strip()[:100]
    orders = sales.list_orders(None if status == "all" else status, customer or None)
    if request.args.get("format") == "csv":
        return csv_download("sales-orders.csv", CSV_HEADER, [
            [order.number, order.status, csv_text(order.customer.name),
             csv_text(order.reference or ""), order.due_on.isoformat() if order.due_on else "",
             order.source, line.position, csv_text(line.item.sku),
             format_quantity(line.quantity), line.item.unit,
             "" if line.price is None else f"{line.price:.2f}", format_quantity(line.reserved),
             format_quantity(line.shipped), format_quantity(line.state().shortage)]
            for order in orders for line in order.lines])
    return render_template("sales/orders.html", orders=orders, status=status,
                           statuses=rules.STATUSES, customer=customer, today=today())


@bp.route("/sales-orders/to-ship")
@allow("operator")
def to_ship():
    """The packers' list on the phone: confirmed orders due today or earlier."""
    return render_template("sales/to_ship.html", orders=sales.to_ship(today()), today=today())


@bp.route("/sales-orders/new", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def new_order():
    """Customer, due date and lines; "Add line" and "Remove" come back here as GET with
    what was typed, so nothing is saved until "Save as draft"."""
    source = request.form if request.method == "POST" else request.args
    values = {name: (source.get(name) or "").strip() for name in ORDER_FIELDS}
    lines = line_rows(source, LINE_FIELDS)
    action = source.get("action", "")
    if action == "add_line":
        lines.append(dict.fromkeys(LINE_FIELDS, ""))
    elif action.startswith("remove:") and is_whole_number(action[7:], 999):
        index = int(action[7:])
        if 0 <= index < len(lines):
            del lines[index]
    errors, bad_line = FormErrors(), None
    if request.method == "POST" and action == "save":
        data = {**values, "lines": [{name: value for name, value in line.items() if value}
                                    for line in lines if line["item"] or line["quantity"]]}
        try:
            order = sales.create_order(data, current_user)
        except DomainError as error:
            errors = FormErrors.from_error(error, ORDER_FIELDS)
            details = error.details if isinstance(error.details, dict) else {}
            bad_line = details.get("line")
            if bad_line is None and error.field in LINE_FIELDS and len(data["lines"]) == 1:
                bad_line = 1
        else:
            flash(_("Sales order %(number)s saved as a draft. Confirm it to reserve stock.",
                    number=order.number), "success")
            return redirect(url_for("sales.order_page", number=order.number))
    if not lines:
        lines.append(dict.fromkeys(LINE_FIELDS, ""))
    return render_template(
        "sales/order_form.html", values=values, lines=lines, errors=errors, bad_line=bad_line,
        customers=choices.customers(), items=choices.items(),
        units=[(unit, unit) for unit in UNIT_CHOICES],
        idempotency_key=new_idempotency_key()), 422 if errors else 200


@bp.route("/sales-orders/<number>")
@allow("operator")
def order_page(number):
    return _order_page(sales.get_order(number), FormErrors())


@bp.route("/sales-orders/<number>", methods=["POST"])
@allow("supervisor")
@idempotent
def order_action(number):
    action = request.form.get("action")
    try:
        if action == "confirm":
            order = sales.confirm_order(number, current_user)
            short = [line for line in order.lines if line.state().shortage > 0]
            flash(_("Confirmed: everything is reserved.") if not short else
                  ngettext("Confirmed: what is in stock is reserved; %(num)s line is short.",
                           "Confirmed: what is in stock is reserved; %(num)s lines are short.",
                           len(short)), "success")
        elif action == "plan":
            made = sales.plan_order(number, current_user)
            flash(_("Production orders planned: %(numbers)s",
                    numbers=", ".join(order.number for order in made)) if made else
                  _("Nothing to plan: the shortages are already planned or bought."),
                  "success")
        elif action == "cancel":
            sales.cancel_order(number, current_user)
            flash(_("Sales order cancelled; what it held is free again."), "success")
        else:
            return redirect(url_for("sales.order_page", number=number))
    except DomainError as error:
        return _order_page(sales.get_order(number), FormErrors.from_error(error))
    return redirect(url_for("sales.order_page", number=number))


def _order_page(order, errors: FormErrors):
    on = today()
    return render_template(
        "sales/order.html", order=order, errors=errors, lines=sales.outlook(order, on),
        shipments=sales.shipments_of(order), made=sales.production_orders_of(order),
        margin=reports.order_margin(order) if current_user.can("supervisor") else None,
        late=order.due_on is not None and order.due_on < on
        and order.status in rules.OPEN_STATUSES,
        may_confirm=rules.can_confirm(order.status), may_plan=rules.can_plan(order.status),
        may_ship=rules.can_ship(order.status), may_cancel=rules.can_cancel(order.status),
        idempotency_key=new_idempotency_key()), 422 if errors else 200


@bp.route("/sales-orders/<number>/delivery-note")
@allow("operator")
def delivery_note(number):
    """What has shipped against the order and what is still to come, for printing."""
    order = sales.get_order(number)
    return render_template("sales/delivery_note.html", order=order,
                           shipments=sales.shipments_of(order),
                           company=settings.all_settings(), today=today())
