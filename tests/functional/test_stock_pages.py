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
    assert "WAX" in page and "1000 g" in page and "12.50" in page


def test_home_shows_alerts(app, client, signed_in):
    username = signed_in("operator")
    sku = make_item(app, sku="WICK", unit="pcs", reorder_point="200", reorder_quantity="1000")
    receive(app, username, sku, make_location(app), quantity="150")
    page = client.get("/").get_data(as_text=True)
    assert "WICK" in page and "Order 1000 pcs" in page
