"""Sales order pages: take an order on the tablet, confirm it, see what it misses and what
stock could make, plan, ship against it from the phone, print the delivery note, download
the CSV; late orders on Home. On the candle workshop with 30 candles at FG."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest

from shopfloor.models.master import Customer
from shopfloor.models.sales import SalesOrder
from shopfloor.services import master
from tests.conftest import PASSWORD
from tests.factories import count_rows, receive, user
from tests.scenarios import days


@pytest.fixture
def shop(app, workshop):
    sup = workshop["sup"]
    receive(app, sup, "CANDLE", workshop["finished"], quantity="20", unit_cost="3",
            expiry=days(300), lot_code="CANDLE-LATE")
    receive(app, sup, "CANDLE", workshop["finished"], quantity="10", unit_cost="3",
            expiry=days(20), lot_code="CANDLE-SOON")
    with app.app_context():
        master.create_party(Customer, {"name": "Casa Verde", "address": "Str. Florilor 3"},
                            user(app, sup))
    return workshop


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role="supervisor"):
        client.get("/logout")
        username = make_user(role)
        client.post("/login", data={"username": username, "password": PASSWORD})
        return username

    return sign_in


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def new_order(client, lines, **fields):
    form = {"customer": "Casa Verde", "action": "save", "idempotency_key": uuid.uuid4().hex,
            **fields}
    for n, line in enumerate(lines):
        for name, value in line.items():
            form[f"lines-{n}-{name}"] = value
    return client.post("/sales-orders/new", data=form)


def test_a_supervisor_takes_an_order_on_the_form_and_confirms_it(shop, client, signed_in, app):
    signed_in("supervisor")
    form = client.get("/sales-orders/new")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    for name in ('name="customer"', 'name="due_date"', 'name="min_shelf_life_days"',
                 'name="lines-0-item"', 'name="lines-0-quantity"', 'name="lines-0-unit"',
                 'name="lines-0-price"', 'name="idempotency_key"'):
        assert name in page
    made = new_order(client, [{"item": "CANDLE", "quantity": "40", "price": "18.50"}],
                     reference="#1042", due_date=days(3))
    assert made.status_code == 302 and made.headers["Location"].endswith("/sales-orders/SO-000001")
    page = text_of(client.get("/sales-orders/SO-000001"))
    assert "SO-000001 · Casa Verde" in page and "Draft" in page and "#1042" in page
    assert "A draft holds nothing" in page
    confirmed = client.post("/sales-orders/SO-000001", data={"action": "confirm"},
                            follow_redirects=True)
    page = text_of(confirmed)
    assert "Confirmed: what is in stock is reserved; 1 line is short." in page
    # 30 candles held, 10 short; 5 kg of wax makes 5.26 kg of base, enough for 29 candles.
    assert "Reserved 30 pcs" in page and "Shortage 10 pcs" in page and "short 10 pcs" in page
    assert "Stock can make the 10 pcs short now." in page
    assert "Ship against this order" in page


def test_can_make_names_the_limiting_material_when_stock_falls_short(shop, client, signed_in):
    signed_in("supervisor")
    new_order(client, [{"item": "CANDLE", "quantity": "60"}])
    page = text_of(client.post("/sales-orders/SO-000001", data={"action": "confirm"},
                               follow_redirects=True))
    assert "Stock makes only 29 pcs now. Limited by WAX." in page


def test_planning_from_the_page_links_the_production_orders(shop, client, signed_in):
    signed_in("supervisor")
    new_order(client, [{"item": "CANDLE", "quantity": "40"}])
    client.post("/sales-orders/SO-000001", data={"action": "confirm"})
    page = text_of(client.post("/sales-orders/SO-000001", data={"action": "plan"},
                               follow_redirects=True))
    assert "Production orders planned: MO-" in page
    assert re.search(r"MO-\d+ 10 pcs CANDLE Draft", page), page
    again = text_of(client.post("/sales-orders/SO-000001", data={"action": "plan"},
                                follow_redirects=True))
    assert "Nothing to plan" in again


def test_a_bad_line_is_refused_in_place_and_nothing_is_saved(shop, client, signed_in, app):
    signed_in("supervisor")
    refused = new_order(client, [{"item": "CANDLE", "quantity": "2"},
                                 {"item": "CANDLE", "quantity": "1", "unit": "kg"}])
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    # The message sits in the second line's card, which is marked for the thumb.
    card = page.split('id="l-1-item"')[0].rsplit('<div class="card', 1)[1]
    assert "has-error" in card
    assert "line 2:" in text_of(refused)
    assert count_rows(app, SalesOrder) == 0
    for fields, label in (({"customer": ""}, "Customer"),
                          ({"min_shelf_life_days": "²"}, "Minimum shelf life (days)"),
                          ({"due_date": "tomorrow"}, "Due date")):
        refused = new_order(client, [{"item": "CANDLE", "quantity": "1"}], **fields)
        assert refused.status_code == 422, fields
        name = next(iter(fields))
        error = refused.get_data(as_text=True).split(f'id="f-{name}-error">')[1].split("<")[0]
        assert error.startswith(label), error
    assert count_rows(app, SalesOrder) == 0


def test_add_and_remove_line_keep_what_was_typed(shop, client, signed_in):
    signed_in("supervisor")
    page = client.get("/sales-orders/new", query_string={
        "customer": "Casa Verde", "lines-0-item": "CANDLE", "lines-0-quantity": "5",
        "action": "add_line"}).get_data(as_text=True)
    assert 'name="lines-1-item"' in page and 'value="5"' in page
    page = client.get("/sales-orders/new", query_string={
        "lines-0-item": "CANDLE", "lines-0-quantity": "5", "lines-1-item": "JAR",
        "lines-1-quantity": "2", "action": "remove:0"}).get_data(as_text=True)
    assert 'name="lines-1-item"' not in page and 'value="2"' in page


def test_shipping_against_the_order_from_its_page(shop, client, signed_in, app):
    signed_in("supervisor")
    new_order(client, [{"item": "CANDLE", "quantity": "12"}], min_shelf_life_days="30")
    client.post("/sales-orders/SO-000001", data={"action": "confirm"})
    signed_in("operator")
    form = client.get("/shipments/new?sales_order=SO-000001")
    page = form.get_data(as_text=True)
    assert 'name="sales_order" value="SO-000001"' in page
    assert "to ship 12 pcs" in text_of(form)
    # Only the lot with 30 days left is suggested; the one expiring in 20 is not.
    assert "CANDLE-LATE" in page and "CANDLE-SOON" not in page
    shipped = client.post("/shipments/new", data={
        "sales_order": "SO-000001", "customer": "Casa Verde", "lot": "CANDLE-LATE",
        "quantity": "5", "action": "submit", "idempotency_key": "s" * 32})
    assert shipped.status_code == 302, text_of(shipped)
    page = text_of(client.get("/sales-orders/SO-000001"))
    assert "Partly shipped" in page and "Shipped 5 pcs" in page and "SH-000001" in page
    note = text_of(client.get("/sales-orders/SO-000001/delivery-note"))
    assert "Delivery note SO-000001" in note and "Str. Florilor 3" in note
    assert "CANDLE-LATE" in note and "12 pcs 5 pcs 7 pcs" in note
    too_many = client.post("/shipments/new", data={
        "sales_order": "SO-000001", "customer": "Casa Verde", "lot": "CANDLE-LATE",
        "quantity": "8", "action": "submit", "idempotency_key": "t" * 32})
    assert too_many.status_code == 422
    assert "awaits only 7" in text_of(too_many)
    assert "Shipped 5 pcs" in text_of(client.get("/sales-orders/SO-000001"))


def test_operators_see_orders_and_the_days_list_but_do_not_run_them(shop, client, signed_in):
    signed_in("supervisor")
    new_order(client, [{"item": "CANDLE", "quantity": "3"}], due_date=days(0))
    new_order(client, [{"item": "CANDLE", "quantity": "2"}], due_date=days(9))
    client.post("/sales-orders/SO-000001", data={"action": "confirm"})
    client.post("/sales-orders/SO-000002", data={"action": "confirm"})
    signed_in("operator")
    assert "SO-000002" in text_of(client.get("/sales-orders"))
    today = text_of(client.get("/sales-orders/to-ship"))
    assert "SO-000001" in today and "SO-000002" not in today and "Ship SO-000001" in today
    page = client.get("/sales-orders/SO-000001").get_data(as_text=True)
    assert 'value="cancel"' not in page and "Ship against this order" in page
    assert client.post("/sales-orders/SO-000001", data={"action": "cancel"}).status_code == 403
    assert client.get("/sales-orders/new").status_code == 403


def test_late_orders_are_alerts_on_home(shop, client, signed_in, app):
    signed_in("supervisor")
    new_order(client, [{"item": "CANDLE", "quantity": "3"}], due_date=days(-2))
    new_order(client, [{"item": "CANDLE", "quantity": "3"}], due_date=days(2))
    signed_in("operator")
    home = text_of(client.get("/"))
    assert "Late sales orders" in home and "SO-000001" in home and "SO-000002" not in home


def test_the_list_filters_and_downloads_orders_and_lines(shop, client, signed_in):
    signed_in("supervisor")
    new_order(client, [{"item": "CANDLE", "quantity": "3", "price": "18.5"},
                       {"item": "JAR", "quantity": "2"}], reference="=HYPERLINK(1)")
    new_order(client, [{"item": "CANDLE", "quantity": "1"}])
    client.post("/sales-orders/SO-000002", data={"action": "cancel"})
    def listed(query=""):
        page = client.get(f"/sales-orders{query}").get_data(as_text=True)
        return re.findall(r'href="/sales-orders/(SO-\d+)"', page)

    assert listed() == ["SO-000001"]  # open orders by default
    assert listed("?status=cancelled") == ["SO-000002"]
    assert listed("?status=all") == ["SO-000002", "SO-000001"]
    assert listed("?status=all&customer=Nobody") == []
    assert listed("?status=all&customer=casa") == ["SO-000002", "SO-000001"]
    response = client.get("/sales-orders?format=csv&status=all")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["number"], row["line"], row["item"], row["quantity"]) for row in rows] == [
        ("SO-000002", "1", "CANDLE", "1"), ("SO-000001", "1", "CANDLE", "3"),
        ("SO-000001", "2", "JAR", "2")]
    assert rows[1]["price"] == "18.50" and rows[1]["reference"] == "'=HYPERLINK(1)"


def test_the_pages_read_in_romanian(shop, client, signed_in):
    signed_in("supervisor")
    new_order(client, [{"item": "CANDLE", "quantity": "1500"}])
    client.post("/sales-orders/SO-000001", data={"action": "confirm"})
    client.post("/language", data={"language": "ro"})
    page = text_of(client.get("/sales-orders/SO-000001"))
    assert "Confirmată" in page and "1.500 buc" in page
    assert "Comenzi de vânzare" in text_of(client.get("/sales-orders"))


def test_the_sales_report_adds_revenue_cost_of_goods_and_margin(shop, client, signed_in, api):
    signed_in("supervisor")
    new_order(client, [{"item": "CANDLE", "quantity": "12", "price": "18.50"}])
    client.post("/sales-orders/SO-000001", data={"action": "confirm"})
    shipped = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "sales_order": "SO-000001",
        "lines": [{"lot": "CANDLE-SOON", "quantity": "10"}, {"lot": "CANDLE-LATE",
                                                               "quantity": "2"}]})
    assert shipped.status_code == 201, shipped.get_json()
    # Shipped without an order: in the cost of goods, not in the margin.
    assert api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "lines": [{"lot": "CANDLE-LATE", "quantity": "1"}]}
    ).status_code == 201
    page = text_of(client.get("/reports/sales"))
    # 12 × 18.50 = 222.00 revenue; 13 candles at 3.00 = 39.00 cost; margin 222 − 36 = 186.
    assert "By product CANDLE 13 pcs Revenue €222.00 Cost of goods sold €39.00 " \
           "Margin €186.00 (83.8 %)" in page
    assert "1 shipped without a price" in page
    assert "By sales order SO-000001 Revenue €222.00 Cost of goods sold €36.00" in page
    order_page = text_of(client.get("/sales-orders/SO-000001"))
    assert "Revenue €222.00 Cost of goods sold €36.00 Margin €186.00" in order_page
    rows = list(csv.DictReader(io.StringIO(
        client.get("/reports/sales?format=csv").get_data(as_text=True))))
    assert [(r["lot"], r["quantity"], r["price"], r["revenue"], r["cost"]) for r in rows] == [
        ("CANDLE-SOON", "10", "18.50", "185.00", "30.00"),
        ("CANDLE-LATE", "2", "18.50", "37.00", "6.00"), ("CANDLE-LATE", "1", "", "", "3.00")]
    empty = text_of(client.get(f"/reports/sales?from={days(-90)}&to={days(-60)}"))
    assert "Nothing shipped in this period." in empty
    assert client.get("/reports/sales?from=yesterday").status_code == 302
    signed_in("operator")
    assert client.get("/reports/sales").status_code == 403
    assert "Cost of goods sold" not in text_of(client.get("/sales-orders/SO-000001"))


def test_the_stock_list_figures_add_up(shop, client, signed_in, api, app):
    from shopfloor.services import stock

    take = {"customer": "Casa Verde", "lines": [{"item": "CANDLE", "quantity": "12"}]}
    assert api("supervisor").post("/api/v1/sales-orders", json=take).status_code == 201
    api("supervisor").post("/api/v1/sales-orders/SO-000001/confirm")
    with app.app_context():
        stock.change_lot_status("CANDLE-SOON", {"status": "quarantine", "reason": "smell"},
                                user(app, shop["sup"]))
    boss = api("supervisor")
    made = boss.post("/api/v1/production-orders", json={"product": "BASE", "quantity": "1000"})
    number = made.get_json()["number"]
    assert boss.post(f"/api/v1/production-orders/{number}/release").status_code == 200
    assert boss.post(f"/api/v1/production-orders/{number}/picks",
                     json={"lot": "WAX-OLD", "quantity": "500"}).status_code == 201
    signed_in("operator")
    page = client.get("/stock").get_data(as_text=True)

    def row(sku):
        cells = page.split(f">{sku}</a>")[1].split("</tr>")[0]
        return [re.sub(r"<[^>]+>", "", cell).strip()
                for cell in re.findall(r'<td class="num[^"]*"[^>]*>(.*?)</td>', cells)]

    # On hand, in WIP, not usable, reserved, available, value.
    assert row("CANDLE")[:5] == ["30 pcs", "0", "10", "12", "8 pcs"]
    # 5 kg of wax, 500 g picked into the order's WIP, 450 g still reserved for it.
    assert row("WAX")[:5] == ["5,000 g", "500", "0", "450", "4,050 g"]
    assert "On hand = usable + in work in progress + not usable" in page


def test_a_shipment_line_takes_its_quantity_in_any_compatible_unit(shop, client, signed_in,
                                                                   app):
    from tests.factories import balance

    signed_in("operator")
    page = client.get("/shipments/new", query_string={
        "customer": "Casa Verde", "lot": "WAX-OLD"}).get_data(as_text=True)
    line_units = page.split('name="unit"')[1].split("</select>")[0]
    assert 'value="kg"' in line_units and 'value="pcs"' not in line_units
    shipped = client.post("/shipments/new", data={
        "customer": "Casa Verde", "lot": "WAX-OLD", "quantity": "0.5", "unit": "kg",
        "action": "submit", "idempotency_key": uuid.uuid4().hex})
    assert shipped.status_code == 302, text_of(shipped)
    assert balance(app, "WAX-OLD", "RAW") == 4500
