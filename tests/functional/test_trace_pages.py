"""Shipping, genealogy, recall and audit pages: after receiving wax, making a base and candles
from it and shipping candles to two customers (the `history` of the traceability tests)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.audit import AuditEvent
from shopfloor.models.shipping import Shipment
from shopfloor.models.stock import Balance, Lot
from shopfloor.services import stock
from shopfloor.web.trace.routes import PAGE_LEVELS
from tests.conftest import PASSWORD
from tests.factories import balance, count_rows, make_chain, user
from tests.integration.test_traceability import history  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("history")


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role="operator"):
        username = make_user(role)
        client.post("/login", data={"username": username, "password": PASSWORD})
        return username

    return sign_in


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def quarantine(app, supervisor, code):
    with app.app_context():
        stock.change_lot_status(code, {"status": "quarantine", "reason": "smell"},
                                user(app, supervisor))


def lot_status(app, code) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Lot.status).where(Lot.code == code))


# --- shipping ---------------------------------------------------------------------------------

def test_the_ship_form_posts_the_api_field_names_and_works_offline(client, signed_in):
    signed_in("operator")
    page = client.get("/shipments/new").get_data(as_text=True)
    for expected in ('data-offline="shipment"', 'data-scan-sequence="lot"',
                     'data-api="/api/v1/shipments"', 'name="customer"', 'name="reference"',
                     'name="idempotency_key"', "data-scan-target",
                     '<option value="Casa Verde" >'):
        assert expected in page


def test_the_ship_page_suggests_product_lots_first_expiring_first(client, signed_in):
    signed_in("operator")
    page = client.get("/shipments/new").get_data(as_text=True)
    assert 'value="add:CANDLE-1"' in page
    assert 'value="add:WAX-A"' not in page  # materials are not shipped


def test_a_scanned_lot_becomes_a_line_with_its_quantity_to_fill_in(client, signed_in):
    signed_in("operator")
    page = client.get("/shipments/new", query_string={
        "customer": "Casa Verde", "reference": "INV-2000", "action": "add",
        "add": "CANDLE-1"}).get_data(as_text=True)
    assert '<input type="hidden" name="lot" value="CANDLE-1">' in page
    assert re.search(r'name="quantity"[^>]*value=""', page)
    assert '<option value="FG" selected>' in page  # its only place
    assert 'value="INV-2000"' in page and '<option value="Casa Verde" selected>' in page


def test_shipping_from_the_page_lands_on_the_packing_slip(app, client, signed_in):
    signed_in("operator")
    data = {"customer": "Market Stall", "reference": "INV-2001", "lot": "CANDLE-1",
            "quantity": "1", "location": "", "action": "submit", "idempotency_key": "tap-1"}
    first = client.post("/shipments/new", data=data)
    again = client.post("/shipments/new", data=data)  # a double tap
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"] == "/shipments/SH-000003"
    assert count_rows(app, Shipment) == 3
    assert balance(app, "CANDLE-1", "FG") == Decimal(0)
    slip = text_of(client.get("/shipments/SH-000003"))
    for expected in ("Packing slip", "SH-000003", "Market Stall", "INV-2001", "CANDLE-1",
                     "1 pcs"):
        assert expected in slip


def test_a_quarantined_lot_is_refused_next_to_its_line_and_nothing_ships(app, client,
                                                                          signed_in,
                                                                          supervisor):
    quarantine(app, supervisor, "CANDLE-1")
    signed_in("operator")
    added = client.get("/shipments/new?action=add&add=CANDLE-1").get_data(as_text=True)
    assert "In quarantine: it may not be shipped." in added
    response = client.post("/shipments/new", data={
        "customer": "Casa Verde", "lot": "CANDLE-1", "quantity": "1", "action": "submit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="l-1-error">lot CANDLE-1 is in quarantine<', page)
    assert "Nothing was shipped" in page
    assert count_rows(app, Shipment) == 2
    assert balance(app, "CANDLE-1", "FG") == Decimal(1)


def test_a_line_can_be_removed_before_shipping(client, signed_in):
    signed_in("operator")
    page = client.get("/shipments/new", query_string=[
        ("lot", "CANDLE-1"), ("quantity", "1"), ("location", ""),
        ("lot", "BASE-1"), ("quantity", "2"), ("location", ""),
        ("action", "remove:0")]).get_data(as_text=True)
    assert 'name="lot" value="BASE-1"' in page and 'name="lot" value="CANDLE-1"' not in page


def test_the_packing_slip_names_the_company_from_the_settings(app, client, signed_in):
    from shopfloor.services import settings

    with app.app_context():
        settings.update_settings({"company_name": "Lumina Candles SRL",
                                  "company_address": "Str. Morii 4\nCluj-Napoca"},
                                 user(app, signed_in("admin")))
    slip = client.get("/shipments/SH-000001/slip").get_data(as_text=True)
    assert '<strong class="slip-company">Lumina Candles SRL</strong>' in slip
    assert "Str. Morii 4\nCluj-Napoca" in slip


def test_the_packing_slip_prints_alone_with_customer_reference_lines_and_expiry(app, client,
                                                                                 signed_in):
    signed_in("operator")
    with app.app_context():
        expiry = stock.get_lot("CANDLE-1").expiry.isoformat()
    response = client.get("/shipments/SH-000001/slip")
    page = response.get_data(as_text=True)
    assert 'class="bottomnav"' not in page and 'class="print-doc"' in page
    slip = text_of(response)
    for expected in ("Casa Verde", "INV-1001", "CANDLE-1", "6 pcs", expiry, "CANDLE"):
        assert expected in slip
    shipment_page = client.get("/shipments/SH-000001").get_data(as_text=True)
    assert 'data-print-frame="slip-frame"' in shipment_page
    assert 'src="/shipments/SH-000001/slip"' in shipment_page


def test_shipments_are_listed_newest_first_and_filtered_by_customer(client, signed_in):
    signed_in("operator")
    page = client.get("/shipments").get_data(as_text=True)
    assert page.index("SH-000002") < page.index("SH-000001")
    filtered = client.get("/shipments?customer=Casa+Verde").get_data(as_text=True)
    assert "SH-000001" in filtered and "SH-000002" not in filtered


def test_an_unknown_shipment_is_not_found(client, signed_in):
    signed_in("operator")
    assert client.get("/shipments/SH-999999").status_code == 404


# --- genealogy ---------------------------------------------------------------------------------

def test_the_lot_page_links_to_its_genealogy(client, signed_in):
    signed_in("operator")
    page = client.get("/l/BASE-1").get_data(as_text=True)
    assert 'href="/lots/BASE-1/genealogy"' in page


def test_the_backward_tree_ends_at_the_supplier_lot(client, signed_in):
    signed_in("operator")
    response = client.get("/lots/CANDLE-1/genealogy")
    assert response.status_code == 200
    page = text_of(response)
    backward = page[page.index("Where it came from"):page.index("Where it went")]
    assert backward.index("CANDLE-1") < backward.index("BASE-1") < backward.index("WAX-A") \
        < backward.index("CP-1187")
    assert "1,800 g went in" in backward and "1,900 g went in" in backward
    assert "OIL-A" in backward and "WICK-A" in backward


def test_the_forward_tree_reaches_the_customers_with_their_quantities(client, signed_in):
    signed_in("operator")
    page = text_of(client.get("/lots/WAX-A/genealogy"))
    forward = page[page.index("Where it went"):]
    assert forward.index("BASE-1") < forward.index("CANDLE-1")
    assert "made with 1,900 g of WAX-A" in forward
    assert "Shipped 6 pcs to Casa Verde" in forward
    assert "Shipped 3 pcs to Market Stall" in forward


def test_an_unused_lot_has_no_descendants_and_no_customers(client, signed_in):
    signed_in("operator")
    page = text_of(client.get("/lots/WAX-UNUSED/genealogy"))
    assert "Nothing has been made from this lot or shipped yet." in page
    assert "Casa Verde" not in page


# --- recall ------------------------------------------------------------------------------------

def test_the_recall_of_the_wax_lot_names_both_customers_with_their_quantities(client,
                                                                                signed_in):
    signed_in("supervisor")
    response = client.get("/recall?lot=WAX-A")
    assert response.status_code == 200
    page = text_of(response)
    assert "Customers: Casa Verde, Market Stall" in page
    assert re.search(r"Casa Verde \S+ INV-1001 CANDLE-1 6 pcs SH-000001", page)
    assert re.search(r"Market Stall \S+ INV-1002 CANDLE-1 3 pcs SH-000002", page)
    for lot in ("WAX-A", "BASE-1", "CANDLE-1"):
        assert lot in page
    assert "FG Test shelf 1 pcs" in page  # where what remains is


def test_the_recall_of_an_unused_lot_names_no_customer(client, signed_in):
    signed_in("supervisor")
    page = text_of(client.get("/recall?lot=WAX-UNUSED"))
    assert "No customer received anything made from these lots." in page
    assert "Casa Verde" not in page and "Market Stall" not in page
    assert "RAW Test shelf 5,000 g" in page


def test_the_mass_balances_add_up_and_no_discrepancy_is_shown(client, signed_in):
    signed_in("supervisor")
    response = client.get("/recall?lot=WAX-A")
    page = response.get_data(as_text=True)
    assert 'class="discrepancy"' not in page and "Balanced" in page
    table = text_of(response)
    assert "WAX-A g 5,000 1,900 0 0 0 3,100 0" in table
    assert "BASE-1 g 2,000 1,800 0 0 0 200 0" in table
    assert "CANDLE-1 pcs 10 0 9 0 0 1 0" in table


def test_a_balance_altered_behind_the_ledgers_back_is_highlighted(app, client, signed_in):
    with app.app_context():
        lot_id = db.session.scalar(sa.select(Lot.id).where(Lot.code == "CANDLE-1"))
        db.session.execute(sa.update(Balance).where(Balance.lot_id == lot_id)
                           .values(quantity=Decimal(3)))
        db.session.commit()
    signed_in("supervisor")
    page = client.get("/recall?lot=WAX-A").get_data(as_text=True)
    assert page.count('class="discrepancy"') == 1 and "Discrepancy" in page
    assert "<strong>2</strong>" in page


def test_several_lots_are_recalled_at_once_by_comma_or_repeated_field(client, signed_in):
    signed_in("supervisor")
    page = client.get("/recall?lot=WAX-UNUSED,+OIL-A&lot=WICK-A").get_data(as_text=True)
    for code in ("WAX-UNUSED", "OIL-A", "WICK-A", "BASE-1", "CANDLE-1"):
        assert f'name="lot" value="{code}"' in page or code in page
    assert page.count('<input type="hidden" name="lot" value="WICK-A">') == 2  # form + hold
    assert "Casa Verde" in page


def test_including_inputs_reaches_everything_made_from_the_same_ingredients(client,
                                                                          signed_in):
    signed_in("supervisor")
    alone = text_of(client.get("/recall?lot=CANDLE-1"))
    widened = text_of(client.get("/recall?lot=CANDLE-1&include_inputs=1"))
    assert "OIL-A" not in alone and "OIL-A" in widened and "WAX-A" in widened


def test_an_unknown_lot_is_named_next_to_the_field(client, signed_in):
    signed_in("supervisor")
    response = client.get("/recall?lot=NOPE-1")
    assert response.status_code == 422
    assert 'id="f-lot-error">no lot with code NOPE-1<' in response.get_data(as_text=True)


def test_the_recall_exports_one_csv_a_spreadsheet_opens(client, signed_in):
    signed_in("supervisor")
    response = client.get("/recall.csv?lot=WAX-A")
    assert response.mimetype == "text/csv"
    assert 'filename="recall-WAX-A-' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0] == ["Recall report"]
    assert ["Customers affected", "2"] in rows and ["Mass balance", "balanced"] in rows
    assert ["SH-000001", rows[rows.index(["Shipments"]) + 2][1], "Casa Verde", "INV-1001",
            "CANDLE-1", "CANDLE", "Test material", "6", "pcs"] in rows
    assert any(len(row) == 9 and row[0] == "SH-000002" and row[2] == "Market Stall"
               and row[7] == "3" for row in rows)
    wax = next(row for row in rows if row[:1] == ["WAX-A"] and len(row) == 17)
    assert wax[6:8] == ["", "CP-1187"]
    assert wax[9:] == ["5000", "1900", "0", "0", "0", "3100", "3100", "0"]
    assert ["CANDLE-1", "CANDLE", "FG", "Test shelf", "1", "pcs", "available"] in rows


def test_the_recall_prints_on_its_own_page(client, signed_in):
    signed_in("supervisor")
    page = client.get("/recall?lot=WAX-A").get_data(as_text=True)
    assert 'data-print-frame="recall-frame"' in page
    printable = client.get("/recall/print?lot=WAX-A")
    text = text_of(printable)
    assert 'class="bottomnav"' not in printable.get_data(as_text=True)
    assert "Recall report" in text and "Casa Verde" in text and "Balanced" in text


def test_quarantine_every_affected_lot_from_the_recall_page(app, client, signed_in):
    signed_in("supervisor")
    response = client.post("/recall/quarantine", data={
        "lot": "WAX-A", "reason": "supplier recall 77", "idempotency_key": "hold-1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/recall?lot=WAX-A"
    page = text_of(client.get(response.headers["Location"]))
    assert "Quarantined 3 lots: BASE-1, CANDLE-1, WAX-A." in page
    for code in ("WAX-A", "BASE-1", "CANDLE-1"):
        assert lot_status(app, code) == "quarantine"
    assert lot_status(app, "WAX-UNUSED") == "available"


def test_quarantine_from_the_recall_page_needs_a_reason(app, client, signed_in):
    signed_in("supervisor")
    response = client.post("/recall/quarantine", data={"lot": "WAX-A", "reason": " "})
    assert response.status_code == 422
    assert 'id="f-reason-error"' in response.get_data(as_text=True)
    assert lot_status(app, "WAX-A") == "available"


# --- audit trail -------------------------------------------------------------------------------

def test_the_audit_trail_shows_a_lot_status_change_with_before_and_after(client, signed_in):
    username = signed_in("supervisor")
    client.post("/lots/WAX-UNUSED/status", data={"status": "quarantine",
                                                 "reason": "torn bag"})
    response = client.get(f"/audit?entity=lot&key=unused&user={username}")
    page = text_of(response)
    assert re.search(rf"Lot WAX-UNUSED \S+ \S+ · {username} status available → quarantine "
                     r"Reason: torn bag", page)
    assert response.get_data(as_text=True).count('class="audit-event"') == 1
    assert "CANDLE" not in page  # the one lot only
    assert "Nothing recorded matches." in text_of(client.get("/audit?key=nothing-like-it"))


def test_the_audit_trail_pages_by_fifty_newest_first(app, client, signed_in):
    with app.app_context():
        for n in range(55):
            db.session.add(AuditEvent(entity="setting", entity_key=f"key-{n:02d}",
                                      before={"v": n}, after={"v": n + 1}))
        db.session.commit()
    signed_in("supervisor")
    first = client.get("/audit?entity=setting").get_data(as_text=True)
    assert first.count('class="audit-event"') == 50 and "page=2" in first
    assert first.index("key-54") < first.index("key-53") and "key-04" not in first
    second = client.get("/audit?entity=setting&page=2").get_data(as_text=True)
    assert second.count('class="audit-event"') == 5


@pytest.mark.parametrize("method,url", [
    ("get", "/recall?lot=WAX-A"), ("get", "/recall.csv?lot=WAX-A"),
    ("get", "/recall/print?lot=WAX-A"), ("post", "/recall/quarantine"), ("get", "/audit")])
def test_an_operator_may_not_run_a_recall_or_read_the_audit_trail(client, signed_in, method,
                                                                   url):
    signed_in("operator")
    response = getattr(client, method)(url, data={"lot": "WAX-A", "reason": "x"}
                                       if method == "post" else None)
    assert response.status_code == 403


def test_a_very_deep_genealogy_shows_its_first_levels_and_opens_the_rest(app, client, signed_in,
                                                                         supervisor):
    codes = make_chain(app, supervisor, 600)
    signed_in()

    page = client.get(f"/lots/{codes[-1]}/genealogy")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    last_shown = codes[-1 - PAGE_LEVELS]
    assert f'href="/l/{last_shown}"' in html and f'href="/l/{codes[-2 - PAGE_LEVELS]}"' not in html
    assert f'href="/lots/{last_shown}/genealogy"' in html
