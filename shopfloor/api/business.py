"""JSON API for purchasing, reports and settings (docs/ARCHITECTURE.md, "Contracts")."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import serializers as out
from shopfloor.api import shapes as S
from shopfloor.api import types as T
from shopfloor.api.blueprint import bp, payload
from shopfloor.api.openapi import Query, operation
from shopfloor.domain.quantities import MAX_ID
from shopfloor.http.idempotency import idempotent
from shopfloor.models.purchasing import PO_STATUSES
from shopfloor.models.stock import MOVE_REASONS
from shopfloor.services import fields as read
from shopfloor.services import purchasing, reports, settings

PO_NUMBER = {"number": "The purchase order's number (PO-000001)."}


def purchase_order_json(order) -> dict:
    return {
        "number": order.number, "supplier": order.supplier.name, "status": order.status,
        "expected_date": order.expected_on, "notes": order.notes,
        "lines": [{"id": line.id, "item": line.item.sku,
                   "quantity": out.quantity(line.ordered_quantity), "unit": line.unit,
                   "unit_price": out.money(line.unit_price),
                   "base_quantity": out.quantity(line.quantity), "base_unit": line.item.unit,
                   "received": out.quantity(line.received_quantity),
                   "outstanding": out.quantity(line.outstanding)} for line in order.lines],
    }


@bp.get("/reorder-suggestions")
@allow("supervisor")
@operation("What to buy, by supplier", "Purchasing", answer=S.ReorderSuggestions)
def get_reorder_suggestions():
    return [{"supplier": supplier.name if supplier else None, "items": [
        {"item": s.item.sku, "on_hand": out.quantity(s.on_hand),
         "on_order": out.quantity(s.on_order), "reserved": out.quantity(s.reserved),
         "reorder_point": out.quantity(s.item.reorder_point),
         "suggested_quantity": out.quantity(s.quantity), "unit": s.item.unit,
         "unit_cost": out.money(s.unit_cost)} for s in suggestions]}
        for supplier, suggestions in purchasing.reorder_suggestions().items()]


@bp.post("/purchase-orders/from-suggestions")
@allow("supervisor")
@idempotent
@operation("Draft purchase orders from the reorder suggestions, one per supplier",
           "Purchasing", ok=201, answer=list[S.PurchaseOrder], body=S.FromSuggestionsInput,
           errors="409")
def create_purchase_orders_from_suggestions():
    skus = payload().get("items")
    orders = purchasing.create_orders_from_suggestions(current_user, skus or None)
    return [purchase_order_json(order) for order in orders], 201


@bp.get("/purchase-orders")
@allow("supervisor")
@operation("List purchase orders, newest first", "Purchasing",
           answer=list[S.PurchaseOrder],
           query=(Query("status", T.choice(PO_STATUSES), "Only this status."),))
def list_purchase_orders():
    from shopfloor.services.purchasing import list_purchase_orders as listing

    return [purchase_order_json(order) for order in listing(request.args.get("status"))]


@bp.post("/purchase-orders")
@allow("supervisor")
@idempotent
@operation("Create a draft purchase order", "Purchasing", ok=201,
           answer=S.PurchaseOrder, body=S.PurchaseOrderInput, errors="404")
def create_purchase_order():
    return purchase_order_json(purchasing.create_purchase_order(payload(), current_user)), 201


@bp.get("/purchase-orders/<number>")
@allow("supervisor")
@operation("A purchase order", "Purchasing", answer=S.PurchaseOrder, path=PO_NUMBER)
def get_purchase_order(number):
    return purchase_order_json(purchasing.get_purchase_order(number))


@bp.patch("/purchase-orders/<number>")
@allow("supervisor")
@idempotent
@operation("Change a draft purchase order", "Purchasing", answer=S.PurchaseOrder,
           body=S.PurchaseOrderPatch, errors="409", path=PO_NUMBER)
def update_purchase_order(number):
    return purchase_order_json(purchasing.update_purchase_order(number, payload(),
                                                                current_user))


@bp.post("/purchase-orders/<number>/send")
@allow("supervisor")
@idempotent
@operation("Mark a draft as sent", "Purchasing", answer=S.PurchaseOrder,
           errors="409", path=PO_NUMBER)
def send_purchase_order(number):
    return purchase_order_json(purchasing.mark_sent(number, current_user))


@bp.post("/purchase-orders/<number>/cancel")
@allow("supervisor")
@idempotent
@operation("Cancel an open purchase order", "Purchasing", answer=S.PurchaseOrder,
           errors="409", path=PO_NUMBER)
def cancel_purchase_order(number):
    return purchase_order_json(purchasing.cancel_purchase_order(number, current_user))


@bp.get("/reports/valuation")
@allow("supervisor")
@operation("Inventory value: materials, intermediates, WIP, finished", "Reports",
           answer=S.Valuation, query=(
               Query("detail", T.choice(("0", "1", "true", "false")),
                     "1 to add each item and lot."),))
def valuation_report():
    found = reports.valuation()
    body = {name: out.money(found.totals[name]) for name in reports.CATEGORIES}
    body["total"] = out.money(found.total)
    if request.args.get("detail") in ("1", "true"):
        body["items"] = [{"item": item.sku, "category": item.category,
                          "quantity": out.quantity(item.quantity),
                          "value": out.money(item.value),
                          "lots": [{"lot": lot.code, "quantity": out.quantity(lot.quantity),
                                    "unit_cost": out.money(lot.unit_cost),
                                    "value": out.money(lot.value)} for lot in item.lots]}
                         for item in found.items]
    return body


@bp.get("/reports/movements")
@allow("supervisor")
@operation("The movement history, filtered", "Reports", answer=S.Movements, query=(
    Query("item", T.text(40), "Only this SKU."),
    Query("lot", T.text(80), "Only this lot."),
    Query("location", T.text(40), "Only moves into or out of this location."),
    Query("reason", T.choice(MOVE_REASONS), "Only this kind of move."),
    Query("user", T.text(80), "Only moves by this user."),
    Query("from", T.DateInput, "From this day."),
    Query("to", T.DateInput, "Up to this day, included."),
    Query("limit", T.whole(1, 1000), "At most this many moves.", default=100),
    Query("before", T.Id, "Only moves older than this id (the next page).")))
def movements_report():
    flt = reports.MoveFilter(
        item=request.args.get("item") or None, lot=request.args.get("lot") or None,
        location=request.args.get("location") or None,
        reason=request.args.get("reason") or None, user=request.args.get("user") or None,
        date_from=read.iso_date(request.args, "from"), date_to=read.iso_date(request.args, "to"))
    limit = read.integer(request.args, "limit", minimum=1, maximum=1000) or 100
    before = read.integer(request.args, "before", minimum=1, maximum=MAX_ID)
    return [{"id": move.id, "at": move.created_at, "lot": lot, "item": sku, "unit": unit,
             "from": source, "to": target, "quantity": out.quantity(move.quantity),
             "reason": move.reason, "user": username, "note": move.note}
            for move, lot, sku, unit, source, target, username
            in reports.movements(flt, before_id=before, limit=limit)]


@bp.get("/settings")
@allow("admin")
@operation("The workshop's settings", "Settings", answer=S.Settings)
def get_settings():
    return settings.all_settings()


@bp.patch("/settings")
@allow("admin")
@idempotent
@operation("Change settings", "Settings", answer=S.Settings, body=S.SettingsPatch)
def update_settings():
    return settings.update_settings(payload(), current_user)
