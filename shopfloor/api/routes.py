"""JSON API routes for master data and stock (docs/ARCHITECTURE.md, "Contracts"). Handlers
parse, call one service, and present the result; errors become JSON in shopfloor.http.errors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import bp, payload
from shopfloor.api import serializers as out
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.http.idempotency import idempotent, request_key
from shopfloor.http.links import scan_url
from shopfloor.models.master import ITEM_KINDS, Customer, Item, Location, Supplier
from shopfloor.services import master, scan, stock, stock_queries
from shopfloor.services.stock_queries import filter_items

# --- items -------------------------------------------------------------------------------

@bp.get("/items")
@allow("operator")
def list_items():
    kind = request.args.get("kind")
    if kind and kind not in ITEM_KINDS:
        raise ValidationError(t("kind must be one of {kinds}", kinds=", ".join(ITEM_KINDS)),
                              field="kind")
    query = filter_items(sa.select(Item).order_by(Item.sku), kind, request.args.get("q"),
                         include_archived=request.args.get("archived") == "1")
    return [out.item_json(item) for item in db.session.scalars(query.limit(1000))]


@bp.post("/items")
@allow("supervisor")
@idempotent
def create_item():
    return out.item_json(master.create_item(payload(), user=current_user)), 201


@bp.get("/items/<sku>")
@allow("operator")
def get_item(sku):
    return out.item_json(master.get_item(sku, field="sku"))


@bp.patch("/items/<sku>")
@allow("supervisor")
@idempotent
def update_item(sku):
    return out.item_json(master.update_item(sku, payload(), user=current_user))


# --- suppliers, customers, locations -----------------------------------------------------------

def _register_party_routes(path: str, model):
    def list_parties():
        query = sa.select(model).order_by(model.name)
        if request.args.get("q"):
            query = query.where(model.name.ilike(f"%{request.args['q'].strip()}%"))
        return [out.party_json(p) for p in db.session.scalars(query.limit(1000))]

    def create_party():
        return out.party_json(master.create_party(model, payload(), user=current_user)), 201

    def get_party(key):
        return out.party_json(master.find_party(model, key))

    def update_party(key):
        return out.party_json(master.update_party(model, key, payload(), user=current_user))

    name = model.__tablename__
    bp.add_url_rule(f"/{path}", f"list_{name}", allow("operator")(list_parties),
                    methods=["GET"])
    bp.add_url_rule(f"/{path}", f"create_{name}",
                    allow("supervisor")(idempotent(create_party)), methods=["POST"])
    bp.add_url_rule(f"/{path}/<key>", f"get_{name}", allow("operator")(get_party),
                    methods=["GET"])
    bp.add_url_rule(f"/{path}/<key>", f"update_{name}",
                    allow("supervisor")(idempotent(update_party)), methods=["PATCH"])


_register_party_routes("suppliers", Supplier)
_register_party_routes("customers", Customer)


@bp.get("/locations")
@allow("operator")
def list_locations():
    query = sa.select(Location).order_by(Location.code)
    if request.args.get("kind"):
        query = query.where(Location.kind == request.args["kind"])
    return [out.location_json(loc) for loc in db.session.scalars(query.limit(1000))]


@bp.post("/locations")
@allow("supervisor")
@idempotent
def create_location():
    return out.location_json(master.create_location(payload(), user=current_user)), 201


@bp.get("/locations/<code>")
@allow("operator")
def get_location(code):
    return out.location_json(master.get_location(code, field="code"))


@bp.patch("/locations/<code>")
@allow("supervisor")
@idempotent
def update_location(code):
    return out.location_json(master.update_location(code, payload(), user=current_user))


# --- stock ---------------------------------------------------------------------------------

@bp.post("/receipts")
@allow("operator")
@idempotent
def create_receipt():
    receipt = stock.receive_lot(payload(), current_user, key=request_key())
    view = stock_queries.lot_view(receipt.lot, stock.today())
    return {"lot": out.lot_json(view),
            "label_url": out.absolute_url("stock.lot_label", code=receipt.lot.code)}, 201


@bp.get("/lots/<path:code>")
@allow("operator")
def get_lot(code):
    return out.lot_json(stock_queries.lot_view(stock.get_lot(code, field="code"), stock.today()))


@bp.post("/lots/<path:code>/status")
@allow("supervisor")
@idempotent
def set_lot_status(code):
    lot = stock.change_lot_status(code, payload(), current_user)
    return out.lot_json(stock_queries.lot_view(lot, stock.today()))


@bp.post("/moves")
@allow("operator")
@idempotent
def create_move():
    move = stock.move_stock(payload(), current_user, key=request_key())
    return {"id": move.id, "lot": move.lot.code, "from": move.from_location.code,
            "to": move.to_location.code, "quantity": out.quantity(move.quantity),
            "reason": move.reason}, 201


@bp.post("/counts")
@allow("operator")
@idempotent
def create_count():
    count = stock.count_from_request(payload(), current_user, key=request_key())
    line = count.lines[0]
    return {"id": count.id, "lot": line.lot.code, "location": count.location.code,
            "expected_quantity": out.quantity(line.expected_quantity),
            "counted_quantity": out.quantity(line.counted_quantity),
            "adjustment": out.quantity(line.counted_quantity - line.expected_quantity)}, 201


@bp.get("/stock")
@allow("operator")
def get_stock():
    sku = request.args.get("item")
    if not sku:
        raise ValidationError(t("item is required"), field="item")
    return out.item_stock_json(stock_queries.item_stock(master.get_item(sku), stock.today()))


@bp.get("/alerts")
@allow("operator")
def get_alerts():
    found = stock_queries.alerts(stock.today())
    return {
        "low_stock": [{"item": row.item.sku, "name": row.item.name, "unit": row.item.unit,
                       "available": out.quantity(row.available),
                       "reorder_point": out.quantity(row.item.reorder_point),
                       "suggested_quantity": out.quantity(row.suggested_quantity)}
                      for row in found.low_stock],
        "expiring": [{"lot": v.lot.code, "item": v.lot.item.sku, "expiry": v.lot.expiry,
                      "quantity": out.quantity(v.quantity)} for v in found.expiring],
        "expired": [{"lot": v.lot.code, "item": v.lot.item.sku, "expiry": v.lot.expiry,
                     "quantity": out.quantity(v.quantity)} for v in found.expired],
    }


@bp.get("/scan")
@allow("operator")
def resolve_scan():
    result = scan.resolve(request.args.get("code", ""))
    return {"type": result.type, "key": result.key, "url": scan_url(result)}


@bp.get("/gs1")
@allow("operator")
def parse_gs1_code():
    """A supplier's GS1 barcode read as receipt fields (the receiving form fills itself)."""
    return scan.gs1_fields(request.args.get("code", ""))
