"""The stock API (docs/ARCHITECTURE.md, "Contracts") over HTTP: shapes, decimal strings,
errors that name the field, idempotency, and scanning every kind of code."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shopfloor.models.stock import Lot, StockMove
from tests.factories import (
    balance,
    count_rows,
    make_item,
    make_location,
    make_supplier,
    make_wip_location,
)


@pytest.fixture
def setup(app):
    return {"shelf": make_location(app, "SHELF-1"), "other": make_location(app, "SHELF-2"),
            "sku": make_item(app, sku="WAX", unit="g", reorder_point="1000",
                             reorder_quantity="5000", gtin="09506000134352",
                             shelf_life_days=365)}


def _receive(client, setup, **extra):
    body = {"item": setup["sku"], "quantity": "5", "unit": "kg", "location": setup["shelf"],
            "unit_cost": "12.50", **extra}
    return client.post("/api/v1/receipts", json=body)


def test_a_receipt_answers_the_lot_and_its_label(app, api, setup):
    response = _receive(api("operator"), setup, supplier_lot="S-77")
    assert response.status_code == 201
    body = response.get_json()
    lot = body["lot"]
    assert lot["item"] == "WAX" and lot["quantity"] == "5000.000"
    assert lot["available"] == "5000.000" and lot["unit_cost"] == "0.0125"
    assert lot["locations"] == [{"location": "SHELF-1", "quantity": "5000.000"}]
    assert lot["origin"] == "receipt" and lot["status"] == "available"
    assert lot["expiry"] == (date.today() + timedelta(days=365)).isoformat()
    assert body["label_url"] == f"https://shop.example/lots/{lot['code']}/label"


def test_quantities_in_json_numbers_are_read_exactly(api, setup):
    response = api().post("/api/v1/receipts", json=None, data=(
        '{"item": "WAX", "quantity": 0.1, "location": "SHELF-1", "unit_cost": 0.3}'),
        content_type="application/json")
    assert response.status_code == 201
    assert response.get_json()["lot"]["quantity"] == "0.100"


def test_a_replayed_receipt_with_the_same_key_adds_nothing(app, api, setup):
    client = api("operator")
    headers = {"Idempotency-Key": "phone-1-receipt-42"}
    first = client.post("/api/v1/receipts", headers=headers, json={
        "item": "WAX", "quantity": "5", "unit": "kg", "location": "SHELF-1", "unit_cost": "1"})
    second = client.post("/api/v1/receipts", headers=headers, json={
        "item": "WAX", "quantity": "5", "unit": "kg", "location": "SHELF-1", "unit_cost": "1"})
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert count_rows(app, Lot) == 1
    assert balance(app, first.get_json()["lot"]["code"], "SHELF-1") == 5000


def test_the_same_key_with_a_different_body_is_refused(app, api, setup):
    client = api("operator")
    headers = {"Idempotency-Key": "k-1"}
    _ = client.post("/api/v1/receipts", headers=headers, json={
        "item": "WAX", "quantity": "5", "location": "SHELF-1", "unit_cost": "1"})
    response = client.post("/api/v1/receipts", headers=headers, json={
        "item": "WAX", "quantity": "6", "location": "SHELF-1", "unit_cost": "1"})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "Idempotency-Key"
    assert count_rows(app, Lot) == 1


def test_a_refused_request_leaves_its_key_free(app, api, setup):
    client = api("operator")
    headers = {"Idempotency-Key": "k-2"}
    bad = client.post("/api/v1/receipts", headers=headers, json={
        "item": "WAX", "quantity": "x", "location": "SHELF-1", "unit_cost": "1"})
    assert bad.status_code == 422
    good = client.post("/api/v1/receipts", headers=headers, json={
        "item": "WAX", "quantity": "x", "location": "SHELF-1", "unit_cost": "1"})
    assert good.status_code == 422  # re-evaluated, not replayed
    assert count_rows(app, Lot) == 0


def test_keys_belong_to_their_user(app, api, setup):
    body = {"item": "WAX", "quantity": "1", "location": "SHELF-1", "unit_cost": "1"}
    headers = {"Idempotency-Key": "same"}
    assert api().post("/api/v1/receipts", headers=headers, json=body).status_code == 201
    assert api().post("/api/v1/receipts", headers=headers, json=body).status_code == 201
    assert count_rows(app, Lot) == 2


@pytest.mark.parametrize("change, status, field", [
    ({"quantity": "five"}, 422, "quantity"),
    ({"quantity": "-1"}, 422, "quantity"),
    ({"quantity": 1.5}, 201, None),  # a JSON number is read as a Decimal, never a float
    ({"unit": "pcs"}, 422, "unit"),
    ({"unit": "parsec"}, 422, "unit"),
    ({"item": "NOPE"}, 404, "item"),
    ({"location": "NOPE"}, 404, "location"),
    ({"unit_cost": "-1"}, 422, "unit_cost"),
    ({"expiry": "31/12/2026"}, 422, "expiry"),
    ({"supplier": "Nobody Ltd"}, 404, "supplier"),
])
def test_receipt_errors_name_the_field(app, api, setup, change, status, field):
    response = _receive(api(), setup, **change)
    assert response.status_code == status, response.get_json()
    if field:
        error = response.get_json()["error"]
        assert error["field"] == field and error["message"]
        assert count_rows(app, Lot) == 0


def test_nothing_is_received_into_an_orders_work_in_progress(app, api, setup):
    """WIP holds what an order picked, against its reservations; a receipt there would
    sit outside both."""
    wip = make_wip_location(app, "WIP-TEST")
    response = _receive(api(), setup, location=wip)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "location"
    assert count_rows(app, Lot) == 0 and count_rows(app, StockMove) == 0


def test_a_body_that_is_not_an_object_is_refused(api, setup):
    response = api().post("/api/v1/receipts", json=["not", "an", "object"])
    assert response.status_code == 422


def test_a_lot_answers_its_quantities_per_location(app, api, setup):
    client = api()
    code = _receive(client, setup).get_json()["lot"]["code"]
    client.post("/api/v1/moves", json={"lot": code, "from": "SHELF-1", "to": "SHELF-2",
                                       "quantity": "1250.5"})
    lot = client.get(f"/api/v1/lots/{code}").get_json()
    assert lot["quantity"] == "5000.000"
    assert lot["locations"] == [{"location": "SHELF-1", "quantity": "3749.500"},
                                {"location": "SHELF-2", "quantity": "1250.500"}]


def test_moving_more_than_is_there_is_a_409_naming_quantity(app, api, setup):
    client = api()
    code = _receive(client, setup, quantity="100", unit="g").get_json()["lot"]["code"]
    response = client.post("/api/v1/moves", json={"lot": code, "from": "SHELF-1",
                                                  "to": "SHELF-2", "quantity": "101"})
    assert response.status_code == 409
    assert response.get_json()["error"]["field"] == "quantity"
    assert count_rows(app, StockMove) == 1


def test_a_count_adjusts_to_what_was_found(app, api, setup):
    client = api()
    code = _receive(client, setup, quantity="100", unit="g").get_json()["lot"]["code"]
    response = client.post("/api/v1/counts", json={"lot": code, "location": "SHELF-1",
                                                   "counted_quantity": "93.25",
                                                   "reason": "evaporation"})
    assert response.status_code == 201
    assert response.get_json()["adjustment"] == "-6.750"
    assert balance(app, code, "SHELF-1") == pytest.approx(93.25)


def test_stock_shows_on_hand_reserved_and_available_per_lot(app, api, setup):
    client = api()
    _receive(client, setup, quantity="300", unit="g")
    body = client.get("/api/v1/stock?item=WAX").get_json()
    assert body["on_hand"] == "300.000" and body["reserved"] == "0.000"
    assert body["available"] == "300.000"
    assert body["lots"][0]["locations"] == [{"location": "SHELF-1", "quantity": "300.000"}]


def test_alerts_list_low_stock_with_a_suggested_order_and_lots_expiring_soon(api, setup):
    client = api()
    soon = (date.today() + timedelta(days=5)).isoformat()
    code = _receive(client, setup, quantity="400", unit="g", expiry=soon).get_json()["lot"]["code"]
    body = client.get("/api/v1/alerts").get_json()
    assert body["low_stock"] == [{"item": "WAX", "name": "Test material", "unit": "g",
                                  "available": "400.000", "reorder_point": "1000.000",
                                  "suggested_quantity": "5000.000"}]
    assert [lot["lot"] for lot in body["expiring"]] == [code]


def test_supervisor_quarantines_a_lot_and_an_operator_cannot(api, setup):
    code = _receive(api(), setup).get_json()["lot"]["code"]
    body = {"status": "quarantine", "reason": "supplier recall"}
    assert api("operator").post(f"/api/v1/lots/{code}/status", json=body).status_code == 403
    response = api("supervisor").post(f"/api/v1/lots/{code}/status", json=body)
    assert response.status_code == 200
    assert response.get_json()["status"] == "quarantine"
    assert response.get_json()["available"] == "0.000"


def test_items_are_listed_filtered_and_edited(api, setup):
    supervisor = api("supervisor")
    created = supervisor.post("/api/v1/items", json={
        "sku": "JAR", "name": "Amber jar", "kind": "material", "unit": "pcs"})
    assert created.status_code == 201
    assert [i["sku"] for i in supervisor.get("/api/v1/items?q=amber").get_json()] == ["JAR"]
    assert [i["sku"] for i in supervisor.get("/api/v1/items?kind=product").get_json()] == []
    patched = supervisor.patch("/api/v1/items/JAR", json={"reorder_point": "50"})
    assert patched.get_json()["reorder_point"] == "50.000"
    assert api("operator").patch("/api/v1/items/JAR", json={"name": "x"}).status_code == 403


def test_an_items_unit_cannot_change_once_it_has_lots(api, setup):
    _receive(api(), setup)
    response = api("supervisor").patch("/api/v1/items/WAX", json={"unit": "kg"})
    assert response.status_code == 409 and response.get_json()["error"]["field"] == "unit"


def test_suppliers_customers_and_locations_have_list_and_create(api, app):
    supervisor = api("supervisor")
    for path, body in (("suppliers", {"name": "Wax Co"}), ("customers", {"name": "Shop"}),
                       ("locations", {"code": "B-1", "name": "Bin 1"})):
        assert supervisor.post(f"/api/v1/{path}", json=body).status_code == 201
        assert supervisor.post(f"/api/v1/{path}", json=body).status_code == 409
        assert len(supervisor.get(f"/api/v1/{path}").get_json()) == 1


class TestScan:
    """GET /scan resolves every form of code docs/ARCHITECTURE.md, "Labels and scanning",
    lists."""

    @pytest.fixture
    def lot(self, api, setup):
        return _receive(api(), setup, supplier_lot="SUP-9").get_json()["lot"]

    @pytest.mark.parametrize("code", [
        "{lot}",
        "https://shop.example/l/{lot}",
        "http://192.168.1.10:5000/l/{lot}",
        "https://shop.example/01/09506000134352/10/{lot}?17=271231",
        "(01)09506000134352(10){lot}",
        "]C10109506000134352\x1d10{lot}",
        "(01)09506000134352(10)SUP-9",  # the supplier's own barcode on the container
    ])
    def test_lot_codes_in_every_form_resolve_to_the_lot(self, api, lot, code):
        response = api().get("/api/v1/scan", query_string={"code": code.format(lot=lot["code"])})
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"type": "lot", "key": lot["code"],
                                       "url": f"/l/{lot['code']}"}

    @pytest.mark.parametrize("code, kind, key", [
        ("WAX", "item", "WAX"),
        ("wax", "item", "WAX"),
        ("09506000134352", "item", "WAX"),
        ("9506000134352", "item", "WAX"),
        ("SHELF-2", "location", "SHELF-2"),
        ("https://shop.example/locations/SHELF-2", "location", "SHELF-2"),
    ])
    def test_items_and_locations_resolve(self, api, setup, code, kind, key):
        body = api().get("/api/v1/scan", query_string={"code": code}).get_json()
        assert (body["type"], body["key"]) == (kind, key)

    def test_an_unknown_code_is_404_naming_code(self, api, setup):
        response = api().get("/api/v1/scan", query_string={"code": "WHAT-IS-THIS"})
        assert response.status_code == 404
        assert response.get_json()["error"]["field"] == "code"


def test_an_order_url_from_a_traveller_resolves_to_the_order(app, api, setup):
    from shopfloor.services import production, recipes
    from tests.factories import user

    make_item(app, sku="BLOCK", kind="product", unit="pcs")
    supervisor = api("supervisor")
    with app.app_context():
        who = user(app, supervisor.username)
        recipes.create_recipe({"product": "BLOCK", "yield_quantity": "1",
                               "lines": [{"item": "WAX", "quantity": "10"}]}, who)
        number = production.create_order({"product": "BLOCK", "quantity": "1"}, who).number
    body = supervisor.get("/api/v1/scan",
                          query_string={"code": f"https://shop.example/orders/{number}"}).get_json()
    assert (body["type"], body["key"], body["url"]) == ("order", number, f"/orders/{number}")


def test_a_supplier_gs1_barcode_fills_receipt_fields(api, setup, app):
    make_supplier(app)
    body = api().get("/api/v1/gs1", query_string={
        "code": "(01)09506000134352(17)271231(10)SUP-LOT-5(3102)012500"}).get_json()
    assert body == {"item": "WAX", "gtin": "09506000134352", "supplier_lot": "SUP-LOT-5",
                    "expiry": "2027-12-31", "quantity": "125", "unit": "kg"}
