"""Master data pages: items, suppliers, customers and locations. Supervisors create and
edit; operators read. Views parse the form (the API's field names), call one service and
render; a refusal comes back as the form with the message next to the field it names."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.domain import units
from shopfloor.domain.errors import DomainError
from shopfloor.domain.quantities import format_quantity, money_to_api
from shopfloor.http.idempotency import idempotent
from shopfloor.labels.layouts import build_location_label
from shopfloor.models.master import ITEM_KINDS, LOCATION_KINDS, Customer, Supplier
from shopfloor.services import master, stock, stock_queries
from shopfloor.web import choices
from shopfloor.web.catalog import queries
from shopfloor.web.forms import FormErrors, new_idempotency_key
from shopfloor.web.labels import base_url, label_response

bp = Blueprint("catalog", __name__)

ITEM_FIELDS = (
    "sku",
    "name",
    "kind",
    "unit",
    "reorder_point",
    "reorder_quantity",
    "default_supplier",
    "shelf_life_days",
    "gtin",
    "density",
    "price",
    "archived",
)
PARTY_FIELDS = ("name", "contact", "email", "phone", "address", "notes", "archived")
LOCATION_FIELDS = ("code", "name", "kind", "archived")


def _form_values() -> dict:
    return request.form.to_dict()


def _edit_values() -> dict:
    """An unticked checkbox sends nothing, so on an edit form its absence means "no":
    that is how an archived record is brought back."""
    values = _form_values()
    values["archived"] = "1" if values.get("archived") else "0"
    return values


def _refusal(error: DomainError, fields) -> FormErrors:
    """The form errors for a refused command (its partial work is already undone: a
    command joined to an idempotent request runs in a savepoint)."""
    return FormErrors.from_error(error, fields)


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true", "on", "yes")


def _list_args() -> tuple[str, bool]:
    return request.args.get("q", "").strip(), _flag(request.args.get("archived"))


# --- items ---------------------------------------------------------------------------------


@bp.route("/items")
@allow("operator")
def item_list():
    q, archived = _list_args()
    kind = request.args.get("kind") or None
    if kind not in ITEM_KINDS:
        kind = None
    rows = stock_queries.stock_summaries(stock.today(), kind=kind, q=q, include_archived=archived)
    return render_template(
        "catalog/items.html",
        rows=rows,
        q=q,
        kind=kind,
        archived=archived,
        kinds=choices.ITEM_KIND_LABELS,
    )


@bp.route("/items/new", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def new_item():
    values = _form_values() if request.method == "POST" else request.args.to_dict()
    errors = FormErrors()
    if request.method == "POST":
        try:
            item = master.create_item(values, current_user)
        except DomainError as error:
            errors = _refusal(error, ITEM_FIELDS)
        else:
            flash(_("Item %(sku)s created.", sku=item.sku), "success")
            return redirect(url_for("catalog.item_page", sku=item.sku))
    return _item_form(values, errors, item=None)


@bp.route("/items/<sku>")
@allow("operator")
def item_page(sku):
    item = master.get_item(sku, field="sku")
    return render_template(
        "catalog/item.html", item=item, stock=stock_queries.item_stock(item, stock.today())
    )


@bp.route("/items/<sku>/edit", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def edit_item(sku):
    item = master.get_item(sku, field="sku")
    errors = FormErrors()
    if request.method == "POST":
        values = _edit_values()
        try:
            item = master.update_item(sku, values, current_user)
        except DomainError as error:
            errors = _refusal(error, ITEM_FIELDS)
            item = master.get_item(sku, field="sku")
        else:
            flash(_("Item %(sku)s saved.", sku=item.sku), "success")
            return redirect(url_for("catalog.item_page", sku=item.sku))
    else:
        values = _item_values(item)
    return _item_form(values, errors, item=item)


def _item_values(item) -> dict:
    """The form as the item stands, in the same text a person would type."""
    return {
        "sku": item.sku,
        "name": item.name,
        "kind": item.kind,
        "unit": item.unit,
        "reorder_point": format_quantity(item.reorder_point),
        "reorder_quantity": format_quantity(item.reorder_quantity),
        "default_supplier": item.default_supplier.name if item.default_supplier else "",
        "shelf_life_days": "" if item.shelf_life_days is None else str(item.shelf_life_days),
        "gtin": item.gtin or "",
        "density": "" if item.density is None else format_quantity(item.density),
        "price": "" if item.price is None else money_to_api(item.price),
        "archived": "1" if item.archived else "0",
    }


def _item_form(values: dict, errors: FormErrors, item):
    suppliers = choices.suppliers()
    current = values.get("default_supplier")
    if current and current not in dict(suppliers):  # an archived supplier stays selectable
        suppliers.append((current, current))
    return render_template(
        "catalog/item_form.html",
        values=values,
        errors=errors,
        item=item,
        kinds=list(choices.ITEM_KIND_LABELS.items()),
        units=[(unit, unit) for unit in units.UNIT_CHOICES],
        suppliers=suppliers,
        idempotency_key=new_idempotency_key(),
    ), 422 if errors else 200


# --- suppliers and customers ----------------------------------------------------------------


@dataclass(frozen=True)
class PartyPages:
    """What differs between the supplier and the customer pages."""

    model: type
    kind: str  # endpoint prefix: "supplier" -> catalog.supplier_list, …
    plural: str
    new_title: str
    edit_title: str
    search_hint: str


SUPPLIERS = PartyPages(
    Supplier,
    "supplier",
    _l("Suppliers"),
    _l("New supplier"),
    _l("Edit supplier"),
    _l("Search name, contact, email or phone"),
)
CUSTOMERS = PartyPages(
    Customer,
    "customer",
    _l("Customers"),
    _l("New customer"),
    _l("Edit customer"),
    _l("Search name, contact, email or phone"),
)


def _party_list(pages: PartyPages):
    q, archived = _list_args()
    return render_template(
        "catalog/parties.html",
        pages=pages,
        q=q,
        archived=archived,
        parties=queries.search_parties(pages.model, q, archived),
    )


def _party_page(pages: PartyPages, party_id: int):
    party = queries.get_party(pages.model, party_id)
    supplied = queries.items_supplied_by(party) if pages.model is Supplier else None
    return render_template("catalog/party.html", pages=pages, party=party, supplied=supplied)


def _new_party(pages: PartyPages):
    values = _form_values() if request.method == "POST" else {}
    errors = FormErrors()
    if request.method == "POST":
        try:
            party = master.create_party(pages.model, values, user=current_user)
        except DomainError as error:
            errors = _refusal(error, PARTY_FIELDS)
        else:
            flash(_("%(name)s saved.", name=party.name), "success")
            return redirect(url_for(f"catalog.{pages.kind}_page", id=party.id))
    return _party_form(pages, values, errors, party=None)


def _edit_party(pages: PartyPages, party_id: int):
    party = queries.get_party(pages.model, party_id)
    errors = FormErrors()
    if request.method == "POST":
        values = _edit_values()
        try:
            party = master.update_party(pages.model, str(party_id), values, user=current_user)
        except DomainError as error:
            errors = _refusal(error, PARTY_FIELDS)
            party = queries.get_party(pages.model, party_id)
        else:
            flash(_("%(name)s saved.", name=party.name), "success")
            return redirect(url_for(f"catalog.{pages.kind}_page", id=party.id))
    else:
        values = {name: getattr(party, name) or "" for name in PARTY_FIELDS}
        values["archived"] = "1" if party.archived else "0"
    return _party_form(pages, values, errors, party=party)


def _party_form(pages: PartyPages, values: dict, errors: FormErrors, party):
    return render_template(
        "catalog/party_form.html",
        pages=pages,
        values=values,
        errors=errors,
        party=party,
        idempotency_key=new_idempotency_key(),
    ), 422 if errors else 200


@bp.route("/suppliers")
@allow("operator")
def supplier_list():
    return _party_list(SUPPLIERS)


@bp.route("/suppliers/new", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def new_supplier():
    return _new_party(SUPPLIERS)


@bp.route("/suppliers/<int:id>")
@allow("operator")
def supplier_page(id):
    return _party_page(SUPPLIERS, id)


@bp.route("/suppliers/<int:id>/edit", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def edit_supplier(id):
    return _edit_party(SUPPLIERS, id)


@bp.route("/customers")
@allow("operator")
def customer_list():
    return _party_list(CUSTOMERS)


@bp.route("/customers/new", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def new_customer():
    return _new_party(CUSTOMERS)


@bp.route("/customers/<int:id>")
@allow("operator")
def customer_page(id):
    return _party_page(CUSTOMERS, id)


@bp.route("/customers/<int:id>/edit", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def edit_customer(id):
    return _edit_party(CUSTOMERS, id)


# --- locations ------------------------------------------------------------------------------


@bp.route("/locations")
@allow("operator")
def location_list():
    q, archived = _list_args()
    kind = request.args.get("kind") or None
    if kind not in choices.LOCATION_KIND_LABELS:
        kind = None
    return render_template(
        "catalog/locations.html",
        q=q,
        kind=kind,
        archived=archived,
        locations=queries.search_locations(q, kind, archived),
        kinds=choices.LOCATION_KIND_LABELS,
    )


@bp.route("/locations/new", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def new_location():
    values = _form_values() if request.method == "POST" else {"kind": "storage"}
    errors = FormErrors()
    if request.method == "POST":
        try:
            location = master.create_location(values, user=current_user)
        except DomainError as error:
            errors = _refusal(error, LOCATION_FIELDS)
        else:
            flash(_("Location %(code)s created.", code=location.code), "success")
            return redirect(url_for("catalog.location_page", code=location.code))
    return _location_form(values, errors, location=None)


@bp.route("/locations/<code>")
@allow("operator")
def location_page(code):
    location = master.get_location(code, field="code")
    return render_template(
        "catalog/location.html",
        location=location,
        held=queries.location_contents(location, stock.today()),
    )


@bp.route("/locations/<code>/edit", methods=["GET", "POST"])
@allow("supervisor")
@idempotent
def edit_location(code):
    location = master.get_location(code, field="code")
    errors = FormErrors()
    if request.method == "POST":
        values = _edit_values()
        try:
            location = master.update_location(code, values, user=current_user)
        except DomainError as error:
            errors = _refusal(error, LOCATION_FIELDS)
            location = master.get_location(code, field="code")
        else:
            flash(_("Location %(code)s saved.", code=location.code), "success")
            return redirect(url_for("catalog.location_page", code=location.code))
    else:
        values = {
            "code": location.code,
            "name": location.name,
            "kind": location.kind,
            "archived": "1" if location.archived else "0",
        }
    return _location_form(values, errors, location=location)


def _location_form(values: dict, errors: FormErrors, location):
    # A production order's WIP place keeps its kind: the form leaves the kind out.
    kinds = (
        None
        if location is not None and location.kind not in LOCATION_KINDS
        else [(kind, choices.LOCATION_KIND_LABELS[kind]) for kind in LOCATION_KINDS]
    )
    if kinds is None:
        values.pop("kind", None)
    return render_template(
        "catalog/location_form.html",
        values=values,
        errors=errors,
        location=location,
        kinds=kinds,
        idempotency_key=new_idempotency_key(),
    ), 422 if errors else 200


@bp.route("/locations/<code>/label")
@allow("operator")
def location_label(code):
    """Shelf and area labels: the QR opens the location page, the bars carry the code."""
    location = master.get_location(code, field="code")
    label = build_location_label(base_url(), code=location.code, name=location.name)
    return label_response(
        "location",
        label,
        title=location.code,
        back_url=url_for("catalog.location_page", code=location.code),
    )
