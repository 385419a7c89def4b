"""The floor's screens on a small phone (360×740): a refused form shows its first error
where the eye is, the stock list is cards with nothing cut off, a label preview fits, and
breadcrumbs are whole targets."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import phone_context, sign_in, wait_for_forms

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}


@pytest.fixture
def floor(app, make_user):
    """An operator, a supervisor and a shelf with a few lots of a long-named item."""
    operator = make_user("operator")
    supervisor = make_user("supervisor")
    shelf = factories.make_location(app, "SHELF-A")
    item = factories.make_item(app, sku="WAX-SOY-464-CONTAINER",
                               name="Soy wax for candles, container blend 464, 20 kg bags")
    lots = [factories.receive(app, operator, item, shelf, quantity="1234567.125",
                              unit_cost="0.0042") for _ in range(3)]
    for sku in ("OIL-LAV", "WICK-M", "JAR-AMB"):
        factories.make_item(app, sku=sku, name=f"{sku} with a rather long name to wrap")
    return {"operator": operator, "supervisor": supervisor, "shelf": shelf, "lots": lots,
            "item": item}


def in_viewport(page, selector: str) -> bool:
    return page.evaluate("""(selector) => {
        const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= 0 && box.bottom <= innerHeight && box.left >= 0
            && box.right <= innerWidth;
    }""", selector)


def test_a_refused_count_shows_its_first_error_in_view_and_focused(browser, server, floor):
    context = phone_context(browser)
    try:
        page = context.new_page()
        page.set_viewport_size(SMALL_PHONE)
        sign_in(page, server, floor["operator"])
        page.goto(f"{server}/counts/new?location={floor['shelf']}")
        fields = page.locator("input[name=counted_quantity]")
        fields.nth(0).fill("10")
        fields.nth(1).fill("10")
        fields.nth(2).fill("ten")
        page.click("button[value=submit]")
        page.wait_for_load_state("load")
        expect(page.locator(".field-error")).to_contain_text("Counted quantity")
        page.wait_for_function("document.activeElement.getAttribute('aria-invalid') === 'true'")
        assert in_viewport(page, '[aria-invalid="true"]')
        assert in_viewport(page, ".has-error .field-error")
        page.screenshot(path="/tmp/floor-shots/count-error.png")
        assert context.page_errors == []
    finally:
        context.close()


def test_the_stock_list_at_360_px_scrolls_no_way_sideways_and_cuts_nothing_off(
        browser, server, floor):
    context = phone_context(browser)
    try:
        page = context.new_page()
        page.set_viewport_size(SMALL_PHONE)
        sign_in(page, server, floor["operator"])
        page.goto(f"{server}/stock")
        overflow = page.evaluate("""() => ({
            page: document.documentElement.scrollWidth - innerWidth,
            cut: [...document.querySelectorAll('.stock-table td, .table-scroll')]
                .filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5
                    || e.scrollWidth > e.clientWidth + 1)
                .map((e) => e.textContent.trim().slice(0, 40)),
        })""")
        assert overflow == {"page": 0, "cut": []}
        available = page.locator(".stock-table td.key-figure").first
        assert float(available.evaluate("(e) => getComputedStyle(e).fontSize")[:-2]) >= 20
        page.screenshot(path="/tmp/floor-shots/stock-360.png", full_page=True)
    finally:
        context.close()


def test_a_4x6_label_preview_fits_the_phone_and_breadcrumbs_are_48_px(browser, server, floor):
    context = phone_context(browser)
    try:
        page = context.new_page()
        page.set_viewport_size(SMALL_PHONE)
        sign_in(page, server, floor["operator"])
        page.goto(f"{server}/lots/{floor['lots'][0]}/label?size=4x6")
        frame = page.frame_locator("#label-frame")
        expect(frame.locator(".label").first).to_be_visible()
        fits = page.evaluate("""() => {
            const frame = document.getElementById('label-frame');
            const doc = frame.contentDocument;
            const box = doc.querySelector('.page').getBoundingClientRect();
            return box.left >= 0 && box.right <= frame.clientWidth;
        }""")
        assert fits
        page.screenshot(path="/tmp/floor-shots/label-4x6-360.png")
        page.goto(f"{server}/locations/{floor['shelf']}")
        crumb = page.locator(".eyebrow a").first.bounding_box()
        assert crumb["height"] >= 48 and crumb["width"] >= 48
    finally:
        context.close()


@pytest.fixture
def released(app, make_user):
    """A released order needing 950 g of wax, with one wax lot of 1000 g on RAW."""
    from shopfloor.services import production, recipes
    from tests.factories import user

    operator, supervisor = make_user("operator"), make_user("supervisor")
    factories.make_location(app, "RAW")
    factories.make_item(app, sku="WAX", name="Soy wax", unit="g")
    factories.make_item(app, sku="BASE", name="Wax base", kind="intermediate", unit="g")
    lot = factories.receive(app, supervisor, "WAX", "RAW", quantity="1000", lot_code="WAX-1")
    with app.app_context():
        boss = user(app, supervisor)
        recipes.create_recipe({"product": "BASE", "yield_quantity": "1000",
                               "lines": [{"item": "WAX", "quantity": "950"}]}, boss)
        number = production.create_order({"product": "BASE", "quantity": "1000"}, boss).number
        production.release_order(number, boss)
    return {"operator": operator, "number": number, "lot": lot}


def test_one_wedge_scan_on_the_pick_screen_picks_and_offers_an_undo(
        browser, app, server, released):
    from tests.factories import balance

    context = phone_context(browser)
    try:
        page = context.new_page()
        page.set_viewport_size(SMALL_PHONE)
        sign_in(page, server, released["operator"])
        number = released["number"]
        page.goto(f"{server}/orders/{number}/pick")
        wait_for_forms(page)
        page.locator("h1").click()  # no text field has the focus: a wedge types anywhere
        page.keyboard.type("NOT-A-LOT-9", delay=5)
        page.keyboard.press("Enter")
        toast = page.locator("#app-message.toast-error")
        expect(toast).to_contain_text("NOT-A-LOT-9")
        box = toast.bounding_box()
        assert box["y"] > SMALL_PHONE["height"] / 2  # where the thumb is
        page.locator("h1").click()
        page.keyboard.type(f"https://shop.example/l/{released['lot']}", delay=5)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server}/orders/{number}/pick?picked=*")
        undo = page.locator(".undo-bar")
        expect(undo).to_contain_text("950")
        undo.locator("button").click()  # the bar goes after a few seconds: press it now
        page.wait_for_url(f"{server}/orders/{number}/pick")
        assert balance(app, "WAX-1", f"WIP-{number}") == 0
        assert balance(app, "WAX-1", "RAW") == 1000
        with app.app_context():
            from shopfloor.extensions import db
            from shopfloor.models.stock import StockMove

            reasons = list(db.session.scalars(sa.select(StockMove.reason)
                                              .order_by(StockMove.id)))
        assert reasons[-2:] == ["pick", "return"]  # picked by one scan, then put back
        assert context.page_errors == []
    finally:
        context.close()
