"""JSON API for sales orders (docs/ARCHITECTURE.md, "Contracts"): supervisors take, confirm,
plan and cancel orders; operators see them and ship against them (POST /shipments with
`sales_order`)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import serializers as out
from shopfloor.api import shapes as S
from shopfloor.api import types as T
from shopfloor.api.blueprint import bp, payload
from shopfloor.api.openapi import Query, operation
from shopfloor.domain import sales as rules
from shopfloor.http.idempotency import idempotent
from shopfloor.services import sales

NUMBER = {"number": "The sales order's number (SO-000001)."}


def sales_order_json(order, shipments=None, made=None) -> dict:
    """The order as §8.1 shows it; `shipments` (numbers) and `made` (production orders)
    when the caller loaded them for many orders at once."""
    if shipments is None:
        shipments = sales.shipment_numbers_by_order([order])[order.id]
    if made is None:
        made = sales.production_orders_of(order)
    return {
        "number": order.number, "status": order.status, "customer": order.customer.name,
        "reference": order.reference, "due_date": order.due_on,
        "min_shelf_life_days": order.min_shelf_life_days, "source": order.source,
        "lines": [{"line": line.position, "item": line.item.sku,
                   "quantity": out.quantity(line.quantity), "unit": line.item.unit,
                   "ordered_unit": line.unit, "price": out.money(line.price),
                   "reserved": out.quantity(line.reserved),
                   "shipped": out.quantity(line.shipped),
                   "shortage": out.quantity(line.state().shortage)}
                  for line in order.lines],
        "shipments": shipments,
        "production_orders": [{"number": planned.number, "product": planned.item.sku,
                               "quantity": out.quantity(planned.planned_quantity),
                               "status": planned.status}
                              for planned in made],
    }


@bp.post("/sales-orders")
@allow("supervisor")
@idempotent
@operation("Take a sales order (draft)", "Sales", ok=201, answer=S.SalesOrder,
           body=S.SalesOrderInput, errors="404")
def create_sales_order():
    return sales_order_json(sales.create_order(payload(), current_user, source="api")), 201


@bp.get("/sales-orders")
@allow("operator")
@operation("List sales orders, newest first (at most 500)", "Sales",
           answer=list[S.SalesOrder],
           query=(Query("status", T.choice(rules.STATUSES), "Only orders in this status."),))
def list_sales_orders():
    orders = sales.list_orders(request.args.get("status"))
    shipments = sales.shipment_numbers_by_order(orders)
    made = sales.production_orders_by_order(orders)
    return [sales_order_json(order, shipments[order.id], made[order.id]) for order in orders]


@bp.get("/sales-orders/<number>")
@allow("operator")
@operation("A sales order", "Sales", answer=S.SalesOrder, path=NUMBER)
def get_sales_order(number):
    return sales_order_json(sales.get_order(number))


@bp.post("/sales-orders/<number>/confirm")
@allow("supervisor")
@idempotent
@operation("Confirm: reserve what is available for each line", "Sales",
           answer=S.SalesOrder, errors="409", path=NUMBER)
def confirm_sales_order(number):
    return sales_order_json(sales.confirm_order(number, current_user))


@bp.post("/sales-orders/<number>/plan")
@allow("supervisor")
@idempotent
@operation("Plan production orders for the shortages, through every recipe level",
           "Sales", answer=S.SalesOrderPlan, errors="409", path=NUMBER)
def plan_sales_order(number):
    return {"production_orders": [
        {"number": made.number, "product": made.item.sku,
         "quantity": out.quantity(made.planned_quantity)}
        for made in sales.plan_order(number, current_user)]}


@bp.post("/sales-orders/<number>/cancel")
@allow("supervisor")
@idempotent
@operation("Cancel: release what the order holds", "Sales", answer=S.SalesOrder,
           errors="409", path=NUMBER)
def cancel_sales_order(number):
    return sales_order_json(sales.cancel_order(number, current_user))
