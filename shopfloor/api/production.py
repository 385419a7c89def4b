"""JSON API for recipes and production orders (docs/ARCHITECTURE.md, "Contracts"). Operators
pick and complete with their own tokens; supervisors plan."""

from __future__ import annotations

from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import serializers as out
from shopfloor.api import shapes as S
from shopfloor.api.blueprint import bp, payload
from shopfloor.api.openapi import operation
from shopfloor.http.idempotency import idempotent, request_key
from shopfloor.services import production, recipes
from shopfloor.services.master import get_item


def recipe_json(recipe) -> dict:
    return {
        "product": recipe.item.sku, "version": recipe.version,
        "yield_quantity": out.quantity(recipe.yield_quantity), "unit": recipe.item.unit,
        "labour_minutes": out.quantity(recipe.labour_minutes),
        "labour_rate": out.money(recipe.labour_rate), "overhead": out.money(recipe.overhead),
        "lines": [{"item": line.item.sku, "quantity": out.quantity(line.quantity),
                   "unit": line.item.unit, "loss_percent": out.quantity(line.loss_percent)}
                  for line in recipe.lines],
    }


def order_json(order, on=None) -> dict:
    views = production.requirement_views(order, on or production.today())
    body = {
        "number": order.number, "status": order.status, "product": order.item.sku,
        "recipe_version": order.recipe.version,
        "quantity": out.quantity(order.planned_quantity), "unit": order.item.unit,
        "due_date": order.due_on,
        "requirements": [{"item": view.item.sku, "required": out.quantity(view.required),
                          "available": out.quantity(view.available),
                          "shortage": out.quantity(view.shortage),
                          "picked": out.quantity(view.picked),
                          "reserved": out.quantity(view.reserved)} for view in views],
    }
    if order.flags.has_output:
        body["output_lot"] = order_output_json(order)
    return body


def order_output_json(order) -> dict:
    return {"code": order.output_lot.code, "quantity": out.quantity(order.produced_quantity),
            "unit_cost": out.money(order.output_lot.unit_cost),
            "total_cost": out.money(order.total_cost)}


@bp.post("/recipes")
@allow("supervisor")
@idempotent
@operation("Create a new recipe version", "Production", ok=201, answer=S.Recipe,
           body=S.RecipeInput, errors="404 409")
def create_recipe():
    return recipe_json(recipes.create_recipe(payload(), current_user)), 201


@bp.get("/recipes/<sku>")
@allow("operator")
@operation("The current recipe of a product", "Production", answer=S.Recipe)
def get_recipe(sku):
    return recipe_json(recipes.get_recipe(get_item(sku, field="sku")))


@bp.post("/production-orders")
@allow("supervisor")
@idempotent
@operation("Plan a production order (draft)", "Production", ok=201,
           answer=S.ProductionOrder, body=S.ProductionOrderInput, errors="404")
def create_order():
    return order_json(production.create_order(payload(), current_user)), 201


@bp.get("/production-orders/<number>")
@allow("operator")
@operation("A production order", "Production", answer=S.ProductionOrder)
def get_order(number):
    return order_json(production.get_order(number))


@bp.post("/production-orders/<number>/release")
@allow("supervisor")
@idempotent
@operation("Release: reserve every requirement (409 with the shortages)", "Production",
           answer=S.ProductionOrder, errors="409")
def release_order(number):
    return order_json(production.release_order(number, current_user))


@bp.get("/production-orders/<number>/suggestions")
@allow("operator")
@operation("FEFO lots to pick", "Production", answer=S.Suggestions)
def order_suggestions(number):
    order = production.get_order(number)
    return {"number": order.number, "requirements": [
        {"item": found.requirement.item.sku, "remaining": out.quantity(found.requirement.remaining),
         "shortage": out.quantity(found.shortage),
         "lots": [{"lot": pick.lot_code, "location": pick.location,
                   "quantity": out.quantity(pick.quantity),
                   "expiry": found.expiries.get(pick.lot_code)} for pick in found.picks]}
        for found in production.suggestions(order)]}


@bp.post("/production-orders/<number>/picks")
@allow("operator")
@idempotent
@operation("Pick a lot into the order's work in progress", "Production", ok=201,
           answer=S.Pick, body=S.PickInput, errors="409")
def create_pick(number):
    picked = production.pick(number, payload(), current_user, key=request_key())
    return {"order": number, "lot": picked.lot.code, "location": picked.from_location.code,
            "quantity": out.quantity(picked.quantity),
            "override_reason": picked.override_reason,
            "remaining": out.quantity(picked.requirement.remaining)}, 201


@bp.post("/production-orders/<number>/complete")
@allow("operator")
@idempotent
@operation("Complete: consume the work in progress less what is returned and scrapped, "
           "make the output lot", "Production",
           answer=S.Completion, body=S.CompletionInput, errors="409")
def complete_order(number):
    done = production.complete_order(number, payload(), current_user, key=request_key())
    return {"number": number, "status": done.order.status,
            "output_lot": order_output_json(done.order),
            "label_url": out.absolute_url("stock.lot_label", code=done.output_lot.code),
            "consumed": [{"lot": lot.code, "quantity": out.quantity(quantity),
                          "cost": out.money(cost)} for lot, quantity, cost in done.consumed],
            "returned": [{"lot": lot.code, "quantity": out.quantity(quantity),
                          "location": place.code} for lot, quantity, place in done.returned],
            "scrapped": [{"lot": lot.code, "quantity": out.quantity(quantity),
                          "cost": out.money(cost)} for lot, quantity, cost in done.scrapped]}


@bp.post("/production-orders/<number>/cancel")
@allow("supervisor")
@idempotent
@operation("Cancel: release reservations and return picked stock", "Production",
           answer=S.ProductionOrder, errors="409")
def cancel_order(number):
    return order_json(production.cancel_order(number, current_user, key=request_key()))


@bp.get("/planning")
@allow("operator")
@operation("What open orders still need, against stock", "Production",
           answer=S.Planning)
def get_planning():
    return [{"item": line.item.sku, "unit": line.item.unit,
             "required": out.quantity(line.required), "on_hand": out.quantity(line.on_hand),
             "shortage": out.quantity(line.shortage), "orders": line.orders,
             "blocked": line.blocked} for line in production.planning()]
