"""Master data pages: supervisors create and edit items, suppliers, customers and locations
through plain forms; operators read them. Refusals come back inline, next to the field."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from shopfloor.extensions import db
from shopfloor.labels.codes import qr_svg
from shopfloor.models.master import Customer, Item, Location, Supplier
from shopfloor.models.users import User
from shopfloor.services import master, stock

BASE = "https://shop.example"  # SHOPFLOOR_BASE_URL in tests/conftest.py


@pytest.fixture
def supervisor(client, make_user, login):
    login(make_user("supervisor"))
    return client


@pytest.fixture
def operator(client, make_user, login):
    login(make_user("operator"))
    return client


def item_form(**overrides) -> dict:
    form = {
        "sku": "WAX-SOY",
        "name": "Soy wax",
        "kind": "material",
        "unit": "kg",
        "reorder_point": "10",
        "reorder_quantity": "25",
        "default_supplier": "",
        "shelf_life_days": "365",
        "gtin": "",
        "density": "",
        "price": "",
    }
    form.update(overrides)
    return form


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def make_item(app, **overrides) -> None:
    with app.app_context():
        master.create_item(item_form(**overrides))


def make_location(app, code="A-01", name="Rack A, shelf 1", kind="storage") -> None:
    with app.app_context():
        master.create_location({"code": code, "name": name, "kind": kind})


def receive(app, username, **data) -> str:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        return stock.receive_lot({"unit_cost": "2.5", **data}, user).lot.code


def follow(client, response) -> str:
    """A form accepted: it redirects; the page it leads to shows (and uses up) the flash."""
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def field_error(html: str, field: str) -> str:
    """The inline message shown under a field."""
    marker = f'id="f-{field}-error">'
    assert marker in html, f"no error shown for {field}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


# --- items ---------------------------------------------------------------------------------


def test_supervisor_creates_an_item_that_appears_in_the_list_and_the_api(supervisor):
    response = supervisor.post("/items/new", data=item_form(price="4.5"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/items/WAX-SOY")
    assert "Soy wax" in supervisor.get("/items").get_data(as_text=True)
    api = supervisor.get("/api/v1/items/WAX-SOY").get_json()
    assert api["name"] == "Soy wax" and api["unit"] == "kg" and api["reorder_point"] == "10.000"
    assert api["shelf_life_days"] == 365 and api["price"] == "4.50"


def test_new_item_page_offers_kinds_units_and_suppliers(supervisor, app):
    with app.app_context():
        master.create_party(Supplier, {"name": "Northwax"})
    html = supervisor.get("/items/new").get_data(as_text=True)
    assert 'name="idempotency_key"' in html
    assert '<option value="kg"' in html and '<option value="intermediate"' in html
    assert '<option value="Northwax"' in html


def test_unknown_unit_is_refused_next_to_the_unit_field_and_nothing_is_created(supervisor, app):
    response = supervisor.post("/items/new", data=item_form(unit="parsec"))
    assert response.status_code == 422
    assert "parsec" in field_error(response.get_data(as_text=True), "unit")
    assert count(app, Item) == 0


def test_duplicate_sku_is_refused_next_to_the_sku_field(supervisor, app):
    make_item(app)
    response = supervisor.post("/items/new", data=item_form(name="Another wax"))
    assert response.status_code == 422
    assert "WAX-SOY" in field_error(response.get_data(as_text=True), "sku")
    assert count(app, Item) == 1


def test_gtin_with_a_wrong_check_digit_is_refused_next_to_the_gtin_field(supervisor, app):
    response = supervisor.post("/items/new", data=item_form(gtin="4006381333932"))
    assert response.status_code == 422
    assert "check digit" in field_error(response.get_data(as_text=True), "gtin")
    assert count(app, Item) == 0


def test_a_refused_form_keeps_what_was_typed(supervisor):
    html = supervisor.post(
        "/items/new", data=item_form(name="Beeswax pellets", unit="parsec", reorder_point="7.5")
    ).get_data(as_text=True)
    assert 'value="Beeswax pellets"' in html and 'value="7.5"' in html
    assert '<option value="material" selected' in html


def test_a_repeated_post_with_the_same_idempotency_key_creates_one_item(supervisor, app):
    form = item_form(idempotency_key="tap-tap-1")
    first = supervisor.post("/items/new", data=form)
    second = supervisor.post("/items/new", data=form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count(app, Item) == 1


def test_a_refused_post_does_not_use_up_its_idempotency_key(supervisor, app):
    supervisor.post("/items/new", data=item_form(unit="parsec", idempotency_key="k-2"))
    response = supervisor.post("/items/new", data=item_form(idempotency_key="k-3"))
    assert response.status_code == 302 and count(app, Item) == 1


def test_editing_an_item_changes_its_fields(supervisor, app):
    make_item(app)
    with app.app_context():
        master.create_party(Supplier, {"name": "Northwax"})
    form = supervisor.get("/items/WAX-SOY/edit").get_data(as_text=True)
    assert 'value="Soy wax"' in form and 'value="365"' in form
    response = supervisor.post(
        "/items/WAX-SOY/edit",
        data=item_form(
            name="Soy wax 464",
            reorder_point="12.5",
            default_supplier="Northwax",
            gtin="4006381333931",
        ),
    )
    assert response.status_code == 302
    api = supervisor.get("/api/v1/items/WAX-SOY").get_json()
    assert api["name"] == "Soy wax 464" and api["reorder_point"] == "12.500"
    assert api["default_supplier"] == "Northwax" and api["gtin"] == "04006381333931"


def test_changing_the_sku_moves_the_item_page_to_the_new_sku(supervisor, app):
    make_item(app)
    response = supervisor.post("/items/WAX-SOY/edit", data=item_form(sku="WAX-SOY-464"))
    assert response.headers["Location"].endswith("/items/WAX-SOY-464")
    assert supervisor.get("/items/WAX-SOY-464").status_code == 200


def test_an_archived_item_leaves_the_list_unless_asked_for(supervisor, app):
    make_item(app)
    follow(supervisor, supervisor.post("/items/WAX-SOY/edit", data=item_form(archived="1")))
    assert supervisor.get("/api/v1/items/WAX-SOY").get_json()["archived"] is True
    assert "WAX-SOY" not in supervisor.get("/items").get_data(as_text=True)
    assert "WAX-SOY" in supervisor.get("/items?archived=1").get_data(as_text=True)


def test_unticking_archived_brings_an_item_back(supervisor, app):
    make_item(app, archived="1")
    form = supervisor.get("/items/WAX-SOY/edit").get_data(as_text=True)
    assert 'name="archived" value="1" checked' in form
    supervisor.post("/items/WAX-SOY/edit", data=item_form())  # an unticked box sends nothing
    assert supervisor.get("/api/v1/items/WAX-SOY").get_json()["archived"] is False


def test_an_items_unit_cannot_change_once_it_has_lots(supervisor, app, make_user):
    make_item(app)
    make_location(app)
    receive(app, make_user("operator"), item="WAX-SOY", quantity="5", location="A-01")
    response = supervisor.post("/items/WAX-SOY/edit", data=item_form(unit="g"))
    assert response.status_code == 422
    assert "unit" in field_error(response.get_data(as_text=True), "unit")
    assert supervisor.get("/api/v1/items/WAX-SOY").get_json()["unit"] == "kg"


def test_a_refused_edit_under_an_idempotency_key_redraws_the_form(supervisor, app):
    make_item(app)
    make_item(app, sku="WAX-BEE", name="Beeswax")
    response = supervisor.post(
        "/items/WAX-BEE/edit",
        data=item_form(sku="WAX-SOY", name="Beeswax", idempotency_key="edit-1"),
    )
    assert response.status_code == 422
    assert "WAX-SOY" in field_error(response.get_data(as_text=True), "sku")
    assert supervisor.get("/api/v1/items/WAX-BEE").get_json()["name"] == "Beeswax"


def test_item_search_matches_sku_or_name_and_kind_filters(supervisor, app):
    make_item(app)
    make_item(app, sku="CANDLE-1", name="Lavender candle", kind="product", unit="pcs")
    by_name = supervisor.get("/items?q=lavender").get_data(as_text=True)
    assert "CANDLE-1" in by_name and "WAX-SOY" not in by_name
    by_kind = supervisor.get("/items?kind=material").get_data(as_text=True)
    assert "WAX-SOY" in by_kind and "CANDLE-1" not in by_kind


def test_item_page_lists_lots_first_expiring_first_with_receive_and_edit(
    supervisor, app, make_user
):
    make_item(app)
    make_location(app)
    operator_name = make_user("operator")
    today = stock.today()
    late = receive(
        app,
        operator_name,
        item="WAX-SOY",
        quantity="5",
        location="A-01",
        expiry=(today + timedelta(days=200)).isoformat(),
    )
    early = receive(
        app,
        operator_name,
        item="WAX-SOY",
        quantity="3",
        location="A-01",
        expiry=(today + timedelta(days=10)).isoformat(),
    )
    html = supervisor.get("/items/WAX-SOY").get_data(as_text=True)
    assert html.index(early) < html.index(late)
    assert "urgency-soon" in html and "/l/" + early in html
    assert "/receive?item=WAX-SOY" in html and "/items/WAX-SOY/edit" in html


# --- who may do what -----------------------------------------------------------------------


def test_operator_reads_lists_and_details_but_may_not_create_or_edit(operator, app):
    make_item(app)
    make_location(app)
    with app.app_context():
        supplier_id = master.create_party(Supplier, {"name": "Northwax"}).id
        customer_id = master.create_party(Customer, {"name": "Candle Corner"}).id
    for url in (
        "/items",
        "/items/WAX-SOY",
        "/suppliers",
        f"/suppliers/{supplier_id}",
        "/customers",
        f"/customers/{customer_id}",
        "/locations",
        "/locations/A-01",
    ):
        assert operator.get(url).status_code == 200, url
    item_page = operator.get("/items/WAX-SOY").get_data(as_text=True)
    assert "/items/WAX-SOY/edit" not in item_page
    for url in (
        "/items/new",
        "/items/WAX-SOY/edit",
        "/suppliers/new",
        f"/suppliers/{supplier_id}/edit",
        "/customers/new",
        f"/customers/{customer_id}/edit",
        "/locations/new",
        "/locations/A-01/edit",
    ):
        assert operator.get(url).status_code == 403, url
        assert operator.post(url, data={"name": "x"}).status_code == 403, url
    assert count(app, Item) == 1


def test_a_missing_record_is_not_found(supervisor):
    for url in (
        "/items/NOPE",
        "/items/NOPE/edit",
        "/suppliers/999",
        "/customers/999/edit",
        "/locations/NOPE",
        "/locations/NOPE/label",
    ):
        assert supervisor.get(url).status_code == 404, url


def test_the_more_menu_leads_to_every_master_data_list(operator):
    html = operator.get("/menu").get_data(as_text=True)
    for url in ('href="/items"', 'href="/suppliers"', 'href="/customers"', 'href="/locations"'):
        assert url in html


# --- suppliers and customers ---------------------------------------------------------------


@pytest.mark.parametrize("path, model", [("suppliers", Supplier), ("customers", Customer)])
def test_supervisor_creates_and_edits_a_party(supervisor, app, path, model):
    response = supervisor.post(
        f"/{path}/new",
        data={
            "name": "Northwax Ltd",
            "contact": "Ana Pop",
            "email": "ana@northwax.example",
            "phone": "+40 700 000 000",
            "address": "1 Wax Street\nCluj",
            "notes": "",
        },
    )
    assert response.status_code == 302
    page = response.headers["Location"]
    assert "Ana Pop" in supervisor.get(page).get_data(as_text=True)
    assert "Northwax Ltd" in supervisor.get(f"/{path}").get_data(as_text=True)

    form = supervisor.get(f"{page}/edit").get_data(as_text=True)
    assert 'value="Northwax Ltd"' in form and "1 Wax Street" in form
    follow(
        supervisor,
        supervisor.post(
            f"{page}/edit",
            data={
                "name": "Northwax SRL",
                "contact": "",
                "email": "ana@northwax.example",
                "phone": "",
                "address": "",
                "notes": "Pays in 30 days",
                "archived": "1",
            },
        ),
    )
    with app.app_context():
        party = db.session.scalar(sa.select(model))
        assert (party.name, party.contact, party.notes, party.archived) == (
            "Northwax SRL",
            None,
            "Pays in 30 days",
            True,
        )
    assert "Northwax SRL" not in supervisor.get(f"/{path}").get_data(as_text=True)
    assert "Northwax SRL" in supervisor.get(f"/{path}?archived=1").get_data(as_text=True)


@pytest.mark.parametrize("path, model", [("suppliers", Supplier), ("customers", Customer)])
def test_a_party_needs_a_name(supervisor, app, path, model):
    response = supervisor.post(f"/{path}/new", data={"name": " ", "contact": "Ana"})
    assert response.status_code == 422
    assert "name" in field_error(response.get_data(as_text=True), "name")
    assert 'value="Ana"' in response.get_data(as_text=True)
    assert count(app, model) == 0


def test_renaming_a_supplier_to_a_name_in_use_is_refused_next_to_the_name(supervisor, app):
    with app.app_context():
        master.create_party(Supplier, {"name": "Northwax"})
        other = master.create_party(Supplier, {"name": "Southwax"}).id
    response = supervisor.post(
        f"/suppliers/{other}/edit", data={"name": "Northwax", "idempotency_key": "rename-1"}
    )
    assert response.status_code == 422
    assert "already exists" in field_error(response.get_data(as_text=True), "name")
    with app.app_context():
        assert db.session.get(Supplier, other).name == "Southwax"


def test_party_search_matches_name_contact_or_email(supervisor, app):
    with app.app_context():
        master.create_party(Customer, {"name": "Candle Corner", "contact": "Ioana"})
        master.create_party(Customer, {"name": "Soap & Co", "email": "orders@soap.example"})
    by_contact = supervisor.get("/customers?q=ioana").get_data(as_text=True)
    assert "Candle Corner" in by_contact and "Soap &amp; Co" not in by_contact
    by_email = supervisor.get("/customers?q=soap.example").get_data(as_text=True)
    assert "Soap &amp; Co" in by_email and "Candle Corner" not in by_email


def test_supplier_page_lists_the_items_it_usually_supplies(supervisor, app):
    with app.app_context():
        supplier_id = master.create_party(Supplier, {"name": "Northwax"}).id
    make_item(app, default_supplier="Northwax")
    assert "WAX-SOY" in supervisor.get(f"/suppliers/{supplier_id}").get_data(as_text=True)


# --- locations -----------------------------------------------------------------------------


def test_supervisor_creates_and_edits_a_location(supervisor, app):
    response = supervisor.post(
        "/locations/new", data={"code": "A-01", "name": "Rack A, shelf 1", "kind": "storage"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/locations/A-01")
    assert "Rack A, shelf 1" in supervisor.get("/locations").get_data(as_text=True)
    response = supervisor.post(
        "/locations/A-01/edit",
        data={"code": "Q-01", "name": "Quarantine cage", "kind": "quarantine", "archived": "1"},
    )
    assert response.headers["Location"].endswith("/locations/Q-01")
    api = supervisor.get("/api/v1/locations/Q-01").get_json()
    assert api == {
        "code": "Q-01",
        "name": "Quarantine cage",
        "kind": "quarantine",
        "archived": True,
    }
    supervisor.post(
        "/locations/Q-01/edit",
        data={"code": "Q-01", "name": "Quarantine cage", "kind": "quarantine"},
    )
    assert supervisor.get("/api/v1/locations/Q-01").get_json()["archived"] is False


def test_a_location_code_with_spaces_is_refused_next_to_the_code(supervisor, app):
    response = supervisor.post("/locations/new", data={"code": "A 01", "name": "Rack A"})
    assert response.status_code == 422
    assert "spaces" in field_error(response.get_data(as_text=True), "code")
    assert count(app, Location) == 0


def test_a_duplicate_location_code_is_refused(supervisor, app):
    make_location(app)
    response = supervisor.post("/locations/new", data={"code": "A-01", "name": "Again"})
    assert response.status_code == 422
    assert "already exists" in field_error(response.get_data(as_text=True), "code")


def test_location_search_and_kind_filter(supervisor, app):
    make_location(app)
    make_location(app, code="SHIP-1", name="Dispatch bench", kind="shipping")
    by_name = supervisor.get("/locations?q=dispatch").get_data(as_text=True)
    assert "SHIP-1" in by_name and "A-01" not in by_name
    by_kind = supervisor.get("/locations?kind=storage").get_data(as_text=True)
    assert "A-01" in by_kind and "SHIP-1" not in by_kind


def test_location_page_lists_the_lots_stored_there(supervisor, app, make_user):
    make_item(app)
    make_location(app)
    make_location(app, code="B-01", name="Rack B")
    operator_name = make_user("operator")
    here = receive(app, operator_name, item="WAX-SOY", quantity="12.5", location="A-01")
    elsewhere = receive(app, operator_name, item="WAX-SOY", quantity="3", location="B-01")
    html = supervisor.get("/locations/A-01").get_data(as_text=True)
    assert here in html and elsewhere not in html
    assert "12.5 kg" in html and "Soy wax" in html
    assert "/counts/new?location=A-01" in html and "/locations/A-01/label" in html
    assert "/locations/A-01/edit" in html


def test_location_page_reads_its_stock_in_the_same_number_of_queries_however_many_lots(
    supervisor, app, make_user
):
    make_item(app)
    make_location(app)
    operator_name = make_user("operator")
    receive(app, operator_name, item="WAX-SOY", quantity="1", location="A-01")

    def queries_for_page() -> int:
        statements = []
        with app.app_context():
            engine = db.engine

            def record(*_args):
                statements.append(1)

            sa.event.listen(engine, "before_cursor_execute", record)
            try:
                assert supervisor.get("/locations/A-01").status_code == 200
            finally:
                sa.event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    one_lot = queries_for_page()
    make_item(app, sku="WAX-BEE", name="Beeswax")
    for _ in range(4):
        receive(app, operator_name, item="WAX-BEE", quantity="1", location="A-01")
    assert queries_for_page() == one_lot


def test_operator_sees_count_and_label_but_not_edit_on_a_location(operator, app):
    make_location(app)
    html = operator.get("/locations/A-01").get_data(as_text=True)
    assert "/counts/new?location=A-01" in html and "/locations/A-01/label" in html
    assert "/locations/A-01/edit" not in html


# --- location labels -----------------------------------------------------------------------


def test_location_label_html_carries_the_location_url_in_its_qr(operator, app):
    make_location(app)
    response = operator.get("/locations/A-01/label?size=62mm&format=html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Rack A, shelf 1" in html and "A-01" in html
    # The same QR symbol as the payload's own (the path does not depend on the size).
    path = qr_svg(f"{BASE}/locations/A-01").split(' d="', 1)[1].split('"', 1)[0]
    assert path in html


def test_location_label_png_qr_decodes_to_the_location_url(operator, app):
    make_location(app)
    response = operator.get("/locations/A-01/label?size=4x6&format=png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    found = {
        symbol.format: symbol.text
        for symbol in zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    }
    assert found[zxingcpp.BarcodeFormat.QRCode] == f"{BASE}/locations/A-01"
    assert found[zxingcpp.BarcodeFormat.Code128] == "A-01"


def test_location_label_zpl_prints_the_location_url_as_a_qr(operator, app):
    make_location(app)
    response = operator.get("/locations/A-01/label?size=2x1&format=zpl")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    zpl = response.get_data(as_text=True)
    assert zpl.startswith("^XA") and f"^FDMA,{BASE}/locations/A-01^FS" in zpl


def test_location_label_print_page_previews_the_chosen_size(operator, app):
    make_location(app)
    html = operator.get("/locations/A-01/label?size=a4").get_data(as_text=True)
    assert "format=html&amp;size=a4" in html and "data-print-frame" in html


def test_an_unknown_label_size_is_refused(operator, app):
    make_location(app)
    assert operator.get("/locations/A-01/label?size=huge&format=png").status_code == 422
