"""Stock pages: receive with a label in one pass, the lot page, labels, moves, counts,
lot status and the stock overview. Views parse, call one service, and render."""

from __future__ import annotations

from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from shopfloor.access import accepts_token, allow
from shopfloor.domain import units
from shopfloor.domain.errors import DomainError
from shopfloor.domain.gs1 import normalize_gtin
from shopfloor.domain.messages import translate
from shopfloor.domain.quantities import MAX_ID, format_quantity, is_whole_number
from shopfloor.http.idempotency import idempotent, request_key
from shopfloor.http.printing import print_receipt_after_commit
from shopfloor.models.master import ITEM_KINDS
from shopfloor.services import master, purchasing, scan, settings, stock, stock_queries
from shopfloor.services.stock import CountLine
from shopfloor.web import choices
from shopfloor.web.formatting import format_money_for_reader
from shopfloor.web.forms import FormErrors, new_idempotency_key

bp = Blueprint("stock", __name__)

RECEIPT_FIELDS = ("item", "quantity", "unit", "unit_cost", "location", "supplier",
                  "supplier_lot", "expiry", "lot_code", "accept_expired", "copies",
                  "purchase_order_line")


# --- receiving ------------------------------------------------------------------------------

@bp.route("/receive", methods=["GET", "POST"])
@allow("operator")
@idempotent
def receive():
    values = request.form.to_dict() if request.method == "POST" else request.args.to_dict()
    values.setdefault("copies", "1")
    errors = FormErrors()
    if request.method == "GET" and is_whole_number(values.get("purchase_order_line"), MAX_ID):
        from shopfloor.services.purchasing import receipt_defaults

        try:
            values = {**receipt_defaults(int(values["purchase_order_line"])), **{
                k: v for k, v in values.items() if k != "purchase_order_line" and v}}
        except DomainError as error:
            errors = FormErrors.from_error(error, RECEIPT_FIELDS)
    if request.method == "POST" and request.form.get("action") == "fill":
        values, errors = _fill_from_gs1(values)
    elif request.method == "POST" and not values.pop("confirm_cost", None) \
            and (warning := _unusual_cost(values)):
        errors = FormErrors({"unit_cost": warning})
        values["cost_to_confirm"] = "1"
    elif request.method == "POST":
        try:
            receipt = stock.receive_lot(values, current_user, key=request_key())
        except DomainError as error:
            errors = FormErrors.from_error(error, RECEIPT_FIELDS)
        else:
            flash(_("Received %(quantity)s %(unit)s as lot %(code)s.",
                    quantity=values.get("quantity"), unit=values.get("unit") or "",
                    code=receipt.lot.code), "success")
            print_receipt_after_commit(receipt.lot.code, values.get("copies") or 1)
            return redirect(url_for("stock.lot_label", code=receipt.lot.code,
                                    copies=values.get("copies") or 1, received=1))
    return render_template("stock/receive.html", values=values, errors=errors,
                           expected=[] if values.get("purchase_order_line")
                           else purchasing.expected_deliveries(),
                           items=choices.items(), locations=choices.locations(),
                           suppliers=choices.suppliers(),
                           units=[(unit, unit) for unit in units.UNIT_CHOICES],
                           idempotency_key=new_idempotency_key()), 422 if errors else 200


def _unusual_cost(values: dict) -> str | None:
    """A warning when the typed cost per base unit is over 5 times (or under a fifth of)
    the item's last receipt cost; None when it looks right or cannot be judged yet (the
    service then reports what is wrong with the form)."""
    from shopfloor.domain.costing import is_unusual_cost
    from shopfloor.domain.quantities import parse_money
    from shopfloor.web.stock.queries import last_receipt_cost

    try:
        item = master.get_item((values.get("item") or "").strip())
        cost = parse_money(values.get("unit_cost"), "unit_cost")
        unit = units.canonical_unit(values.get("unit") or item.unit)
        per_unit = units.convert(Decimal(1), unit, item.unit, item.density)
    except DomainError:
        return None
    last = last_receipt_cost(item.id)
    if last is None or per_unit <= 0 or not is_unusual_cost(cost / per_unit, last.unit_cost):
        return None
    return _("This is far from the last cost of %(sku)s: %(cost)s per %(unit)s (lot %(lot)s, "
             "%(day)s). Check the price and its unit, then confirm.",
             sku=item.sku, unit=item.unit,
             cost=format_money_for_reader(last.unit_cost, settings.setting("currency")),
             lot=last.lot_code, day=last.received_on.isoformat())


def _fill_from_gs1(values: dict) -> tuple[dict, FormErrors]:
    """Without JavaScript the "Fill in" button posts here; with it, the same happens through
    GET /api/v1/gs1 as the code is scanned."""
    try:
        found = scan.gs1_fields(values.get("gs1", ""))
    except DomainError as error:
        return values, FormErrors({"gs1": translate(error.message, _)})
    values.update({k: v for k, v in found.items() if v})
    return values, FormErrors()


# --- the lot page and labels ------------------------------------------------------------------

@bp.route("/l/<path:code>")
@allow("operator")
def lot_page(code):
    lot = stock.get_lot(code, field="code")
    today = stock.today()
    return render_template("stock/lot.html", view=stock_queries.lot_view(lot, today),
                           history=stock_queries.lot_history(lot), today=today,
                           label_sizes=choices.LABEL_SIZES)


@bp.route("/01/<gtin>/10/<path:lot_code>")
@allow("operator")
def digital_link(gtin, lot_code):
    """A GS1 Digital Link printed on our labels, opened by a phone's own camera app."""
    try:
        normalize_gtin(gtin)
    except DomainError:
        abort(404)
    result = scan.resolve(f"(01){gtin}(10){lot_code}")
    if result.type != "lot":
        abort(404)
    return redirect(url_for("stock.lot_page", code=result.key))


@bp.route("/lots/<path:code>/label")
@allow("operator")
@accepts_token
def lot_label(code):
    from shopfloor.web.stock import labels

    lot = stock.get_lot(code, field="code")
    return labels.lot_label_response(lot)


@bp.route("/lots/<path:code>/status", methods=["POST"])
@allow("supervisor")
@idempotent
def lot_status(code):
    try:
        lot = stock.change_lot_status(code, request.form, current_user)
    except DomainError as error:
        flash(FormErrors.from_error(error).get("general") or str(error), "error")
        return redirect(url_for("stock.lot_page", code=code))
    flash(_("Lot %(code)s is now %(status)s.", code=lot.code,
            status=choices.LOT_STATUS_LABELS[lot.status]), "success")
    return redirect(url_for("stock.lot_page", code=lot.code))


# --- moves and counts ---------------------------------------------------------------------------

MOVE_FIELDS = ("lot", "from", "to", "quantity", "unit")


@bp.route("/moves/new", methods=["GET", "POST"])
@allow("operator")
@idempotent
def new_move():
    values = request.form.to_dict() if request.method == "POST" else request.args.to_dict()
    errors = FormErrors()
    if request.method == "POST":
        try:
            move = stock.move_stock(values, current_user, key=request_key())
        except DomainError as error:
            errors = FormErrors.from_error(error, MOVE_FIELDS)
        else:
            flash(_("Moved %(quantity)s %(unit)s of %(lot)s from %(source)s to %(target)s.",
                    quantity=format_quantity(move.quantity), unit=move.lot.item.unit,
                    lot=move.lot.code,
                    source=move.from_location.code, target=move.to_location.code), "success")
            return redirect(url_for("stock.lot_page", code=move.lot.code))
    lot_view = _lot_view_or_none(values.get("lot"))
    if lot_view and not values.get("from") and len(lot_view.locations) == 1:
        values["from"] = lot_view.locations[0].location.code
    return render_template("stock/move.html", values=values, errors=errors, lot_view=lot_view,
                           locations=choices.locations(),
                           idempotency_key=new_idempotency_key()), 422 if errors else 200


def _lot_view_or_none(code: str | None):
    if not code:
        return None
    try:
        return stock_queries.lot_view(stock.get_lot(code.strip()), stock.today())
    except DomainError:
        return None


@bp.route("/counts/new", methods=["GET", "POST"])
@allow("operator")
@idempotent
def new_count():
    """Pick a location, scan lots, enter counted quantities, submit. Form fields repeat
    `lot` and `counted_quantity` in the same order."""
    source = request.form if request.method == "POST" else request.args
    location_code = (source.get("location") or "").strip()
    errors = FormErrors()
    row_errors: dict[str, str] = {}
    lots = source.getlist("lot")
    counted = source.getlist("counted_quantity")
    if request.method == "POST" and request.form.get("action") == "submit":
        from shopfloor.services.fields import quantity
        from shopfloor.web.forms import labelled_message

        lines, code = [], None
        try:
            for code, value in zip(lots, counted, strict=False):
                if code.strip():
                    lines.append(CountLine(code.strip(), quantity(
                        {"counted_quantity": value}, "counted_quantity", allow_zero=True)))
            code = None
            count = stock.count_stock(location_code, lines, current_user,
                                      reason=request.form.get("reason") or None,
                                      key=request_key())
        except DomainError as error:
            # The row at fault says so, and the message on top names its lot.
            code = code.strip() if code else next(
                (line.lot_code for line in lines if line.lot_code in str(error.message)), None)
            if code and error.field not in ("location", "reason"):
                row_errors[code] = labelled_message(error)
                errors = FormErrors({"general": _("Lot %(lot)s: %(message)s", lot=code,
                                                  message=row_errors[code])})
            else:
                errors = FormErrors.from_error(error, ("location", "reason"))
        else:
            changed = sum(1 for line in count.lines
                          if line.counted_quantity != line.expected_quantity)
            flash(_("Count saved: %(lines)s lots, %(changed)s adjusted.",
                    lines=len(count.lines), changed=changed), "success")
            return redirect(url_for("catalog.location_page", code=location_code))
    location, rows = None, []
    if location_code:
        try:
            location = master.get_location(location_code)
        except DomainError as error:
            errors = FormErrors.from_error(error, ("location",))
    if location is not None:
        added = (source.get("add") or "").strip()
        rows = choices.count_rows(location, lots, counted, added)
        if added and added not in {row["lot"].code for row in rows}:
            errors = FormErrors({**errors, "add": _("No lot has the code %(code)s.",
                                                    code=added)})
    return render_template("stock/count.html", location=location, rows=rows,
                           location_code=location_code, errors=errors,
                           row_errors=row_errors,
                           reason=source.get("reason", ""),
                           locations=choices.locations(),
                           idempotency_key=new_idempotency_key()), 422 if errors else 200


# --- overview ------------------------------------------------------------------------------------

@bp.route("/stock")
@allow("operator")
def overview():
    kind = request.args.get("kind") or None
    if kind not in ITEM_KINDS:
        kind = None
    summaries = stock_queries.stock_summaries(stock.today(), kind=kind, q=request.args.get("q"))
    return render_template("stock/overview.html", summaries=summaries, kind=kind,
                           q=request.args.get("q", ""), kinds=choices.ITEM_KIND_LABELS)
