"""Commands on master data: items, suppliers, customers and locations."""

from __future__ import annotations

import re
from collections.abc import Mapping

import sqlalchemy as sa

from shopfloor.database import command
from shopfloor.domain import units
from shopfloor.domain.errors import Conflict, NotFound, ValidationError
from shopfloor.domain.gs1 import normalize_gtin
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.models.master import ITEM_KINDS, LOCATION_KINDS, Item, Location, Supplier
from shopfloor.models.stock import Lot
from shopfloor.services import fields
from shopfloor.services.audit import record_change
from shopfloor.services.lookups import the_one

# Codes people type and scan: letters, digits and a few separators, no spaces.
# No "/": a code is part of page and API paths (/items/<sku>), where a slash would split it.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _code(data: Mapping, field: str, *, required: bool, max_length: int = 40) -> str | None:
    value = fields.text(data, field, required=required, max_length=max_length)
    if value is not None and not CODE_PATTERN.match(value):
        raise ValidationError(
            t("{field} may use letters, digits and . _ - only, without spaces", field=field),
            field=field)
    return value


# --- lookups -----------------------------------------------------------------------------

def get_item(sku: str, field: str = "item") -> Item:
    return the_one(Item, Item.sku, sku, lambda: t("no item with SKU {sku}", sku=sku), field)


def get_location(code: str, field: str = "location") -> Location:
    return the_one(Location, Location.code, code,
                   lambda: t("no location with code {code}", code=code), field)


def get_supplier(name: str, field: str = "supplier") -> Supplier:
    return the_one(Supplier, Supplier.name, name,
                   lambda: t("no supplier named {name}", name=name), field)


def get_lot(code: str, field: str = "lot") -> Lot:
    return the_one(Lot, Lot.code, code, lambda: t("no lot with code {code}", code=code), field)


def find_party(model, key: str):
    """A supplier or customer by id (as text), else by exact name."""
    # An id is a plain number within the column's range (a longer string of digits, or
    # digits of another script, can only be a name).
    is_id = key.isascii() and key.isdigit() and int(key) < 2**31
    party = db.session.get(model, int(key)) if is_id else None
    if party is None:
        party = db.session.scalar(sa.select(model).where(model.name == key))
    if party is None:
        raise NotFound(t("no supplier {key}", key=key) if model is Supplier
                       else t("no customer {key}", key=key), field="name")
    return party


# --- items -------------------------------------------------------------------------------

def _apply_item_fields(item: Item, data: Mapping, creating: bool) -> None:
    given = (lambda name: True) if creating else (lambda name: name in data)
    if given("sku"):
        item.sku = _code(data, "sku", required=True)
    if given("name"):
        item.name = fields.text(data, "name", required=True)
    if given("kind"):
        item.kind = fields.choice(data, "kind", ITEM_KINDS, required=True)
    if given("unit"):
        unit = units.canonical_unit(fields.text(data, "unit", required=True, max_length=20))
        if not creating and unit != item.unit and db.session.scalar(
                sa.select(Lot.id).where(Lot.item_id == item.id).limit(1)):
            raise Conflict(
                t("{sku} already has lots in {unit}; its unit cannot change to {new_unit}",
                  sku=item.sku, unit=item.unit, new_unit=unit),
                field="unit")
        item.unit = unit
    if given("reorder_point"):
        item.reorder_point = fields.quantity(data, "reorder_point", required=False,
                                             allow_zero=True, default=0)
    if given("reorder_quantity"):
        item.reorder_quantity = fields.quantity(data, "reorder_quantity", required=False,
                                                allow_zero=True, default=0)
    if given("default_supplier"):
        name = fields.text(data, "default_supplier")
        item.default_supplier = get_supplier(name, "default_supplier") if name else None
    if given("shelf_life_days"):
        item.shelf_life_days = fields.integer(data, "shelf_life_days", maximum=36500)
    if given("gtin"):
        raw = fields.text(data, "gtin", max_length=20)
        item.gtin = normalize_gtin(raw) if raw else None
    if given("density"):
        item.density = fields.quantity(data, "density", required=False)
    if given("price"):
        item.price = fields.money(data, "price")
    if given("archived"):
        item.archived = bool(fields.boolean(data, "archived", default=False))


def _unique_item(session, item: Item) -> None:
    clash = session.scalar(sa.select(Item).where(Item.sku == item.sku, Item.id != item.id)) \
        if item.id else session.scalar(sa.select(Item).where(Item.sku == item.sku))
    if clash is not None:
        raise Conflict(t("SKU {sku} is already used by {name}", sku=item.sku, name=clash.name),
                       field="sku")
    if item.gtin:
        query = sa.select(Item).where(Item.gtin == item.gtin)
        if item.id:
            query = query.where(Item.id != item.id)
        clash = session.scalar(query)
        if clash is not None:
            raise Conflict(t("GTIN {gtin} is already used by {sku}", gtin=item.gtin, sku=clash.sku),
                           field="gtin")


def create_item(data: Mapping, user=None) -> Item:
    with command() as session:
        item = Item()
        with session.no_autoflush:
            _apply_item_fields(item, data, creating=True)
            _unique_item(session, item)
        session.add(item)
        record_change(user, "item", item.sku, None, _snapshot(item, AUDITED_ITEM_FIELDS))
    return item


AUDITED_ITEM_FIELDS = ("sku", "name", "kind", "unit", "reorder_point", "reorder_quantity",
                       "default_supplier", "shelf_life_days", "gtin", "density", "price",
                       "archived")
AUDITED_LOCATION_FIELDS = ("code", "name", "kind", "archived")


def _snapshot(obj, names) -> dict:
    """Field values as people know them (a supplier by name, not by id)."""
    values = {}
    for name in names:
        value = getattr(obj, name)
        values[name] = getattr(value, "name", value) if name == "default_supplier" else value
    return values


def update_item(sku: str, data: Mapping, user=None) -> Item:
    with command() as session:
        item = get_item(sku, field="sku")
        before = _snapshot(item, AUDITED_ITEM_FIELDS)
        with session.no_autoflush:
            _apply_item_fields(item, data, creating=False)
            _unique_item(session, item)
        record_change(user, "item", sku, before, _snapshot(item, AUDITED_ITEM_FIELDS))
    return item


# --- suppliers and customers ---------------------------------------------------------------

PARTY_FIELDS = ("name", "contact", "email", "phone", "address", "notes")
# As long as the columns that keep them.
PARTY_FIELD_LENGTHS = {"phone": 50, "address": 2000, "notes": 2000}


def _apply_party_fields(party, data: Mapping, creating: bool) -> None:
    for name in PARTY_FIELDS:
        if creating or name in data:
            setattr(party, name, fields.text(data, name, required=name == "name",
                                             max_length=PARTY_FIELD_LENGTHS.get(name, 200)))
    if "archived" in data:
        party.archived = bool(fields.boolean(data, "archived", default=False))


def _save_party(model, party, data: Mapping, creating: bool, user=None):
    before = None if creating else _snapshot(party, (*PARTY_FIELDS, "archived"))
    _apply_party_fields(party, data, creating)
    session = db.session
    with session.no_autoflush:
        query = sa.select(model.id).where(model.name == party.name)
        if party.id:
            query = query.where(model.id != party.id)
        if session.scalar(query):
            raise Conflict(t("{name} already exists", name=party.name), field="name")
    session.add(party)
    record_change(user, model.__tablename__[:-1], party.name, before,
                  _snapshot(party, (*PARTY_FIELDS, "archived")))
    return party


def create_party(model, data: Mapping, user=None):
    with command():
        return _save_party(model, model(), data, creating=True, user=user)


def update_party(model, key: str, data: Mapping, user=None):
    with command():
        return _save_party(model, find_party(model, key), data, creating=False, user=user)


# --- locations ---------------------------------------------------------------------------

def _apply_location_fields(location: Location, data: Mapping, creating: bool) -> None:
    if creating or "code" in data:
        location.code = _code(data, "code", required=True)
    if creating or "name" in data:
        location.name = fields.text(data, "name", required=True)
    if creating or "kind" in data:
        location.kind = fields.choice(data, "kind", LOCATION_KINDS, default="storage")
    if "archived" in data:
        location.archived = bool(fields.boolean(data, "archived", default=False))


def create_location(data: Mapping, user=None) -> Location:
    with command() as session:
        location = Location()
        _apply_location_fields(location, data, creating=True)
        if session.scalar(sa.select(Location.id).where(Location.code == location.code)):
            raise Conflict(t("location {location} already exists", location=location.code),
                           field="code")
        session.add(location)
        record_change(user, "location", location.code, None,
                      _snapshot(location, AUDITED_LOCATION_FIELDS))
    return location


def update_location(code: str, data: Mapping, user=None) -> Location:
    with command() as session:
        location = get_location(code, field="code")
        before = _snapshot(location, AUDITED_LOCATION_FIELDS)
        with session.no_autoflush:
            _apply_location_fields(location, data, creating=False)
            if session.scalar(sa.select(Location.id).where(
                    Location.code == location.code, Location.id != location.id)):
                raise Conflict(t("location {location} already exists", location=location.code),
                               field="code")
        record_change(user, "location", code, before,
                      _snapshot(location, AUDITED_LOCATION_FIELDS))
    return location
