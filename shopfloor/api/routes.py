"""JSON API routes for master data and stock (docs/ARCHITECTURE.md, "Contracts"). Handlers
parse, call one service, and present the result; errors become JSON in shopfloor.http.errors."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import serializers as out
from shopfloor.api import shapes as S
from shopfloor.api import types as T
from shopfloor.api.blueprint import bp, payload
from shopfloor.api.openapi import Query, operation
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.http.idempotency import idempotent, request_key
from shopfloor.http.links import scan_url
from shopfloor.http.printing import print_receipt_after_commit
from shopfloor.models.master import ITEM_KINDS, LOCATION_KINDS, Customer, Item, Location, Supplier
from shopfloor.services import master, scan, stock, stock_queries
from shopfloor.services.stock_queries import filter_items

SEARCH = Query("q", T.text(200), "Part of the name (or SKU or GTIN of an item).")


@bp.get("/me")
@allow("operator")
@operation("Who the token acts as", "Meta", answer=S.Me)
def me():
    return {"username": current_user.username, "role": current_user.role,
            "locale": current_user.locale}


# --- items -------------------------------------------------------------------------------

@bp.get("/items")
@allow("operator")
@operation("List items", "Master data", answer=list[S.Item], query=(
    Query("kind", T.choice(ITEM_KINDS), "Only items of this kind."), SEARCH,
    Query("archived", T.choice(("0", "1")), "1 to include archived items.")))
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
@operation("Create an item", "Master data", ok=201, answer=S.Item, body=S.ItemInput,
           errors="404 409")
def create_item():
    return out.item_json(master.create_item(payload(), user=current_user)), 201


@bp.get("/items/<sku>")
@allow("operator")
@operation("An item", "Master data", answer=S.Item)
def get_item(sku):
    return out.item_json(master.get_item(sku, field="sku"))


@bp.patch("/items/<sku>")
@allow("supervisor")
@idempotent
@operation("Change an item", "Master data", answer=S.Item, body=S.ItemPatch,
           errors="409")
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
    noun = path.removesuffix("s")
    key = {"description": f"The {noun}'s id or exact name.", "schema": {
        "anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "maxLength": 200,
                                                      "minLength": 1}]}}
    described = operation(f"List {path}", "Master data", answer=list[S.Party],
                          query=(SEARCH,))
    bp.add_url_rule(f"/{path}", f"list_{name}", allow("operator")(described(list_parties)),
                    methods=["GET"])
    described = operation(f"Create a {noun}", "Master data", ok=201, answer=S.Party,
                          body=S.PartyInput, errors="409")
    bp.add_url_rule(f"/{path}", f"create_{name}",
                    allow("supervisor")(idempotent(described(create_party))), methods=["POST"])
    described = operation(f"A {noun}", "Master data", answer=S.Party, path={"key": key})
    bp.add_url_rule(f"/{path}/<key>", f"get_{name}", allow("operator")(described(get_party)),
                    methods=["GET"])
    described = operation(f"Change a {noun}", "Master data", answer=S.Party,
                          body=S.PartyPatch, errors="409", path={"key": key})
    bp.add_url_rule(f"/{path}/<key>", f"update_{name}",
                    allow("supervisor")(idempotent(described(update_party))),
                    methods=["PATCH"])


_register_party_routes("suppliers", Supplier)
_register_party_routes("customers", Customer)


@bp.get("/locations")
@allow("operator")
@operation("List locations", "Master data", answer=list[S.Location], query=(
    Query("kind", T.choice((*LOCATION_KINDS, "wip")), "Only locations of this kind."),))
def list_locations():
    query = sa.select(Location).order_by(Location.code)
    if request.args.get("kind"):
        query = query.where(Location.kind == request.args["kind"])
    return [out.location_json(loc) for loc in db.session.scalars(query.limit(1000))]


@bp.post("/locations")
@allow("supervisor")
@idempotent
@operation("Create a location", "Master data", ok=201, answer=S.Location,
           body=S.LocationInput, errors="409")
def create_location():
    return out.location_json(master.create_location(payload(), user=current_user)), 201


@bp.get("/locations/<code>")
@allow("operator")
@operation("A location", "Master data", answer=S.Location,
           path={"code": "The location's code."})
def get_location(code):
    return out.location_json(master.get_location(code, field="code"))


@bp.patch("/locations/<code>")
@allow("supervisor")
@idempotent
@operation("Change a location", "Master data", answer=S.Location,
           body=S.LocationPatch, errors="409", path={"code": "The location's code."})
def update_location(code):
    return out.location_json(master.update_location(code, payload(), user=current_user))


# --- stock ---------------------------------------------------------------------------------

@bp.post("/receipts")
@allow("operator")
@idempotent
@operation("Receive a lot", "Stock", ok=201, answer=S.Receipt, body=S.ReceiptInput,
           errors="404 409")
def create_receipt():
    receipt = stock.receive_lot(payload(), current_user, key=request_key())
    print_receipt_after_commit(receipt.lot.code, json_answer=True)
    view = stock_queries.lot_view(receipt.lot, stock.today())
    return {"lot": out.lot_json(view),
            "label_url": out.absolute_url("stock.lot_label", code=receipt.lot.code)}, 201


@bp.get("/lots/<path:code>")
@allow("operator")
@operation("A lot", "Stock", answer=S.Lot)
def get_lot(code):
    return out.lot_json(stock_queries.lot_view(stock.get_lot(code, field="code"), stock.today()))


@bp.post("/lots/<path:code>/status")
@allow("supervisor")
@idempotent
@operation("Quarantine, release or reject a lot", "Stock", answer=S.Lot,
           body=S.LotStatusInput, errors="409")
def set_lot_status(code):
    lot = stock.change_lot_status(code, payload(), current_user)
    return out.lot_json(stock_queries.lot_view(lot, stock.today()))


@bp.post("/moves")
@allow("operator")
@idempotent
@operation("Move stock between locations", "Stock", ok=201, answer=S.Move,
           body=S.MoveInput, errors="404 409")
def create_move():
    move = stock.move_stock(payload(), current_user, key=request_key())
    return {"id": move.id, "lot": move.lot.code, "from": move.from_location.code,
            "to": move.to_location.code, "quantity": out.quantity(move.quantity),
            "reason": move.reason}, 201


@bp.post("/counts")
@allow("operator")
@idempotent
@operation("Record a stock count (the difference becomes an adjustment)", "Stock",
           ok=201, answer=S.Count, body=S.CountInput, errors="404")
def create_count():
    count = stock.count_from_request(payload(), current_user, key=request_key())
    line = count.lines[0]
    return {"id": count.id, "lot": line.lot.code, "location": count.location.code,
            "expected_quantity": out.quantity(line.expected_quantity),
            "counted_quantity": out.quantity(line.counted_quantity),
            "adjustment": out.quantity(line.counted_quantity - line.expected_quantity)}, 201


@bp.get("/stock")
@allow("operator")
@operation("An item's stock: on hand, reserved, available, lots", "Stock",
           answer=S.Stock, errors="404",
           query=(Query("item", T.ItemCode, "The item's SKU.", required=True),))
def get_stock():
    sku = request.args.get("item")
    if not sku:
        raise ValidationError(t("item is required"), field="item")
    return out.item_stock_json(stock_queries.item_stock(master.get_item(sku), stock.today()))


@bp.get("/alerts")
@allow("operator")
@operation("Low stock with a suggested order quantity; lots expiring soon", "Stock",
           answer=S.Alerts)
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
@operation("What a scanned code is", "Scanning", answer=S.Scan, errors="404",
           query=(Query("code", T.text(2000, min_length=1, scanned=True),
                        "The scanned text.",
                        required=True),))
def resolve_scan():
    result = scan.resolve(request.args.get("code", ""))
    return {"type": result.type, "key": result.key, "url": scan_url(result)}


@bp.get("/gs1")
@allow("operator")
@operation("A supplier's GS1 barcode as receipt fields", "Scanning",
           answer=S.Gs1Fields,
           query=(Query("code", T.text(2000, min_length=1, scanned=True),
                        "The scanned GS1 text.",
                        required=True),))
def parse_gs1_code():
    """A supplier's GS1 barcode read as receipt fields (the receiving form fills itself)."""
    return scan.gs1_fields(request.args.get("code", ""))
