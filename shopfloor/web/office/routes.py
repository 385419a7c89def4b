"""The supervisor's desk: purchasing, reports with CSV and charts, and the admin's
settings. Thin views over services.purchasing, services.reports and services.settings."""

from __future__ import annotations

from datetime import timedelta

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
from shopfloor.domain.errors import DomainError
from shopfloor.domain.quantities import MAX_ID, format_quantity, money_to_api, round_money
from shopfloor.http.downloads import csv_download
from shopfloor.http.idempotency import idempotent
from shopfloor.models.purchasing import PO_STATUSES
from shopfloor.services import fields as read
from shopfloor.services import purchasing, reports, settings, stock, stock_queries
from shopfloor.services.exports import csv_text
from shopfloor.web import charts, choices
from shopfloor.web.forms import FormErrors, new_idempotency_key

bp = Blueprint("office", __name__)


# --- purchasing ------------------------------------------------------------------------------

@bp.route("/purchasing")
@allow("supervisor")
def purchasing_home():
    status = request.args.get("status") or None
    return render_template("office/purchasing.html",
                           suggestions=purchasing.reorder_suggestions(),
                           orders=purchasing.list_purchase_orders(status),
                           status=status, statuses=PO_STATUSES,
                           idempotency_key=new_idempotency_key())


@bp.route("/purchasing/from-suggestions", methods=["POST"])
@allow("supervisor")
@idempotent
def orders_from_suggestions():
    try:
        orders = purchasing.create_orders_from_suggestions(
            current_user, request.form.getlist("item") or None)
    except DomainError as error:
        flash(FormErrors.from_error(error)["general"], "error")
        return redirect(url_for("office.purchasing_home"))
    flash(_("Draft purchase orders made: %(numbers)s",
            numbers=", ".join(order.number for order in orders)), "success")
    return redirect(url_for("office.purchase_order", number=orders[0].number))


@bp.route("/purchasing/<number>", methods=["GET"])
@allow("operator")
def purchase_order(number):
    """Operators open a sent order to receive against its lines (the Receive button on each
    line); only supervisors get the edit form and the actions, through `edit_purchase_order`."""
    return _purchase_order_page(number, FormErrors())


@bp.route("/purchasing/<number>", methods=["POST"])
@allow("supervisor")
@idempotent
def edit_purchase_order(number):
    errors = FormErrors()
    action = request.form.get("action")
    try:
        if action == "send":
            purchasing.mark_sent(number, current_user)
            flash(_("Marked as sent."), "success")
        elif action == "cancel":
            purchasing.cancel_purchase_order(number, current_user)
            flash(_("Purchase order cancelled."), "success")
        else:
            lines = [{"item": item, "quantity": quantity, "unit": unit, "unit_price": price}
                     for item, quantity, unit, price in zip(
                         request.form.getlist("item"), request.form.getlist("quantity"),
                         request.form.getlist("unit"), request.form.getlist("unit_price"),
                         strict=False) if item]
            purchasing.update_purchase_order(number, {
                "lines": lines, "expected_date": request.form.get("expected_date"),
                "notes": request.form.get("notes")}, current_user)
            flash(_("Saved."), "success")
    except DomainError as error:
        errors = FormErrors.from_error(error)
    else:
        return redirect(url_for("office.purchase_order", number=number))
    return _purchase_order_page(number, errors)


def _purchase_order_page(number: str, errors: FormErrors):
    order = purchasing.get_purchase_order(number)
    return render_template("office/purchase_order.html", order=order, errors=errors,
                           items=choices.items(("material", "intermediate")),
                           idempotency_key=new_idempotency_key()), 422 if errors else 200


@bp.route("/purchasing/<number>/print")
@allow("supervisor")
def purchase_order_print(number):
    return render_template("office/purchase_order_print.html",
                           order=purchasing.get_purchase_order(number),
                           company=settings.all_settings())


# --- reports ---------------------------------------------------------------------------------

@bp.route("/reports")
@allow("supervisor")
def reports_home():
    return render_template("office/reports.html")


@bp.route("/reports/valuation")
@allow("supervisor")
def valuation():
    found = reports.valuation()
    if request.args.get("format") == "csv":
        return csv_download("valuation.csv", ["category", "item", "lot", "quantity", "unit",
                                              "unit_cost", "value"], [
            [item.category, item.sku, lot.code, format_quantity(lot.quantity), item.unit,
             format_quantity(lot.unit_cost), f"{round_money(lot.value):.2f}"]
            for item in found.items for lot in item.lots])
    return render_template("office/valuation.html", valuation=found,
                           categories=reports.CATEGORIES, open_category=request.args.get("c"),
                           currency=settings.all_settings()["currency"])


@bp.route("/reports/stock")
@allow("supervisor")
def stock_report():
    """Stock on hand, expiring soon and low stock, each downloadable."""
    today = stock.today()
    which = request.args.get("format")
    if which == "csv":
        return csv_download("stock-on-hand.csv", ["item", "name", "unit", "on_hand",
                                                  "reserved", "available", "value"], [
            [s.item.sku, s.item.name, s.item.unit, format_quantity(s.on_hand),
             format_quantity(s.reserved), format_quantity(s.available),
             f"{round_money(s.value):.2f}"] for s in stock_queries.stock_summaries(today)])
    alerts = stock_queries.alerts(today)
    if which == "expiring.csv":
        return csv_download("expiring.csv", ["lot", "item", "expiry", "quantity", "unit"], [
            [v.lot.code, v.lot.item.sku, v.lot.expiry.isoformat(), format_quantity(v.quantity),
             v.lot.item.unit] for v in alerts.expired + alerts.expiring])
    if which == "low.csv":
        return csv_download("low-stock.csv", ["item", "available", "reorder_point",
                                              "suggested_quantity", "unit"], [
            [row.item.sku, format_quantity(row.available),
             format_quantity(row.item.reorder_point),
             format_quantity(row.suggested_quantity), row.item.unit]
            for row in alerts.low_stock])
    return render_template("office/stock_report.html", alerts=alerts,
                           summaries=stock_queries.stock_summaries(today))


@bp.route("/reports/batches")
@allow("supervisor")
def batches():
    found = reports.batch_costs()
    if request.args.get("format") == "csv":
        return csv_download("batch-costs.csv", [
            "order", "product", "completed", "planned", "produced", "yield_variance_percent",
            "material", "labour", "overhead", "total", "unit_cost", "lot"], [
            [b.order.number, b.order.item.sku, b.order.completed_at.date().isoformat(),
             format_quantity(b.order.planned_quantity),
             format_quantity(b.order.produced_quantity),
             "" if b.yield_variance.percent is None else format_quantity(b.yield_variance.percent),
             f"{b.order.material_cost:.2f}", f"{b.order.labour_cost:.2f}",
             f"{b.order.overhead_cost:.2f}", f"{b.order.total_cost:.2f}",
             format_quantity(b.unit_cost), b.order.output_lot.code] for b in found])
    return render_template("office/batches.html", batches=found)


@bp.route("/reports/sales")
@allow("supervisor")
def sales_report():
    """Sales by product, customer and order over a period (the last 30 days unless asked),
    with the cost of the lots shipped and the margin against the orders' prices."""
    end = stock.today()
    try:
        end = read.iso_date(request.args, "to") or end
        start = read.iso_date(request.args, "from") or end - timedelta(days=29)
    except DomainError as error:
        flash(FormErrors.from_error(error)["general"], "error")
        return redirect(url_for("office.sales_report"))
    if start > end:
        start, end = end, start
    if request.args.get("format") == "csv":
        return csv_download(f"sales-{start.isoformat()}-{end.isoformat()}.csv", [
            "shipped_on", "shipment", "order", "customer", "item", "lot", "quantity", "unit",
            "price", "revenue", "unit_cost", "cost"], lambda: (
            [row.shipped_on.isoformat(), row.shipment, row.sold.order or "",
             csv_text(row.sold.customer), csv_text(row.sold.item), csv_text(row.lot),
             format_quantity(row.sold.quantity), row.unit,
             "" if row.sold.price is None else money_to_api(row.sold.price),
             "" if row.sold.price is None else money_to_api(row.sold.quantity * row.sold.price),
             money_to_api(row.sold.unit_cost),
             money_to_api(row.sold.quantity * row.sold.unit_cost)]
            for row in reports.sold_between(start, end)))
    return render_template("office/sales_report.html", report=reports.sales(start, end))


@bp.route("/reports/usage")
@allow("supervisor")
def usage():
    weeks = read.integer(request.args, "weeks", minimum=2, maximum=104) or 12
    found = [row for row in reports.usage(weeks) if row.used or row.on_hand]
    if request.args.get("format") == "csv":
        header = ["item", "unit", "on_hand", "used", "days_of_cover", "turnover"] + [
            week.isoformat() for week, _ in (found[0].weeks if found else [])]
        return csv_download("usage.csv", header, [
            [u.item.sku, u.item.unit, format_quantity(u.on_hand), format_quantity(u.used),
             "" if u.days_of_cover is None else str(u.days_of_cover),
             "" if u.turnover is None else str(u.turnover)]
            + [format_quantity(q) for _, q in u.weeks] for u in found])
    drawn = [(u, charts.bar_chart([(week.strftime("%d %b"), q) for week, q in u.weeks],
                                  title=_("Weekly use of %(item)s", item=u.item.sku),
                                  unit=u.item.unit)) for u in found]
    return render_template("office/usage.html", rows=drawn, weeks=weeks)


@bp.route("/reports/movements")
@allow("supervisor")
def movements():
    try:
        flt = reports.MoveFilter(
            item=request.args.get("item") or None, lot=request.args.get("lot") or None,
            location=request.args.get("location") or None,
            reason=request.args.get("reason") or None, user=request.args.get("user") or None,
            date_from=read.iso_date(request.args, "from"),
            date_to=read.iso_date(request.args, "to"))
        before = read.integer(request.args, "before", minimum=1, maximum=MAX_ID)
    except DomainError as error:
        flash(FormErrors.from_error(error)["general"], "error")
        return redirect(url_for("office.movements"))
    if request.args.get("format") == "csv":
        return csv_download("movements.csv", ["id", "at", "item", "lot", "from", "to",
                                              "quantity", "unit", "reason", "user", "note"],
                            lambda: (
            [move.id, move.created_at.isoformat(timespec="seconds"), sku, lot, source or "",
             target or "", format_quantity(move.quantity), unit, move.reason, username or "",
             move.note or ""]
            for move, lot, sku, unit, source, target, username
            in reports.movements(flt, limit=None)))
    rows = reports.movements(flt, before_id=before, limit=100).all()
    args = {k: v for k, v in request.args.items() if k not in ("before", "format")}
    return render_template("office/movements.html", rows=rows, args=args,
                           reasons=choices.REASON_LABELS,
                           next_before=rows[-1][0].id if len(rows) == 100 else None)


# --- settings ----------------------------------------------------------------------------------

SETTING_FIELDS = settings.EDITABLE


@bp.route("/settings", methods=["GET", "POST"])
@allow("admin")
@idempotent
def settings_page():
    values = settings.all_settings()
    errors = FormErrors()
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in SETTING_FIELDS}
        try:
            settings.update_settings(values, current_user)
        except DomainError as error:
            errors = FormErrors.from_error(error, SETTING_FIELDS)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("office.settings_page"))
    return render_template("office/settings.html", values=values, errors=errors,
                           label_sizes=choices.LABEL_SIZES,
                           idempotency_key=new_idempotency_key()), 422 if errors else 200
