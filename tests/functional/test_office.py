"""Purchasing, reports and settings: the supervisor's and admin's desk."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.domain.quantities import format_quantity
from shopfloor.extensions import db
from shopfloor.models.purchasing import PurchaseOrder
from shopfloor.models.stock import Balance, Lot
from shopfloor.services import reports
from tests.conftest import PASSWORD


@pytest.fixture
def demo(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    return app


@pytest.fixture
def desk(demo, client):
    client.post("/login", data={"username": "supervisor", "password": "shopfloor-demo"})
    return client


def test_with_the_demo_a_supervisor_orders_from_suggestions_receives_half_and_sees_the_rest(
        demo, desk):
    page = desk.get("/purchasing").get_data(as_text=True)
    assert "WICK-M" in page  # 150 wicks, some held for a released order, point 200
    response = desk.post("/purchasing/from-suggestions", data={"item": ["WICK-M"],
                                                               "idempotency_key": "po-1"})
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    with demo.app_context():
        order = db.session.scalar(sa.select(PurchaseOrder).where(PurchaseOrder.number == number))
        line = order.lines[0]
        assert (order.supplier.name, line.item.sku) == ("Wick Works", "WICK-M")
        ordered, line_id = line.quantity, line.id
    assert desk.post(f"/purchasing/{number}", data={"action": "send"}).status_code == 302

    form = desk.get(f"/receive?purchase_order_line={line_id}").get_data(as_text=True)
    assert 'name="purchase_order_line"' in form and "Wick Works" in form
    half = ordered / 2
    received = desk.post("/receive", data={
        "item": "WICK-M", "quantity": str(half), "unit": "pcs", "unit_cost": "0.09",
        "location": "RAW-A2", "purchase_order_line": str(line_id), "copies": "1"})
    assert received.status_code == 302 and "/label" in received.headers["Location"]
    label_page = desk.get(received.headers["Location"]).get_data(as_text=True)
    assert "Print" in label_page

    page = desk.get(f"/purchasing/{number}").get_data(as_text=True)
    assert "Partly received" in page
    assert f"Receive {format_quantity(half)} pcs" in page
    with demo.app_context():
        order = db.session.scalar(sa.select(PurchaseOrder).where(PurchaseOrder.number == number))
        assert (order.status, order.lines[0].outstanding) == ("partial", half)
        lot = db.session.scalar(sa.select(Lot).where(Lot.purchase_order_line_id == line_id))
        assert lot.supplier.name == "Wick Works"


def test_receiving_the_rest_closes_the_order(demo, api):
    client = api("supervisor")
    orders = client.post("/api/v1/purchase-orders", json={
        "supplier": "Glass & Jar Co", "lines": [{"item": "JAR-200", "quantity": "100",
                                                 "unit_price": "0.60"}]}).get_json()
    number, line = orders["number"], orders["lines"][0]["id"]
    assert client.post(f"/api/v1/purchase-orders/{number}/send").status_code == 200
    for part in ("40", "60"):
        response = client.post("/api/v1/receipts", json={
            "item": "JAR-200", "quantity": part, "location": "RAW-A2", "unit_cost": "0.60",
            "purchase_order_line": line})
        assert response.status_code == 201, response.get_json()
    body = client.get(f"/api/v1/purchase-orders/{number}").get_json()
    assert body["status"] == "received" and body["lines"][0]["outstanding"] == "0.000"


def test_a_receipt_against_another_items_line_is_refused(demo, api):
    client = api("supervisor")
    order = client.post("/api/v1/purchase-orders", json={
        "supplier": "Glass & Jar Co", "lines": [{"item": "JAR-200", "quantity": "10"}]}).get_json()
    response = client.post("/api/v1/receipts", json={
        "item": "WICK-M", "quantity": "1", "location": "RAW-A2", "unit_cost": "0.1",
        "purchase_order_line": order["lines"][0]["id"]})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "purchase_order_line"


def test_an_ordered_quantity_counts_against_the_suggestion(demo, api):
    client = api("supervisor")
    before = {row["item"] for group in client.get("/api/v1/reorder-suggestions").get_json()
              for row in group["items"]}
    assert "WICK-M" in before
    client.post("/api/v1/purchase-orders", json={
        "supplier": "Wick Works", "lines": [{"item": "WICK-M", "quantity": "1000"}]})
    after = {row["item"] for group in client.get("/api/v1/reorder-suggestions").get_json()
             for row in group["items"]}
    assert "WICK-M" not in after


def test_the_valuation_adds_up_to_lot_values_and_matches_the_ledger(demo, api):
    operator = api("operator")
    suggestion = operator.get("/api/v1/production-orders/MO-000003/suggestions").get_json()
    wicks = next(r for r in suggestion["requirements"] if r["item"] == "WICK-M")["lots"][0]
    assert operator.post("/api/v1/production-orders/MO-000003/picks", json={
        "lot": wicks["lot"], "quantity": "10"}).status_code == 201
    body = api("supervisor").get("/api/v1/reports/valuation?detail=1").get_json()
    parts = [Decimal(body[name]) for name in ("materials", "intermediates", "wip", "finished")]
    assert sum(parts) == Decimal(body["total"])
    with demo.app_context():
        # Independently: every balance at its lot's cost, exact, rounded once per category.
        lots = db.session.execute(sa.select(Balance.quantity, Lot.unit_cost).join(
            Lot, Lot.id == Balance.lot_id)).all()
        exact = sum((quantity * cost for quantity, cost in lots), Decimal(0))
        assert abs(Decimal(body["total"]) - exact) <= Decimal("0.02")
        ledger = reports.valuation_from_ledger()
    assert {name: Decimal(body[name]) for name in ledger} == ledger
    assert Decimal(body["wip"]) == Decimal("0.90")  # the ten wicks picked into WIP
    assert Decimal(body["finished"]) > 0 and Decimal(body["materials"]) > 0


def test_report_pages_and_csvs_answer(desk):
    for path in ("/reports", "/reports/valuation", "/reports/stock", "/reports/batches",
                 "/reports/usage", "/reports/movements", "/reports/movements?reason=ship"):
        assert desk.get(path).status_code == 200, path
    for path in ("/reports/valuation?format=csv", "/reports/stock?format=csv",
                 "/reports/stock?format=expiring.csv", "/reports/stock?format=low.csv",
                 "/reports/batches?format=csv", "/reports/usage?format=csv",
                 "/reports/movements?format=csv"):
        response = desk.get(path)
        assert response.status_code == 200 and response.mimetype == "text/csv", path
        assert response.get_data(as_text=True).count("\n") >= 2, path


def test_usage_report_draws_charts_without_a_script(desk):
    page = desk.get("/reports/usage").get_data(as_text=True)
    assert '<svg class="chart"' in page and "WAX-SOY" in page


def test_movement_history_filters_by_reason(desk):
    csv_text = desk.get("/reports/movements?format=csv&reason=ship").get_data(as_text=True)
    rows = csv_text.strip().splitlines()[1:]
    assert rows and all(",ship," in row for row in rows)


def test_admin_changes_settings_and_the_lot_pattern_is_used(demo, client, make_user, api):
    admin = make_user("admin")
    client.post("/login", data={"username": admin, "password": PASSWORD})
    response = client.post("/settings", data={
        "company_name": "Lumina Candles", "currency": "ron", "lot_code_pattern": "L{yy}-{seq4}",
        "default_label_size": "4x6", "picking_policy": "fefo"})
    assert response.status_code == 302
    body = api("operator").post("/api/v1/receipts", json={
        "item": "WAX-SOY", "quantity": "1", "location": "RAW-A1", "unit_cost": "1"}).get_json()
    assert body["lot"]["code"].startswith("L") and body["lot"]["code"].endswith("-0001")
    settings = api("admin").get("/api/v1/settings").get_json()
    assert settings["currency"] == "RON" and settings["company_name"] == "Lumina Candles"
    assert "In RON, each lot at its own cost." in client.get("/reports/valuation").get_data(
        as_text=True)


def test_a_bad_lot_pattern_is_refused_naming_the_field(client, make_user):
    client.post("/login", data={"username": make_user("admin"), "password": PASSWORD})
    response = client.post("/settings", data={
        "company_name": "x", "currency": "EUR", "lot_code_pattern": "{sku}-{nope}",
        "default_label_size": "62mm", "picking_policy": "fefo"})
    assert response.status_code == 422
    assert 'id="f-lot_code_pattern-error"' in response.get_data(as_text=True)


def test_supervisors_cannot_change_settings(client, make_user):
    client.post("/login", data={"username": make_user("supervisor"), "password": PASSWORD})
    assert client.get("/settings").status_code == 403


def test_an_operator_receives_against_a_sent_order_but_cannot_edit_it(demo, desk, client):
    number = desk.post("/purchasing/from-suggestions", data={
        "item": ["WICK-M"], "idempotency_key": "po-op"}).headers["Location"].rsplit("/", 1)[1]
    assert desk.post(f"/purchasing/{number}", data={"action": "send"}).status_code == 302
    desk.post("/logout")
    client.post("/login", data={"username": "operator", "password": "shopfloor-demo"})

    receive_form = client.get("/receive").get_data(as_text=True)
    assert f'href="/purchasing/{number}"' in receive_form  # expected deliveries
    page = client.get(f"/purchasing/{number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/receive?purchase_order_line=" in html
    assert 'value="cancel"' not in html and 'value="send"' not in html
    assert client.post(f"/purchasing/{number}", data={"action": "cancel"}).status_code == 403
    with demo.app_context():
        order = db.session.scalar(sa.select(PurchaseOrder).where(PurchaseOrder.number == number))
        line_id, status = order.lines[0].id, order.status
    assert status == "sent"
    received = client.post("/receive", data={
        "item": "WICK-M", "quantity": "10", "unit": "pcs", "unit_cost": "0.09",
        "location": "RAW-A2", "purchase_order_line": str(line_id), "copies": "1"})
    assert received.status_code == 302
    with demo.app_context():
        order = db.session.scalar(sa.select(PurchaseOrder).where(PurchaseOrder.number == number))
        assert order.status == "partial"
