"""The phone app in real Chromium at 390×844: installable, the shell served from the service
worker's cache, a printed label read by the camera, and moves made offline that reach the
server exactly once."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    launch,
    phone_context,
    sign_in,
    wait_for_forms,
    wait_for_service_worker,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def transfers(app) -> int:
    from shopfloor.extensions import db
    from shopfloor.models.stock import StockMove

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(StockMove)
                                 .where(StockMove.reason == "transfer"))


@pytest.fixture
def stocked(app, make_user):
    """An operator and a lot of 100 g on shelf A, with shelf B free."""
    operator = make_user("operator")
    item = factories.make_item(app, name="Soy wax")
    shelf_a = factories.make_location(app, "SHELF-A")
    shelf_b = factories.make_location(app, "SHELF-B")
    lot = factories.receive(app, operator, item, shelf_a, quantity="100")
    return {"operator": operator, "item": item, "lot": lot, "a": shelf_a, "b": shelf_b}


def test_chromium_reports_the_app_installable(playwright, server, make_user, tmp_path):
    operator = make_user("operator")
    # A throw-away context counts as incognito, which is never installable: use a profile.
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS, viewport=PHONE)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        sign_in(page, server, operator)
        wait_for_service_worker(page)
        page.reload()
        cdp = context.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
        manifest = page.evaluate("fetch('/manifest.webmanifest').then((r) => r.json())")
        sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
        assert manifest["display"] == "standalone"
        assert manifest["start_url"] and manifest["theme_color"] and manifest["name"]
    finally:
        context.close()


def test_repeat_visits_load_the_shell_from_the_service_worker(browser, server, stocked):
    context = phone_context(browser)
    try:
        page = context.new_page()
        sign_in(page, server, stocked["operator"])
        wait_for_service_worker(page)
        served = {}
        page.on("response", lambda r: served.__setitem__(r.url.removeprefix(server),
                                                         r.from_service_worker))
        page.goto(f"{server}/stock")
        for path in ("/static/css/app.css", "/static/js/app.js", "/static/icons/scan.svg"):
            assert served.get(path) is True, (path, served)

        # And a page seen before opens with no network at all.
        page.goto(f"{server}/l/{stocked['lot']}")
        context.set_offline(True)
        page.goto(f"{server}/l/{stocked['lot']}")
        assert page.locator("h1").inner_text() == stocked["lot"]
        page.goto(f"{server}/never-seen")
        assert page.locator("h1").inner_text() == "You are offline"
    finally:
        context.close()


def test_a_lots_own_label_shown_to_the_camera_opens_the_lot(playwright, app, server, stocked,
                                                            ffmpeg, tmp_path):
    client = app.test_client()
    client.post("/login", data={"username": stocked["operator"], "password": PASSWORD})
    label = client.get(f"/lots/{stocked['lot']}/label?format=png")
    assert label.status_code == 200 and label.mimetype == "image/png"
    (tmp_path / "label.png").write_bytes(label.data)
    clip = tmp_path / "clip.y4m"
    subprocess.run([ffmpeg, "-loglevel", "error", "-loop", "1", "-i", str(tmp_path / "label.png"),
                    "-t", "2", "-r", "10", "-vf",
                    "scale=-2:400,pad=640:480:(ow-iw)/2:(oh-ih)/2:white,format=yuv420p",
                    str(clip)], check=True)

    browser = launch(playwright, ["--use-fake-device-for-media-stream",
                                  f"--use-file-for-fake-video-capture={clip}"])
    try:
        context = phone_context(browser, permissions=["camera"])
        page = context.new_page()
        sign_in(page, server, stocked["operator"])
        page.goto(f"{server}/scan")
        page.wait_for_url(f"{server}/l/{stocked['lot']}", timeout=15000)
        assert page.locator("h1").inner_text() == stocked["lot"]
        assert context.page_errors == []
    finally:
        browser.close()


def test_a_move_made_offline_reaches_the_server_once(browser, app, server, stocked):
    context = phone_context(browser)
    try:
        page = context.new_page()
        sign_in(page, server, stocked["operator"])
        page.goto(f"{server}/outbox")
        wait_for_service_worker(page)
        page.goto(f"{server}/moves/new")

        context.set_offline(True)
        page.fill("#f-lot", stocked["lot"])
        page.select_option("#f-from", stocked["a"])
        page.select_option("#f-to", stocked["b"])
        page.fill("#f-quantity", "5")
        page.click("form[data-offline] button.primary")
        page.locator("#outbox-status").filter(has_text="Waiting to send: 1").wait_for()
        assert page.locator("#f-lot").input_value() == ""  # ready for the next one

        page.goto(f"{server}/outbox")  # from the phone's cache: still offline
        waiting = page.locator("#outbox-waiting li.outbox-entry")
        waiting.filter(has_text=f"{stocked['lot']} · 5 · SHELF-A → SHELF-B").wait_for()
        assert transfers(app) == 0

        context.set_offline(False)  # the page hears "online" and sends
        applied = page.locator("#outbox-applied li.outbox-entry")
        applied.filter(has_text=stocked["lot"]).wait_for(timeout=10000)
        assert page.locator("#outbox-waiting li.outbox-entry").count() == 0
        assert transfers(app) == 1
        assert factories.balance(app, stocked["lot"], stocked["b"]) == Decimal("5")

        page.reload()  # another load replays nothing more
        page.locator("#outbox-summary").filter(has_text="Waiting: 0").wait_for()
        assert transfers(app) == 1
        assert context.page_errors == []
    finally:
        context.close()


def test_a_lost_answer_is_resent_and_still_applied_once(browser, app, server, stocked):
    """The server applies the move but the phone never hears back; resending with the same
    device-made key returns the first answer instead of moving the stock again."""
    # Without the service worker, whose Background Sync could resend first, out of reach of
    # the route that loses the answer.
    context = phone_context(browser, service_workers="block")
    try:
        page = context.new_page()
        sign_in(page, server, stocked["operator"])
        page.goto(f"{server}/moves/new")
        wait_for_forms(page)  # nothing caches it here
        context.set_offline(True)
        page.fill("#f-lot", stocked["lot"])
        page.select_option("#f-from", stocked["a"])
        page.select_option("#f-to", stocked["b"])
        page.fill("#f-quantity", "7")
        page.click("form[data-offline] button.primary")
        page.locator("#outbox-status").filter(has_text="Waiting to send: 1").wait_for()

        lost = []

        def lose_the_answer(route):
            if not lost:
                route.fetch()  # reaches the server, which applies it
                lost.append(True)
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route("**/api/v1/moves", lose_the_answer)
        with page.expect_event("requestfailed", lambda r: r.url.endswith("/api/v1/moves")):
            context.set_offline(False)
        assert lost and transfers(app) == 1
        page.locator("#outbox-status").filter(has_text="Waiting to send: 1").wait_for()

        page.goto(f"{server}/outbox")
        page.click("#outbox-send")
        page.locator("#outbox-applied li.outbox-entry").filter(has_text="· 7 ·").wait_for()
        assert transfers(app) == 1
        assert factories.balance(app, stocked["lot"], stocked["b"]) == Decimal("7")
    finally:
        context.close()


def test_a_wedge_scanner_fills_a_move_lot_then_destination(browser, server, stocked):
    context = phone_context(browser)
    try:
        page = context.new_page()
        sign_in(page, server, stocked["operator"])
        page.goto(f"{server}/moves/new")
        page.locator("h1").click()  # no text field has the focus
        page.keyboard.type(f"https://shop.example/l/{stocked['lot']}", delay=5)
        page.keyboard.press("Enter")
        expect(page.locator("#f-lot")).to_have_value(stocked["lot"])
        expect(page.locator("#f-from")).to_have_value(stocked["a"])  # the lot's only place
        page.locator("h1").click()
        page.keyboard.type(stocked["b"], delay=5)
        page.keyboard.press("Enter")
        expect(page.locator("#f-to")).to_have_value(stocked["b"])
        expect(page.locator("#f-lot")).to_have_value(stocked["lot"])

        # Typed on /scan (or sent there by a scanner into the field): straight to the lot.
        page.goto(f"{server}/scan")
        page.fill("#code", stocked["lot"])
        page.click("form button.primary")
        page.wait_for_url(f"{server}/l/{stocked['lot']}")
        page.goto(f"{server}/scan?code=NOTHING-1")
        expect(page.locator("[role=alert]")).to_contain_text("NOTHING-1")
        assert context.page_errors == []
    finally:
        context.close()


def test_scans_fill_receiving_and_counting_in_context(browser, app, server, make_user):
    operator = make_user("operator")
    item = factories.make_item(app, name="Lye", gtin="09506000134352")
    shelf = factories.make_location(app, "SHELF-C")
    elsewhere = factories.make_location(app, "SHELF-D")
    here_lot = factories.receive(app, operator, item, shelf, quantity="10")
    other_lot = factories.receive(app, operator, item, elsewhere, quantity="4")
    context = phone_context(browser)
    try:
        page = context.new_page()
        sign_in(page, server, operator)

        def wedge(code):
            page.locator("h1").click()  # no text field has the focus
            page.keyboard.type(code, delay=5)
            page.keyboard.press("Enter")

        # Receiving: the supplier's GS1-128 fills item, supplier lot and expiry.
        page.goto(f"{server}/receive")
        wedge("(01)09506000134352(17)271231(10)SUP-77")
        expect(page.locator("#f-supplier_lot")).to_have_value("SUP-77")
        expect(page.locator("#f-item")).to_have_value(item)
        expect(page.locator("#f-expiry")).to_have_value("2027-12-31")

        # Counting: the location first, then lots; a listed lot gets the focus, another is added.
        page.goto(f"{server}/counts/new")
        wedge(shelf)
        page.wait_for_url(f"**/counts/new?location={shelf}")
        wedge(f"https://shop.example/l/{here_lot}")
        expect(page.locator("#c-1")).to_be_focused()
        wedge(other_lot)
        expect(page.locator(".count-line")).to_have_count(2)
        expect(page.locator(".count-line").nth(1)).to_contain_text(other_lot)
        assert context.page_errors == []
    finally:
        context.close()


def test_a_form_post_lost_on_the_way_is_kept_and_sent_later(browser, app, server, stocked):
    """The phone believes it is online, so the form is posted as usual; the post cannot
    reach the server, and the service worker keeps it in the outbox instead of showing an
    error. It is sent, once, when the network is back."""
    context = phone_context(browser)
    try:
        page = context.new_page()
        sign_in(page, server, stocked["operator"])
        page.goto(f"{server}/moves/new")
        wait_for_service_worker(page)
        page.reload()
        # Wi-Fi up but the server out of reach: the browser still says it is online.
        page.evaluate("Object.defineProperty(Navigator.prototype, 'onLine', {get: () => true})")
        page.fill("#f-lot", stocked["lot"])
        page.select_option("#f-from", stocked["a"])
        page.select_option("#f-to", stocked["b"])
        page.fill("#f-quantity", "3")
        context.set_offline(True)
        with page.expect_navigation():  # the post, answered by the service worker
            page.click("form[data-offline] button.primary")
        expect(page.locator("#app-message")).to_have_text(
            "Saved on this phone. It will be sent when the network returns.")
        page.locator("#outbox-status").filter(has_text="Waiting to send: 1").wait_for()
        assert transfers(app) == 0

        context.set_offline(False)
        page.goto(f"{server}/outbox")
        page.locator("#outbox-applied li.outbox-entry").filter(has_text="· 3 ·").wait_for()
        assert transfers(app) == 1
        assert context.page_errors == []
    finally:
        context.close()


def test_a_shipment_made_offline_is_sent_with_all_its_lines(browser, app, server, stocked):
    from shopfloor.models.master import Customer
    from shopfloor.services import master

    with app.app_context():
        master.create_party(Customer, {"name": "Corner Shop"})
    second = factories.receive(app, stocked["operator"], stocked["item"], stocked["b"],
                               quantity="20")
    context = phone_context(browser)
    try:
        page = context.new_page()
        sign_in(page, server, stocked["operator"])
        page.goto(f"{server}/shipments/new?customer=Corner+Shop&lot={stocked['lot']}"
                  f"&lot={second}&quantity=2&quantity=3")
        wait_for_forms(page)
        context.set_offline(True)
        page.click("button[name=action][value=submit]")
        page.locator("#outbox-status").filter(has_text="Waiting to send: 1").wait_for()

        context.set_offline(False)
        page.locator("#outbox-status").wait_for(state="hidden")
        assert factories.balance(app, stocked["lot"], stocked["a"]) == Decimal("98")
        assert factories.balance(app, second, stocked["b"]) == Decimal("17")
        assert context.page_errors == []
    finally:
        context.close()
