"""Sales orders over the API (docs/ARCHITECTURE.md, "Contracts"): take, confirm (reserving
from the one pool production also reserves from), plan, ship against, cancel. On the candle
workshop (tests/scenarios.py) with 30 candles in stock at FG."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopfloor.models.master import Customer
from shopfloor.models.sales import SalesOrder
from shopfloor.services import master
from tests.factories import balance, count_rows, receive, user
from tests.scenarios import days


@pytest.fixture
def shop(app, workshop):
    sup = workshop["sup"]
    receive(app, sup, "CANDLE", workshop["finished"], quantity="20", unit_cost="3",
            expiry=days(300), lot_code="CANDLE-LATE")
    receive(app, sup, "CANDLE", workshop["finished"], quantity="10", unit_cost="3",
            expiry=days(20), lot_code="CANDLE-SOON")
    with app.app_context():
        master.create_party(Customer, {"name": "Casa Verde"}, user(app, sup))
        master.create_party(Customer, {"name": "Market Stall"}, user(app, sup))
    return workshop


def take(api, **body):
    order = {"customer": "Casa Verde", "lines": [{"item": "CANDLE", "quantity": "12",
                                                  "price": "18.50"}]}
    order.update(body)
    response = api("supervisor").post("/api/v1/sales-orders", json=order)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def line(order: dict, number: int = 1) -> dict:
    return order["lines"][number - 1]


# --- taking and confirming ---------------------------------------------------------------

def test_a_new_order_is_a_draft_that_holds_nothing(shop, api):
    order = take(api, reference="#1042", due_date=days(7), min_shelf_life_days=30)
    assert order["number"] == "SO-000001" and order["status"] == "draft"
    assert order["customer"] == "Casa Verde" and order["reference"] == "#1042"
    assert order["source"] == "api" and order["min_shelf_life_days"] == 30
    assert line(order) == {"line": 1, "item": "CANDLE", "quantity": "12.000", "unit": "pcs",
                           "ordered_unit": "pcs", "price": "18.50", "reserved": "0.000",
                           "shipped": "0.000", "shortage": "12.000"}
    assert order["shipments"] == [] and order["production_orders"] == []
    fetched = api("operator").get("/api/v1/sales-orders/SO-000001").get_json()
    assert fetched == order
    listed = api("operator").get("/api/v1/sales-orders?status=draft").get_json()
    assert [o["number"] for o in listed] == ["SO-000001"]
    assert api("operator").get("/api/v1/sales-orders?status=shipped").get_json() == []


def test_a_line_in_another_unit_is_counted_in_the_items_base_unit(shop, api):
    order = take(api, lines=[{"item": "WAX", "quantity": "0.5", "unit": "kg"}])
    assert line(order)["quantity"] == "500.000" and line(order)["unit"] == "g"
    assert line(order)["ordered_unit"] == "kg"


def test_confirming_reserves_what_is_available_and_names_the_shortage(shop, api):
    take(api, lines=[{"item": "CANDLE", "quantity": "25"}, {"item": "CANDLE", "quantity": "10"}])
    confirmed = api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm").get_json()
    assert confirmed["status"] == "confirmed"
    # Lines of one item share the 30 candles in order: the second gets what the first left.
    assert [(row["reserved"], row["shortage"]) for row in confirmed["lines"]] == [
        ("25.000", "0.000"), ("5.000", "5.000")]
    again = api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "status"


def test_what_a_sales_order_holds_nobody_else_ships(shop, api, app):
    take(api, lines=[{"item": "CANDLE", "quantity": "28"}])
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    refused = api("operator").post("/api/v1/shipments", json={
        "customer": "Market Stall", "lines": [{"lot": "CANDLE-LATE", "quantity": "3"}]})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["field"] == "quantity"
    assert balance(app, "CANDLE-LATE", "FG") == Decimal(20)
    assert api("operator").post("/api/v1/shipments", json={
        "customer": "Market Stall",
        "lines": [{"lot": "CANDLE-LATE", "quantity": "2"}]}).status_code == 201


def test_sales_and_production_reserve_from_one_pool(shop, api):
    take(api, lines=[{"item": "OIL", "quantity": "480"}])  # of 500 ml
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    made = api("supervisor").post("/api/v1/production-orders",
                                  json={"product": "BASE", "quantity": "1000"}).get_json()
    assert made["requirements"][1]["item"] == "OIL"
    assert made["requirements"][1]["available"] == "20.000"
    refused = api("supervisor").post(f"/api/v1/production-orders/{made['number']}/release")
    assert refused.status_code == 409
    api("supervisor").post("/api/v1/sales-orders/SO-000001/cancel")
    released = api("supervisor").post(f"/api/v1/production-orders/{made['number']}/release")
    assert released.status_code == 200


# --- shipping against an order -----------------------------------------------------------

def test_shipping_against_an_order_counts_and_leaves_a_backorder(shop, api, app):
    take(api)
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    shipped = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "sales_order": "SO-000001",
        "lines": [{"lot": "CANDLE-SOON", "quantity": "10"}]})
    assert shipped.status_code == 201, shipped.get_json()
    order = api("operator").get("/api/v1/sales-orders/SO-000001").get_json()
    assert order["status"] == "partially_shipped"
    assert (line(order)["shipped"], line(order)["reserved"]) == ("10.000", "2.000")
    assert order["shipments"] == [shipped.get_json()["number"]]
    # The order's own reservation is its to take, even though nothing else is free.
    api("supervisor").post("/api/v1/sales-orders", json={
        "customer": "Market Stall", "lines": [{"item": "CANDLE", "quantity": "18"}]})
    api("supervisor").post("/api/v1/sales-orders/SO-000002/confirm")
    rest = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "sales_order": "SO-000001",
        "lines": [{"lot": "CANDLE-LATE", "quantity": "2"}]})
    assert rest.status_code == 201, rest.get_json()
    done = api("operator").get("/api/v1/sales-orders/SO-000001").get_json()
    assert done["status"] == "shipped" and line(done)["reserved"] == "0.000"
    assert balance(app, "CANDLE-LATE", "FG") == Decimal(18)


def test_shipping_more_than_ordered_is_refused_and_ships_nothing(shop, api, app):
    take(api)
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    refused = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "sales_order": "SO-000001",
        "lines": [{"lot": "CANDLE-LATE", "quantity": "13"}]})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "more_than_ordered"
    assert balance(app, "CANDLE-LATE", "FG") == Decimal(20)
    order = api("operator").get("/api/v1/sales-orders/SO-000001").get_json()
    assert line(order)["shipped"] == "0.000" and order["status"] == "confirmed"


def test_a_lot_of_an_item_the_order_lacks_or_short_shelf_life_is_refused(shop, api):
    take(api, min_shelf_life_days=30)
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    other_item = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "sales_order": "SO-000001",
        "lines": [{"lot": "JAR-1", "location": "RAW", "quantity": "1"}]})
    assert other_item.status_code == 422
    assert other_item.get_json()["error"]["field"] == "lot"
    too_soon = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "sales_order": "SO-000001",
        "lines": [{"lot": "CANDLE-SOON", "quantity": "1"}]})
    assert too_soon.status_code == 422
    assert too_soon.get_json()["error"]["code"] == "short_shelf_life"


def test_an_order_ships_only_to_its_customer_and_only_once_confirmed(shop, api):
    take(api)
    draft = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "sales_order": "SO-000001",
        "lines": [{"lot": "CANDLE-LATE", "quantity": "1"}]})
    assert draft.status_code == 409 and draft.get_json()["error"]["field"] == "status"
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    elsewhere = api("operator").post("/api/v1/shipments", json={
        "customer": "Market Stall", "sales_order": "SO-000001",
        "lines": [{"lot": "CANDLE-LATE", "quantity": "1"}]})
    assert elsewhere.status_code == 422
    assert elsewhere.get_json()["error"]["field"] == "sales_order"


# --- cancelling and planning -------------------------------------------------------------

def test_cancelling_releases_what_the_order_holds(shop, api):
    take(api, lines=[{"item": "CANDLE", "quantity": "30"}])
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    cancelled = api("supervisor").post("/api/v1/sales-orders/SO-000001/cancel").get_json()
    assert cancelled["status"] == "cancelled" and line(cancelled)["reserved"] == "0.000"
    assert api("operator").post("/api/v1/shipments", json={
        "customer": "Market Stall",
        "lines": [{"lot": "CANDLE-LATE", "quantity": "20"}]}).status_code == 201
    again = api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    assert again.status_code == 409


def test_planning_makes_production_orders_for_the_shortage_once(shop, api):
    take(api, lines=[{"item": "CANDLE", "quantity": "50"}])
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    planned = api("supervisor").post("/api/v1/sales-orders/SO-000001/plan")
    assert planned.status_code == 200, planned.get_json()
    orders = planned.get_json()["production_orders"]
    # 20 candles short; 3.6 kg of base needed and none in stock: the base is planned too.
    assert [(o["product"], o["quantity"]) for o in orders] == [
        ("CANDLE", "20.000"), ("BASE", "3600.000")]
    order = api("operator").get("/api/v1/sales-orders/SO-000001").get_json()
    assert [p["number"] for p in order["production_orders"]] == [o["number"] for o in orders]
    assert api("supervisor").post(
        "/api/v1/sales-orders/SO-000001/plan").get_json() == {"production_orders": []}


def test_what_a_planned_order_makes_is_held_for_the_sales_order(shop, api, app):
    receive(app, shop["sup"], "BASE", shop["shelf"], quantity="2", unit="kg", unit_cost="5",
            expiry=days(60), lot_code="BASE-1")
    take(api, lines=[{"item": "CANDLE", "quantity": "40"}])
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    planned = api("supervisor").post("/api/v1/sales-orders/SO-000001/plan").get_json()
    # 10 short; the base is in stock, so only the candles are planned.
    assert [(o["product"], o["quantity"]) for o in planned["production_orders"]] == [
        ("CANDLE", "10.000")]
    number = planned["production_orders"][0]["number"]
    boss = api("supervisor")
    assert boss.post(f"/api/v1/production-orders/{number}/release").status_code == 200
    for lot, quantity in (("BASE-1", "1800"), ("WICK-1", "10"), ("JAR-1", "10")):
        picked = boss.post(f"/api/v1/production-orders/{number}/picks",
                           json={"lot": lot, "quantity": quantity})
        assert picked.status_code == 201, picked.get_json()
    done = boss.post(f"/api/v1/production-orders/{number}/complete",
                     json={"quantity": "10", "location": "FG"})
    assert done.status_code == 200, done.get_json()
    order = api("operator").get("/api/v1/sales-orders/SO-000001").get_json()
    assert (line(order)["reserved"], line(order)["shortage"]) == ("40.000", "0.000")
    # Held for this order: another customer's order finds nothing free.
    take(api, customer="Market Stall", lines=[{"item": "CANDLE", "quantity": "1"}])
    other = api("supervisor").post("/api/v1/sales-orders/SO-000002/confirm").get_json()
    assert line(other)["reserved"] == "0.000"


# --- refusals ---------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "status", "field"), [
    ({"customer": "Nobody"}, 404, "customer"),
    ({"lines": [{"item": "NOPE", "quantity": "1"}]}, 404, "item"),
    ({"lines": [{"item": "CANDLE", "quantity": "0"}]}, 422, "quantity"),
    ({"lines": [{"item": "CANDLE", "quantity": "-2"}]}, 422, "quantity"),
    ({"lines": [{"item": "CANDLE", "quantity": "1", "unit": "kg"}]}, 422, "unit"),
    ({"lines": []}, 422, "lines"),
    ({"min_shelf_life_days": -1}, 422, "min_shelf_life_days"),
    ({"colour": "red"}, 422, "colour"),
    ({"lines": [{"item": "CANDLE", "quantity": "1", "qty": "2"}]}, 422, "lines[0].qty"),
])
def test_a_bad_order_is_refused_naming_the_field_and_nothing_is_made(shop, api, app, body,
                                                                      status, field):
    order = {"customer": "Casa Verde", "lines": [{"item": "CANDLE", "quantity": "1"}]}
    order.update(body)
    response = api("supervisor").post("/api/v1/sales-orders", json=order)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert count_rows(app, SalesOrder) == 0


def test_operators_see_orders_but_do_not_take_or_confirm_them(shop, api):
    assert api("operator").post("/api/v1/sales-orders", json={
        "customer": "Casa Verde",
        "lines": [{"item": "CANDLE", "quantity": "1"}]}).status_code == 403
    take(api)
    assert api("operator").post("/api/v1/sales-orders/SO-000001/confirm").status_code == 403
    assert api("operator").get("/api/v1/sales-orders/SO-000001").status_code == 200
    assert api("operator").get("/api/v1/sales-orders/SO-000009").status_code == 404


def test_a_repeated_confirm_with_the_same_key_changes_nothing(shop, api):
    take(api)
    client = api("supervisor")
    headers = {"Idempotency-Key": "confirm-so-1"}
    first = client.post("/api/v1/sales-orders/SO-000001/confirm", headers=headers)
    second = client.post("/api/v1/sales-orders/SO-000001/confirm", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()


# --- flask check ------------------------------------------------------------------------

def test_flask_check_holds_sales_orders_to_their_shipments(shop, api, app):
    from shopfloor.extensions import db
    from shopfloor.models.sales import SalesOrderLine
    from shopfloor.services.invariants import check_all

    take(api)
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "sales_order": "SO-000001",
        "lines": [{"lot": "CANDLE-LATE", "quantity": "5"}]})
    with app.app_context():
        assert check_all() == []
        line = db.session.scalars(db.select(SalesOrderLine)).one()
        line.shipped = Decimal(4)
        line.reserved = Decimal(9)
        db.session.commit()
        found = {violation.detail for violation in check_all()}
    assert found == {"SO-000001 holds 9 of CANDLE but awaits only 8",
                     "SO-000001 says 4 of CANDLE shipped; its shipments carried 5"}


def test_listing_orders_asks_the_same_queries_however_many_orders(shop, api, app):
    import sqlalchemy as sa

    from shopfloor.extensions import db

    def statements(path: str) -> int:
        seen = []
        with app.app_context():
            engine = db.engine
            record = lambda *_args: seen.append(1)  # noqa: E731
            sa.event.listen(engine, "before_cursor_execute", record)
            try:
                assert api("operator").get(path).status_code == 200
            finally:
                sa.event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    for _ in range(5):
        number = take(api, lines=[{"item": "CANDLE", "quantity": "40"}])["number"]
        api("supervisor").post(f"/api/v1/sales-orders/{number}/confirm")
        api("supervisor").post(f"/api/v1/sales-orders/{number}/plan")
        api("operator").post("/api/v1/shipments", json={
            "customer": "Casa Verde", "sales_order": number,
            "lines": [{"lot": "CANDLE-SOON", "quantity": "1"}]})
        if number == "SO-000001":
            one = statements("/api/v1/sales-orders")
    assert statements("/api/v1/sales-orders") == one


def test_a_material_sold_as_it_is_and_held_by_an_order_is_reordered(shop, api, app):
    from shopfloor.services import purchasing

    with app.app_context():
        master.update_item("JAR", {"reorder_point": "50", "reorder_quantity": "100"},
                           user(app, shop["sup"]))
        assert purchasing.reorder_suggestions() == {}  # 100 jars, point 50
    take(api, lines=[{"item": "JAR", "quantity": "60"}])
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    with app.app_context():
        rows = [row for group in purchasing.reorder_suggestions().values() for row in group]
        assert [(row.item.sku, row.reserved, row.quantity) for row in rows] == [
            ("JAR", Decimal("60"), Decimal("100"))]
