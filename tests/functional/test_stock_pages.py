"""Stock pages on a phone: receive and land on the label, the lot page, moves, counts and
lot status, all with the API's field names."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from shopfloor.models.stock import Lot
from tests.conftest import PASSWORD
from tests.factories import balance, count_rows, make_item, make_location, receive


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role="operator"):
        username = make_user(role)
        client.post("/login", data={"username": username, "password": PASSWORD})
        return username

    return sign_in


@pytest.fixture
def wax(app):
    return {"sku": make_item(app, sku="WAX", unit="g", shelf_life_days=365),
            "shelf": make_location(app, "SHELF-1"), "other": make_location(app, "SHELF-2")}


def test_receiving_lands_on_a_label_whose_codes_decode_to_the_lot(app, client, signed_in, wax):
    """The Done-when of the inventory issue: receive without typing a lot code, print the
    label, and a decoder we did not write reads the lot URL and the lot code."""
    signed_in("supervisor")
    form = client.get("/receive").get_data(as_text=True)
    assert 'name="item"' in form and 'name="quantity"' in form and 'name="lot_code"' in form
    response = client.post("/receive", data={
        "item": "WAX", "quantity": "2,5", "unit": "kg", "unit_cost": "9.80",
        "location": "SHELF-1", "copies": "3", "idempotency_key": "tap-1"})
    assert response.status_code == 302
    with app.app_context():
        from shopfloor.extensions import db

        code = db.session.query(Lot.code).scalar()
    assert response.headers["Location"].startswith(f"/lots/{code}/label?copies=3")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Print" in page and "format=html&amp;size=62mm&amp;copies=3" in page

    html = client.get(f"/lots/{code}/label?format=html&copies=3").get_data(as_text=True)
    assert html.count('class="label"') == 3 and "@page" in html

    png = client.get(f"/lots/{code}/label?format=png&size=62mm")
    assert png.mimetype == "image/png"
    decoded = {result.format.name: result.text
               for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))}
    assert decoded["QRCode"] == f"https://shop.example/l/{code}"
    assert decoded["Code128"] == code
    assert balance(app, code, "SHELF-1") == Decimal("2500")


def test_a_double_tap_on_receive_makes_one_lot(app, client, signed_in, wax):
    signed_in("operator")
    data = {"item": "WAX", "quantity": "100", "unit_cost": "0.01", "location": "SHELF-1",
            "idempotency_key": "double-tap"}
    first, second = client.post("/receive", data=data), client.post("/receive", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(app, Lot) == 1


def test_receive_errors_show_next_to_the_field_and_keep_what_was_typed(app, client, signed_in,
                                                                      wax):
    signed_in("operator")
    response = client.post("/receive", data={"item": "WAX", "quantity": "12", "unit": "pcs",
                                             "unit_cost": "1", "location": "SHELF-1",
                                             "supplier_lot": "KEEP-ME"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="f-unit-error"' in page and "cannot convert pcs to g" in page
    assert 'value="KEEP-ME"' in page
    assert count_rows(app, Lot) == 0


def test_a_supplier_barcode_fills_the_receipt_form_without_javascript(client, signed_in, app):
    make_item(app, sku="OIL", unit="ml", gtin="09506000134352")
    signed_in("operator")
    page = client.post("/receive", data={
        "gs1": "(01)09506000134352(17)271231(10)AL-77", "action": "fill"}).get_data(as_text=True)
    assert '<option value="OIL" selected>' in page
    assert 'value="AL-77"' in page and 'value="2027-12-31"' in page


def test_the_lot_page_shows_where_it_is_its_history_and_actions(app, client, signed_in, wax):
    username = signed_in("operator")
    code = receive(app, username, "WAX", "SHELF-1", quantity="750", supplier_lot="S-1")
    page = client.get(f"/l/{code}").get_data(as_text=True)
    for expected in (code, "SHELF-1", "750 g", "S-1", "Receipt", "Print label", "Move"):
        assert expected in page
    assert "Quarantine" not in page  # an operator may not change a lot's status


def test_a_supervisor_quarantines_from_the_lot_page(app, client, signed_in, wax):
    username = signed_in("supervisor")
    code = receive(app, username, "WAX", "SHELF-1")
    response = client.post(f"/lots/{code}/status", data={"status": "quarantine",
                                                         "reason": "damaged bag"})
    assert response.status_code == 302
    page = client.get(f"/l/{code}").get_data(as_text=True)
    assert "in quarantine" in page and "damaged bag" in page


def test_a_quarantined_lots_label_says_so_in_every_format(app, client, signed_in, wax):
    username = signed_in("supervisor")
    code = receive(app, username, "WAX", "SHELF-1")
    plain = client.get(f"/lots/{code}/label?format=html").get_data(as_text=True)
    assert 'class="mark' not in plain and "<dt>Rcvd</dt>" in plain
    client.post(f"/lots/{code}/status", data={"status": "quarantine", "reason": "smell"})
    html = client.get(f"/lots/{code}/label?format=html").get_data(as_text=True)
    assert '<p class="mark mark-quarantine">QUARANTINE</p>' in html
    assert "^FR^FH^FDQUARANTINE^FS" in client.get(
        f"/lots/{code}/label?format=zpl").get_data(as_text=True)
    client.post("/language", data={"language": "ro"})
    html = client.get(f"/lots/{code}/label?format=html").get_data(as_text=True)
    assert "CARANTINĂ" in html


def test_the_digital_link_on_a_gs1_label_opens_the_lot(app, client, signed_in):
    username = signed_in("operator")
    make_item(app, sku="OIL", unit="ml", gtin="09506000134352")
    shelf = make_location(app)
    code = receive(app, username, "OIL", shelf)
    response = client.get(f"/01/09506000134352/10/{code}?17=271231")
    assert response.status_code == 302 and response.headers["Location"] == f"/l/{code}"


def test_a_move_form_uses_the_api_field_names_and_moves(app, client, signed_in, wax):
    username = signed_in("operator")
    code = receive(app, username, "WAX", "SHELF-1", quantity="100")
    form = client.get(f"/moves/new?lot={code}").get_data(as_text=True)
    for field in ('name="lot"', 'name="from"', 'name="to"', 'name="quantity"'):
        assert field in form
    assert '<option value="SHELF-1" selected>' in form  # the lot's only place
    response = client.post("/moves/new", data={"lot": code, "from": "SHELF-1",
                                               "to": "SHELF-2", "quantity": "40"})
    assert response.status_code == 302
    assert balance(app, code, "SHELF-2") == Decimal("40")


def test_moving_too_much_from_the_form_says_how_much_is_there(app, client, signed_in, wax):
    username = signed_in("operator")
    code = receive(app, username, "WAX", "SHELF-1", quantity="100")
    response = client.post("/moves/new", data={"lot": code, "from": "SHELF-1",
                                               "to": "SHELF-2", "quantity": "500"})
    assert response.status_code == 422
    assert "only 100 g" in response.get_data(as_text=True)
    assert balance(app, code, "SHELF-1") == Decimal("100")


def test_a_count_at_a_location_adjusts_each_lot(app, client, signed_in, wax):
    username = signed_in("operator")
    first = receive(app, username, "WAX", "SHELF-1", quantity="100")
    second = receive(app, username, "WAX", "SHELF-1", quantity="50")
    sheet = client.get("/counts/new?location=SHELF-1").get_data(as_text=True)
    assert first in sheet and second in sheet
    response = client.post("/counts/new", data={
        "location": "SHELF-1", "lot": [first, second], "counted_quantity": ["98", "50"],
        "reason": "weekly count", "action": "submit"})
    assert response.status_code == 302
    assert balance(app, first, "SHELF-1") == Decimal("98")
    assert balance(app, second, "SHELF-1") == Decimal("50")


def test_the_stock_overview_lists_items_with_value(app, client, signed_in, wax):
    username = signed_in("operator")
    receive(app, username, "WAX", "SHELF-1", quantity="1000", unit_cost="0.0125")
    page = client.get("/stock?q=wax").get_data(as_text=True)
    assert "WAX" in page and "1,000 g" in page and "€12.50" in page


def test_home_shows_alerts(app, client, signed_in):
    username = signed_in("operator")
    sku = make_item(app, sku="WICK", unit="pcs", reorder_point="200", reorder_quantity="1000")
    receive(app, username, sku, make_location(app), quantity="150")
    page = client.get("/").get_data(as_text=True)
    assert "WICK" in page and "Order 1,000 pcs" in page


def test_a_receipt_cost_far_from_the_last_asks_to_confirm_showing_the_last_cost(
        app, client, signed_in, wax):
    username = signed_in("operator")
    receive(app, username, "WAX", "SHELF-1", quantity="1000", unit_cost="0.0042",
            lot_code="WAX-LAST")
    form = {"item": "WAX", "quantity": "2", "unit": "kg", "unit_cost": "4.20",
            "location": "SHELF-1", "copies": "1"}
    # 4.20 per kg is 0.0042 per g: the same cost in another unit is not questioned.
    assert client.post("/receive", data=form).status_code == 302
    typo = {**form, "unit": "g"}  # 4.20 per gram: a thousand times the last cost
    asked = client.post("/receive", data=typo)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 422
    assert "€0.0042 per g" in page and 'name="confirm_cost"' in page
    assert count_rows(app, Lot) == 2
    cheap = client.post("/receive", data={**form, "unit_cost": "0.50"})  # 0.0005 per g
    assert cheap.status_code == 422
    assert client.post("/receive", data={**typo, "confirm_cost": "1"}).status_code == 302
    assert count_rows(app, Lot) == 3


def test_adding_a_lot_to_a_count_posts_and_an_unknown_lot_says_so(app, client, signed_in, wax):
    username = signed_in("operator")
    other = receive(app, username, "WAX", "SHELF-2", quantity="10")
    sheet = client.get("/counts/new?location=SHELF-1").get_data(as_text=True)
    assert 'formmethod="get"' not in sheet
    added = client.post("/counts/new", data={"location": "SHELF-1", "add": other,
                                             "action": "add", "idempotency_key": "k-add-1"})
    assert added.status_code == 200 and f'name="lot" value="{other}"' in added.get_data(
        as_text=True)
    unknown = client.post("/counts/new", data={"location": "SHELF-1", "add": "NO-SUCH-LOT",
                                               "action": "add"})
    assert unknown.status_code == 422
    assert "No lot has the code NO-SUCH-LOT." in unknown.get_data(as_text=True)


def test_home_puts_expired_lots_under_expired_and_moves_and_counts_have_their_icons(
        app, client, signed_in, wax):
    from datetime import date, timedelta

    username = signed_in("supervisor")
    receive(app, username, "WAX", "SHELF-1", lot_code="WAX-GONE", accept_expired="1",
            expiry=(date.today() - timedelta(days=3)).isoformat())
    receive(app, username, "WAX", "SHELF-1", lot_code="WAX-SOON",
            expiry=(date.today() + timedelta(days=5)).isoformat())
    page = client.get("/").get_data(as_text=True)
    expired = page.split("<h2>Expired</h2>")[1].split("<h2>")[0]
    soon = page.split("<h2>Expiring soon</h2>")[1]
    assert "WAX-GONE" in expired and "WAX-SOON" not in expired
    assert "WAX-SOON" in soon and "WAX-GONE" not in soon
    assert "icon-move" in page and "icon-count" in page
    for icon in ("move", "count"):
        response = client.get(f"/static/icons/{icon}.svg")
        assert response.status_code == 200 and b"<svg" in response.data
        response.close()


def test_a_supervisors_home_shows_orders_to_release_lots_to_decide_and_late_orders(
        app, client, signed_in, wax):
    username = signed_in("supervisor")
    code = receive(app, username, "WAX", "SHELF-1")
    client.post(f"/lots/{code}/status", data={"status": "quarantine", "reason": "smell"})
    page = client.get("/").get_data(as_text=True)
    decide = page.split("<h2>Lots awaiting a decision</h2>")[1].split("<h2>")[0]
    assert code in decide and "smell" in decide
    assert "<h2>Orders to release</h2>" in page and "<h2>Late production orders</h2>" in page
    client.post("/logout")
    signed_in("operator")
    assert "Lots awaiting a decision" not in client.get("/").get_data(as_text=True)


def test_a_count_error_names_the_lot_of_the_row_and_the_field_by_its_label(
        app, client, signed_in, wax):
    username = signed_in("operator")
    first = receive(app, username, "WAX", "SHELF-1", quantity="100")
    second = receive(app, username, "WAX", "SHELF-1", quantity="50")
    response = client.post("/counts/new", data={
        "location": "SHELF-1", "lot": [first, second], "counted_quantity": ["98", "lots"],
        "action": "submit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Lot {second}: Counted quantity must be a number like 12.5" in page
    assert "counted_quantity must" not in page
    assert page.count('aria-invalid="true"') == 1
    assert balance(app, first, "SHELF-1") == Decimal("100")
    client.post("/language", data={"language": "ro"})
    page = client.post("/counts/new", data={
        "location": "SHELF-1", "lot": [first, second], "counted_quantity": ["98", "lots"],
        "action": "submit"}).get_data(as_text=True)
    assert f"Lotul {second}:" in page and "Cantitate numărată" in page


def test_a_move_error_names_the_quantity_by_its_label(app, client, signed_in, wax):
    username = signed_in("operator")
    code = receive(app, username, "WAX", "SHELF-1", quantity="100")
    page = client.post("/moves/new", data={"lot": code, "from": "SHELF-1", "to": "SHELF-2",
                                           "quantity": "much"}).get_data(as_text=True)
    assert "Quantity must be a number like 12.5" in page


def test_the_move_form_takes_a_quantity_in_any_compatible_unit(app, client, signed_in, wax):
    username = signed_in("operator")
    code = receive(app, username, "WAX", "SHELF-1", quantity="1000")
    form = client.get(f"/moves/new?lot={code}").get_data(as_text=True)
    unit_select = form.split('name="unit"')[1].split("</select>")[0]
    assert ">g</option>" in unit_select and 'value="kg"' in unit_select
    assert 'value="pcs"' not in unit_select and 'value="ml"' not in unit_select
    moved = client.post("/moves/new", data={"lot": code, "from": "SHELF-1", "to": "SHELF-2",
                                            "quantity": "0.12", "unit": "kg"},
                        follow_redirects=True)
    assert "Moved 120 g" in moved.get_data(as_text=True)
    assert balance(app, code, "SHELF-2") == Decimal("120")
    refused = client.post("/moves/new", data={"lot": code, "from": "SHELF-1", "to": "SHELF-2",
                                              "quantity": "1", "unit": "pcs"})
    assert refused.status_code == 422
    assert 'id="f-unit-error"' in refused.get_data(as_text=True)
    assert balance(app, code, "SHELF-2") == Decimal("120")
