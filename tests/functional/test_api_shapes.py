"""What the API takes, as its declared shapes say (shopfloor/api/shapes.py): quantities in
any compatible unit wherever a quantity is sent, no field silently ignored, and odd input
(ambiguous separators, dates of another form, digits of other scripts, huge ids, deep JSON,
control characters) refused naming the field, never a 500."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.stock import StockMove
from tests.factories import balance, make_item, make_location, receive

API = "/api/v1"


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


@pytest.fixture
def boss(api):
    return api("supervisor")


@pytest.fixture
def floor(api):
    return api("operator")


@pytest.fixture
def shop(app, supervisor, boss):
    """Wax in grams (a 5 kg lot), wicks in pieces, and a candle recipe: 100 g wax and one
    wick a candle."""
    make_location(app, "RAW")
    make_location(app, "RAW2")
    make_location(app, "FG")
    make_item(app, sku="WAX", unit="g")
    make_item(app, sku="WICK", unit="pcs")
    make_item(app, sku="CANDLE", kind="product", unit="pcs")
    make_item(app, sku="SOAP", kind="product", unit="g")
    receive(app, supervisor, "WAX", "RAW", quantity="5", unit="kg", unit_cost="4.20",
            expiry=days(300), lot_code="WAX-1")
    receive(app, supervisor, "WICK", "RAW", quantity="100", unit_cost="0.09", lot_code="WICK-1")
    assert boss.post(f"{API}/customers", json={"name": "Casa Verde"}).status_code == 201
    for product, lines in (("CANDLE", [{"item": "WAX", "quantity": "100"},
                                       {"item": "WICK", "quantity": "1"}]),
                           ("SOAP", [{"item": "WAX", "quantity": "1"}])):
        response = boss.post(f"{API}/recipes", json={"product": product, "yield_quantity": "1",
                                                     "lines": lines})
        assert response.status_code == 201, response.get_json()
    return supervisor


def _released(boss, product="CANDLE", quantity="10") -> str:
    response = boss.post(f"{API}/production-orders", json={"product": product,
                                                          "quantity": quantity})
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    assert boss.post(f"{API}/production-orders/{number}/release").status_code == 200
    return number


def _refused(response, field, status=422):
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error"]["field"] == field, body
    return body["error"]


# --- quantities in any compatible unit (docs/ARCHITECTURE.md, "Units and exact numbers") ---

def test_a_pick_in_kilograms_of_a_gram_item_picks_grams(app, shop, boss, floor):
    number = _released(boss, quantity="30")
    response = floor.post(f"{API}/production-orders/{number}/picks",
                          json={"lot": "WAX-1", "quantity": "2.1", "unit": "kg"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["quantity"] == "2100.000"
    assert balance(app, "WAX-1", "RAW") == Decimal("2900")


def test_a_move_takes_its_quantity_in_any_compatible_unit(app, shop, floor):
    response = floor.post(f"{API}/moves", json={"lot": "WAX-1", "from": "RAW", "to": "RAW2",
                                                 "quantity": "0.25", "unit": "kg"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["quantity"] == "250.000"
    assert balance(app, "WAX-1", "RAW2") == Decimal("250")


def test_a_count_takes_its_quantity_in_any_compatible_unit(app, shop, floor):
    response = floor.post(f"{API}/counts", json={"lot": "WAX-1", "location": "RAW",
                                                  "counted_quantity": "4.5", "unit": "kg"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["counted_quantity"] == "4500.000"
    assert response.get_json()["adjustment"] == "-500.000"


def test_a_shipment_line_takes_its_quantity_in_any_compatible_unit(app, shop, boss, floor):
    number = _released(boss, product="SOAP", quantity="2000")
    assert floor.post(f"{API}/production-orders/{number}/picks",
                      json={"lot": "WAX-1", "quantity": "2", "unit": "kg"}).status_code == 201
    done = floor.post(f"{API}/production-orders/{number}/complete",
                      json={"quantity": "2", "unit": "kg", "location": "FG"})
    assert done.status_code == 200, done.get_json()
    soap = done.get_json()["output_lot"]
    assert soap["quantity"] == "2000.000"  # the completion's 2 kg of a gram product
    shipped = floor.post(f"{API}/shipments", json={
        "customer": "Casa Verde", "lines": [{"lot": soap["code"], "quantity": "0.5",
                                             "unit": "kg"}]})
    assert shipped.status_code == 201, shipped.get_json()
    assert shipped.get_json()["lines"][0]["quantity"] == "500.000"


@pytest.mark.parametrize("path, body", [
    ("/moves", {"lot": "WAX-1", "from": "RAW", "to": "RAW2", "quantity": "1", "unit": "pcs"}),
    ("/counts", {"lot": "WAX-1", "location": "RAW", "counted_quantity": "1", "unit": "ml"}),
])
def test_a_unit_that_does_not_convert_is_refused_naming_unit(app, shop, floor, path, body):
    _refused(floor.post(f"{API}{path}", json=body), "unit")
    assert balance(app, "WAX-1", "RAW") == Decimal("5000")


def test_a_pick_in_a_unit_that_does_not_convert_is_refused_naming_unit(app, shop, boss, floor):
    number = _released(boss)
    _refused(floor.post(f"{API}/production-orders/{number}/picks",
                        json={"lot": "WAX-1", "quantity": "2", "unit": "pcs"}), "unit")
    _refused(floor.post(f"{API}/production-orders/{number}/picks",
                        json={"lot": "WAX-1", "quantity": "2", "unit": "furlong"}), "unit")


# --- nothing is silently ignored ------------------------------------------------------------

@pytest.mark.parametrize("path, body, field", [
    ("/moves", {"lot": "WAX-1", "from": "RAW", "to": "RAW2", "quantity": "1", "qty": "9"},
     "qty"),
    ("/counts", {"lot": "WAX-1", "location": "RAW", "counted_quantity": "1", "note": "x"},
     "note"),
    ("/shipments", {"customer": "Casa Verde",
                    "lines": [{"lot": "WAX-1", "quantity": "1"},
                              {"lot": "WAX-1", "quantity": "1", "units": "kg"}]},
     "lines[1].units"),
    ("/receipts", {"item": "WAX", "quantity": "1", "location": "RAW", "unit_cost": "1",
                   "expires": "2030-01-01"}, "expires"),
])
def test_a_field_the_request_does_not_take_is_refused_naming_it(app, shop, floor, path, body,
                                                               field):
    with app.app_context():
        moves = db.session.scalar(sa.select(sa.func.count()).select_from(StockMove))
    error = _refused(floor.post(f"{API}{path}", json=body), field)
    assert field in error["message"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMove)) == moves


def test_a_pick_with_a_field_it_does_not_take_is_refused(app, shop, boss, floor):
    number = _released(boss)
    _refused(floor.post(f"{API}/production-orders/{number}/picks",
                        json={"lot": "WAX-1", "quantity": "2", "colour": "red"}), "colour")
    _refused(boss.post(f"{API}/production-orders/{number}/release",
                        json={"force": True}), "force")


def test_a_form_sent_to_the_api_may_carry_its_csrf_token_and_key(app, shop, floor):
    response = floor.post(f"{API}/moves", data={
        "lot": "WAX-1", "from": "RAW", "to": "RAW2", "quantity": "1",
        "csrf_token": "x", "idempotency_key": "form-1"})
    assert response.status_code == 201, response.get_json()


def test_the_document_says_every_request_body_takes_only_its_fields(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    bodies = [op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
              for item in spec["paths"].values() for op in item.values()
              if isinstance(op, dict) and "application/json" in op.get("requestBody", {})
              .get("content", {})]
    assert len(bodies) > 20
    for ref in bodies:
        schema = schemas[ref.rsplit("/", 1)[-1]]
        assert schema["additionalProperties"] is False, ref
    assert set(schemas["MoveInput"]["properties"]) == {"lot", "from", "to", "quantity", "unit"}
    assert "unit" in schemas["PickInput"]["properties"]
    assert "unit" in schemas["CountInput"]["properties"]
    assert "unit" in schemas["CompletionInput"]["properties"]
    assert "unit" in schemas["ShipmentLineInput"]["properties"]
    assert schemas["ShipmentLineInput"]["additionalProperties"] is False


# --- odd input (issue 17) -----------------------------------------------------------------

@pytest.mark.parametrize("quantity", ["1,000", "1,5", "1 000", "1.000,5", "٣", "²", "１２"])
def test_a_quantity_with_separators_or_other_digits_is_refused(app, shop, floor, quantity):
    error = _refused(floor.post(f"{API}/moves", json={
        "lot": "WAX-1", "from": "RAW", "to": "RAW2", "quantity": quantity}), "quantity")
    assert "decimal point" in error["message"]
    assert balance(app, "WAX-1", "RAW") == Decimal("5000")


@pytest.mark.parametrize("expiry", ["2026-W01", "20261231", "2026-12-31T00:00", "2026-13-01",
                                    "٢٠٢٦-١٢-٣١"])
def test_a_date_that_is_not_yyyy_mm_dd_is_refused(shop, floor, expiry):
    _refused(floor.post(f"{API}/receipts", json={
        "item": "WAX", "quantity": "1", "location": "RAW", "unit_cost": "1",
        "expiry": expiry}), "expiry")


@pytest.mark.parametrize("value", ["²", "٣", "3.5", "-1", "99999999999999999999", True])
def test_a_whole_number_field_refuses_what_is_not_plain_ascii_digits(shop, boss, value):
    _refused(boss.patch(f"{API}/items/WAX", json={"shelf_life_days": value}),
             "shelf_life_days")


@pytest.mark.parametrize("query, field", [
    ("limit=²", "limit"), ("limit=٣", "limit"), ("before=²", "before"),
    ("before=2147483648", "before"), ("before=99999999999999999999", "before"),
    ("from=20261231", "from"), ("to=2026-W01", "to"),
])
def test_query_numbers_and_dates_are_refused_when_odd(shop, boss, query, field):
    _refused(boss.get(f"{API}/reports/movements?{query}"), field)


def test_an_id_past_the_database_range_is_not_found_or_refused(shop, boss, floor):
    assert floor.get(f"{API}/customers/2147483648").status_code == 404
    assert floor.get(f"{API}/customers/99999999999999999999").status_code == 404
    assert floor.get(f"{API}/customers/²").status_code == 404
    _refused(floor.post(f"{API}/receipts", json={
        "item": "WAX", "quantity": "1", "location": "RAW", "unit_cost": "1",
        "purchase_order_line": 2**31}), "purchase_order_line")
    _refused(floor.post(f"{API}/receipts", json={
        "item": "WAX", "quantity": "1", "location": "RAW", "unit_cost": "1",
        "purchase_order_line": "²"}), "purchase_order_line")


def test_json_nested_a_thousand_deep_is_a_bad_request(shop, floor):
    deep = "[" * 1000 + "]" * 1000
    for body in (deep, '{"lot": ' + deep + "}", '{"lot": ' + "[" * 20 + "]" * 20 + "}"):
        response = floor.post(f"{API}/moves", data=body, content_type="application/json")
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["error"]["code"] == "bad_request"


def test_unreadable_json_is_a_bad_request(shop, floor):
    response = floor.post(f"{API}/moves", data='{"lot": ', content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("text", ["Casa\x07Verde", "Casa\x1bVerde", "Casa\nVerde", "\x7f"])
def test_control_characters_in_a_text_field_are_refused(boss, text):
    _refused(boss.post(f"{API}/customers", json={"name": text}), "name")


def test_line_breaks_are_kept_where_the_text_has_lines(boss):
    response = boss.post(f"{API}/customers", json={"name": "Casa Verde",
                                                    "address": "Str. Lungă 1\nBrașov"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["address"] == "Str. Lungă 1\nBrașov"
