"""Recipe and production order pages: the recipe book and its editor, orders from draft to
completion, the phone's pick screen, the printable traveller and planning. Views parse the
form (the API's field names), call one service and render; a refusal comes back as the
page with the message next to the field it names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from shopfloor.access import allow
from shopfloor.domain import units
from shopfloor.domain.costing import UsageVariance, variance, yield_variance
from shopfloor.domain.errors import DomainError, NotFound
from shopfloor.domain.messages import t, translate
from shopfloor.domain.quantities import (
    MAX_ID,
    format_quantity,
    is_whole_number,
    money_to_api,
    round_fraction,
)
from shopfloor.http.idempotency import idempotent, request_key
from shopfloor.labels.codes import qr_svg
from shopfloor.models.production import ORDER_STATUSES
from shopfloor.services import master, production, recipes, stock
from shopfloor.web.forms import FormErrors, labelled_message, line_rows, new_idempotency_key
from shopfloor.web.production import queries

bp = Blueprint("production", __name__)

TIMELINE_LABELS = {"created": _l("Created"), "released": _l("Released"),
                   "completed": _l("Completed"), "cancelled": _l("Cancelled")}
RECIPE_FIELDS = ("yield_quantity", "unit", "lines", "labour_minutes", "labour_rate",
                 "overhead", "notes")
LINE_FIELDS = ("item", "quantity", "unit", "loss_percent")
ORDER_FIELDS = ("product", "quantity", "due_date")
PICK_FIELDS = ("lot", "location", "quantity", "unit", "override_reason")
COMPLETE_FIELDS = ("quantity", "lot_code", "expiry", "location")
# The complete form's rows, one per lot in the work in progress, named as the API's lines
# (`returns[2].quantity`, `scrap[2].reason`) with the row's number in the brackets.
_LEFTOVER_KEY = re.compile(r"^(returns|scrap)\[(\d{1,3})\]\.(lot|quantity|location|reason)$")
LEFTOVER_LABELS = {"returns": {"lot": _l("Lot"), "quantity": _l("Returned quantity"),
                               "location": _l("Return to")},
                   "scrap": {"lot": _l("Lot"), "quantity": _l("Scrapped quantity"),
                             "reason": _l("Scrap reason")}}


@bp.context_processor
def _production_labels():
    return {"timeline_labels": TIMELINE_LABELS}


@bp.app_template_filter("money_exact")
def _money_exact(value):
    """Money as stored: cents for amounts ("0.90"), every place of a unit cost
    ("0.018755"), so a page shows the very numbers the cost was added up from."""
    return "" if value is None else money_to_api(value)


# Units small enough that a fraction of one is noise when saying what can be made.
_WHOLE_UNITS = ("mg", "g", "ml", "cl", "pcs")


@bp.app_template_filter("makeable")
def _makeable(quantity, unit: str) -> str:
    """What can be made, for reading: whole grams or pieces, three places of a kilogram or
    litre — always rounded down, never promising more than the stock allows."""
    places = 0 if unit in _WHOLE_UNITS else 3
    return format_quantity(round_fraction(Fraction(quantity), places, ROUND_DOWN))


# --- recipes ------------------------------------------------------------------------------

@bp.route("/recipes")
@allow("operator")
def recipe_list():
    return render_template("production/recipes.html",
                           rows=queries.recipe_rows(stock.today()))


@bp.route("/recipes/<sku>")
@allow("operator")
def recipe_page(sku):
    item = master.get_item(sku, field="sku")
    current = recipes.current_recipe(item)
    shown = current
    version = request.args.get("version", "")
    if version:
        if not is_whole_number(version, MAX_ID):
            raise NotFound(t("{sku} has no recipe version {version}",
                             sku=item.sku, version=version),
                           field="version")
        shown = queries.recipe_version(item, int(version))
    today = stock.today()
    return render_template(
        "production/recipe.html", item=item, recipe=shown, current=current,
        summary=queries.recipe_summary(shown, today) if shown else None,
        history=queries.version_history(item))


@bp.route("/recipes/<sku>/new", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def new_recipe(sku):
    """The editor for a new version, prefilled from the current one. "Add line" and
    "Remove" come back here as GET with what was typed, so no script is needed and nothing
    is saved until "Save"."""
    item = master.get_item(sku, field="sku")
    source = request.form if request.method == "POST" else request.args
    action = source.get("action", "")
    if "yield_quantity" in source:  # the form itself came back
        values = source.to_dict()
    else:
        values = queries.recipe_form_values(item, recipes.current_recipe(item))
    lines = _recipe_lines(values)
    if action == "add_line":
        lines.append(dict.fromkeys(LINE_FIELDS, ""))
    elif action.startswith("remove:") and is_whole_number(action[7:], 999):
        index = int(action[7:])
        if 0 <= index < len(lines):
            del lines[index]
    errors = FormErrors()
    if request.method == "POST":
        data = {name: values.get(name, "") for name in RECIPE_FIELDS if name != "lines"}
        data["product"] = item.sku
        data["lines"] = [line for line in lines if line["item"] or line["quantity"]]
        try:
            recipe = recipes.create_recipe(data, current_user)
        except DomainError as error:
            errors = FormErrors.from_error(error, RECIPE_FIELDS)
        else:
            flash(_("Recipe for %(sku)s saved as version %(version)s.", sku=item.sku,
                    version=recipe.version), "success")
            return redirect(url_for("production.recipe_page", sku=item.sku))
    if not lines:
        lines.append(dict.fromkeys(LINE_FIELDS, ""))
    current = recipes.current_recipe(item)
    return render_template(
        "production/recipe_form.html", item=item, current=current, values=values,
        lines=lines, errors=errors, components=queries.component_choices(),
        units=[(unit, unit) for unit in units.UNIT_CHOICES],
        idempotency_key=new_idempotency_key()), 422 if errors else 200


def _recipe_lines(values: dict) -> list[dict[str, str]]:
    return line_rows(values, LINE_FIELDS)


# --- orders -------------------------------------------------------------------------------

@bp.route("/orders")
@allow("operator")
def order_list():
    status = request.args.get("status") or None
    if status not in ORDER_STATUSES and status != "open":
        status = None
    return render_template("production/orders.html", orders=queries.order_list(status),
                           status=status, statuses=ORDER_STATUSES)


@bp.route("/orders/new", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def new_order():
    values = request.form.to_dict() if request.method == "POST" else request.args.to_dict()
    errors = FormErrors()
    if request.method == "POST":
        try:
            order = production.create_order(values, current_user)
        except DomainError as error:
            errors = FormErrors.from_error(error, ORDER_FIELDS)
        else:
            flash(_("Order %(number)s created as a draft: %(quantity)s %(unit)s of %(sku)s.",
                    number=order.number, quantity=format_quantity(order.planned_quantity),
                    unit=order.item.unit, sku=order.item.sku), "success")
            return redirect(url_for("production.order_page", number=order.number))
    return render_template("production/order_form.html", values=values, errors=errors,
                           products=queries.recipe_products(),
                           idempotency_key=new_idempotency_key()), 422 if errors else 200


@bp.route("/orders/<number>")
@allow("operator")
def order_page(number):
    return _order_page(production.get_order(number))


@dataclass
class VarianceLine:
    row: UsageVariance
    unit: str


def _order_page(order, *, status: int = 200, refusal: DomainError | None = None,
                complete_values: dict | None = None, complete_errors: FormErrors | None = None):
    today = stock.today()
    units_by_sku = {req.item.sku: req.item.unit for req in order.requirements}
    context = {
        "order": order, "views": production.requirement_views(order, today),
        "picks": queries.order_picks(order), "timeline": queries.timeline(order),
        "created_by": queries.order_created_by(order),
        "refusal": translate(refusal.message, _) if refusal is not None else None,
        "shortages": _details(refusal, "shortages", units_by_sku),
        "plan": _details(refusal, "plan", units_by_sku),
        "complete_values": complete_values or {"quantity": format_quantity(
            order.planned_quantity)},
        "complete_errors": complete_errors or FormErrors(),
        "output_locations": queries.output_locations(),
        "wip_rows": queries.wip_rows(order) if order.flags.can_complete else [],
        "leftover_open": any(_LEFTOVER_KEY.match(name) for name in complete_errors or ())
        or any(value and _LEFTOVER_KEY.match(name) and name.endswith(".quantity")
               for name, value in (complete_values or {}).items()),
        "keys": {name: new_idempotency_key() for name in ("release", "complete", "cancel",
                                                          "plan")},
    }
    if order.flags.has_output:
        rows = variance({req.item.sku: req.required for req in order.requirements},
                        {req.item.sku: req.consumed for req in order.requirements})
        context.update(
            consumed=queries.consumed_lots(order),
            scrapped=queries.scrapped_lots(order),
            material_variance=[VarianceLine(row, units_by_sku.get(row.item, ""))
                               for row in rows],
            yield_variance=yield_variance(order.planned_quantity, order.produced_quantity))
    return render_template("production/order.html", **context), status


_DETAIL_NUMBERS = ("required", "available", "shortage", "quantity")


def _details(error: DomainError | None, name: str, units_by_sku: dict[str, str]) -> list[dict]:
    """Rows of a refusal's details (the API's decimal strings) ready to show: numbers as
    Decimal, with the item's unit."""
    if error is None or not isinstance(error.details, dict):
        return []
    return [{**row, **{key: Decimal(row[key]) for key in _DETAIL_NUMBERS if key in row},
             "unit": units_by_sku.get(row.get("item"), "")}
            for row in error.details.get(name, [])]


@bp.route("/orders/<number>/release", methods=["POST"])
@allow("supervisor")
@idempotent
def release_order(number):
    """Reserve the materials; refused with the shortage list (409), and for a short
    intermediate a button that plans a draft order for it."""
    try:
        order = production.release_order(number, current_user)
    except DomainError as error:
        return _order_page(production.get_order(number), status=error.status, refusal=error)
    flash(_("%(number)s released: materials are reserved.", number=order.number), "success")
    return redirect(url_for("production.order_page", number=order.number))


@bp.route("/orders/<number>/complete", methods=["POST"])
@allow("operator")
@idempotent
def complete_order(number):
    """Close the order with what was really made and what was put back or lost; lands on
    the new lot's label."""
    values = request.form.to_dict()
    data, rows = _completion(values)
    try:
        done = production.complete_order(number, data, current_user, key=request_key())
    except DomainError as error:
        return _order_page(production.get_order(number), status=error.status,
                           complete_values=values,
                           complete_errors=_completion_errors(error, rows))
    lot = done.output_lot
    flash(_("%(number)s completed: %(quantity)s %(unit)s as lot %(code)s, costing "
            "%(total)s (%(unit_cost)s per %(unit)s).", number=number,
            quantity=format_quantity(done.order.produced_quantity), unit=lot.item.unit,
            code=lot.code, total=money_to_api(done.order.total_cost),
            unit_cost=money_to_api(lot.unit_cost)), "success")
    return redirect(url_for("stock.lot_label", code=lot.code, received=1))


def _completion(values: dict) -> tuple[dict, dict[str, list[int]]]:
    """The service's body from the complete form: its own fields, and the `returns` and
    `scrap` lines of the rows where a quantity was typed (with, per list, the form row of
    each line, so a refusal goes back next to the row it is about)."""
    data = {name: values[name] for name in COMPLETE_FIELDS if name in values}
    found: dict[str, dict[int, dict[str, str]]] = {"returns": {}, "scrap": {}}
    for key, value in values.items():
        match = _LEFTOVER_KEY.match(key)
        if match:
            found[match[1]].setdefault(int(match[2]), {})[match[3]] = value.strip()
    rows: dict[str, list[int]] = {}
    for name, by_row in found.items():
        chosen = [row for row in sorted(by_row) if by_row[row].get("quantity")]
        rows[name] = chosen
        if chosen:
            data[name] = [by_row[row] for row in chosen]
    return data, rows


def _completion_errors(error: DomainError, rows: dict[str, list[int]]) -> FormErrors:
    """A refusal of a `returns` or `scrap` line goes next to its row's field, named by its
    label and the lot ("Lot WAX-1: Returned quantity must be…"); any other as usual."""
    match = re.match(r"^(returns|scrap)\[(\d+)\](?:\.(\w+))?$", error.field or "")
    if not match or int(match[2]) >= len(rows.get(match[1], ())):
        return FormErrors.from_error(error, COMPLETE_FIELDS)
    name, inner = match[1], match[3] or "quantity"
    label = LEFTOVER_LABELS[name].get(inner, LEFTOVER_LABELS[name]["quantity"])
    row = rows[name][int(match[2])]
    field = f"{name}[{row}].{inner if inner in LEFTOVER_LABELS[name] else 'quantity'}"
    text = labelled_message(error, {error.field: label})
    lot = request.form.get(f"{name}[{row}].lot", "")
    if lot and lot not in text:
        text = _("Lot %(lot)s: %(message)s", lot=lot, message=text)
    return FormErrors({field: text})


@bp.route("/orders/<number>/cancel", methods=["POST"])
@allow("supervisor")
@idempotent
def cancel_order(number):
    try:
        order = production.cancel_order(number, current_user, key=request_key())
    except DomainError as error:
        return _order_page(production.get_order(number), status=error.status, refusal=error)
    flash(_("%(number)s cancelled: reservations released and picked material returned.",
            number=order.number), "success")
    return redirect(url_for("production.order_page", number=order.number))


# --- picking on a phone -----------------------------------------------------------------

@bp.route("/orders/<number>/pick", methods=["GET", "POST"])
@allow("operator")
@idempotent
def pick_page(number):
    """Scan a lot (or tap a suggestion), confirm the quantity, pick; again until nothing
    is needed. A lot that is not first to expire asks for a reason."""
    order = production.get_order(number)
    errors, status, first_choice = FormErrors(), 200, None
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            picked = production.pick(number, values, current_user, key=request_key())
        except DomainError as error:
            errors, status = FormErrors.from_error(error, PICK_FIELDS), error.status
            if error.code == "not_first" and isinstance(error.details, dict):
                first_choice = error.details.get("first_choice")
            order = production.get_order(number)
        else:
            requirement = picked.requirement
            flash(_("Picked %(quantity)s %(unit)s of %(lot)s. Still needed of %(sku)s: "
                    "%(remaining)s %(unit)s.", quantity=format_quantity(picked.quantity),
                    unit=requirement.item.unit, lot=picked.lot.code, sku=requirement.item.sku,
                    remaining=format_quantity(requirement.remaining)), "success")
            return redirect(url_for("production.pick_page", number=number, picked=picked.id))
    found = production.suggestions(order)
    if request.method == "GET":
        prefill = queries.pick_prefill(found, request.args.get("lot"))
        values = {"lot": prefill.lot, "location": prefill.location,
                  "quantity": prefill.quantity}
    picks = queries.order_picks(order)
    undone = production.undone_pick_ids(order)
    just_picked = request.args.get("picked", "")
    undoable = next((picked for picked, _who in picks if str(picked.id) == just_picked
                     and picked.id not in undone), None) if order.flags.can_pick else None
    return render_template(
        "production/pick.html", order=order, found=found,
        outstanding=[s for s in found if s.requirement.remaining > 0],
        values=values, errors=errors, first_choice=first_choice,
        ask_reason=bool(first_choice or values.get("override_reason")
                        or errors.get("override_reason")),
        pickable=order.flags.can_pick, picks=picks, undone=undone, undoable=undoable,
        idempotency_key=new_idempotency_key()), status


@bp.route("/orders/<number>/picks/<int:pick_id>/undo", methods=["POST"])
@allow("operator")
@idempotent
def undo_pick(number, pick_id):
    """The undo shown for a few seconds after a pick: the lot goes back where it was."""
    try:
        move = production.undo_pick(number, pick_id, current_user, key=request_key())
    except DomainError as error:
        flash(translate(error.message, _), "error")
    else:
        flash(_("Put back %(quantity)s %(unit)s of %(lot)s at %(location)s.",
                quantity=format_quantity(move.quantity), unit=move.lot.item.unit,
                lot=move.lot.code, location=move.to_location.code), "success")
    return redirect(url_for("production.pick_page", number=number))


# --- traveller and planning -------------------------------------------------------------

TRAVELLER_QR_MM = 32


@bp.route("/orders/<number>/traveller")
@allow("operator")
def traveller(number):
    """The sheet that travels with the batch: its QR is the order number, which any scan
    resolves to the order page."""
    order = production.get_order(number)
    picked: dict[int, list] = {}
    for pick, username in queries.order_picks(order):
        picked.setdefault(pick.requirement_id, []).append((pick, username))
    return render_template(
        "production/traveller.html", order=order, picked=picked,
        views=production.requirement_views(order, stock.today()),
        found=production.suggestions(order),
        qr=Markup(qr_svg(order.number, TRAVELLER_QR_MM)), printed_on=stock.today())


@bp.route("/planning")
@allow("operator")
def planning():
    return render_template("production/planning.html", lines=production.planning())
