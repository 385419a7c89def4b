"""JSON API for purchasing, reports and settings (docs/ARCHITECTURE.md, "Contracts")."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import bp, payload
from shopfloor.api import serializers as out
from shopfloor.http.idempotency import idempotent
from shopfloor.services import fields as read
from shopfloor.services import purchasing, reports, settings


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
def create_purchase_orders_from_suggestions():
    skus = payload().get("items")
    orders = purchasing.create_orders_from_suggestions(current_user, skus or None)
    return [purchase_order_json(order) for order in orders], 201


@bp.get("/purchase-orders")
@allow("supervisor")
def list_purchase_orders():
    from shopfloor.services.purchasing import list_purchase_orders as listing

    return [purchase_order_json(order) for order in listing(request.args.get("status"))]


@bp.post("/purchase-orders")
@allow("supervisor")
@idempotent
def create_purchase_order():
    return purchase_order_json(purchasing.create_purchase_order(payload(), current_user)), 201


@bp.get("/purchase-orders/<number>")
@allow("supervisor")
def get_purchase_order(number):
    return purchase_order_json(purchasing.get_purchase_order(number))


@bp.patch("/purchase-orders/<number>")
@allow("supervisor")
@idempotent
def update_purchase_order(number):
    return purchase_order_json(purchasing.update_purchase_order(number, payload(),
                                                                current_user))


@bp.post("/purchase-orders/<number>/send")
@allow("supervisor")
@idempotent
def send_purchase_order(number):
    return purchase_order_json(purchasing.mark_sent(number, current_user))


@bp.post("/purchase-orders/<number>/cancel")
@allow("supervisor")
@idempotent
def cancel_purchase_order(number):
    return purchase_order_json(purchasing.cancel_purchase_order(number, current_user))


@bp.get("/reports/valuation")
@allow("supervisor")
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
def movements_report():
    flt = reports.MoveFilter(
        item=request.args.get("item") or None, lot=request.args.get("lot") or None,
        location=request.args.get("location") or None,
        reason=request.args.get("reason") or None, user=request.args.get("user") or None,
        date_from=read.iso_date(request.args, "from"), date_to=read.iso_date(request.args, "to"))
    limit = read.integer(request.args, "limit", minimum=1, maximum=1000) or 100
    before = read.integer(request.args, "before", minimum=1, maximum=read.MAX_ID)
    return [{"id": move.id, "at": move.created_at, "lot": lot, "item": sku, "unit": unit,
             "from": source, "to": target, "quantity": out.quantity(move.quantity),
             "reason": move.reason, "user": username, "note": move.note}
            for move, lot, sku, unit, source, target, username
            in reports.movements(flt, before_id=before, limit=limit)]


@bp.get("/settings")
@allow("admin")
def get_settings():
    return settings.all_settings()


@bp.patch("/settings")
@allow("admin")
@idempotent
def update_settings():
    return settings.update_settings(payload(), current_user)
