"""A Romanian reader sees decimal commas and `buc`; a Romanian 2,5 is read as 2.5."""

from decimal import Decimal

from shopfloor.domain.quantities import parse_quantity
from tests.conftest import PASSWORD
from tests.factories import make_item, make_location, receive

RO = {"Accept-Language": "ro"}


def test_romanian_stock_page_uses_decimal_comma_and_buc(app, client, make_user):
    username = make_user("operator")
    client.post("/login", data={"username": username, "password": PASSWORD})
    sku = make_item(app, sku="WICK", unit="pcs")
    receive(app, username, sku, make_location(app), quantity="1234.5", unit_cost="0.0125")
    page = client.get("/stock?q=wick", headers=RO).get_data(as_text=True)
    assert "1.234,5 buc" in page
    english = client.get("/stock?q=wick", headers={"Accept-Language": "en"})
    assert "1,234.5 pcs" in english.get_data(as_text=True)


def test_a_romanian_decimal_comma_is_read_as_a_point():
    assert parse_quantity("2,5") == Decimal("2.5")
