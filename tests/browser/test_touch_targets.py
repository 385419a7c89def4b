"""One-handed on a small phone: at 360 px wide no main screen scrolls sideways, everything
a thumb can press is at least 48 px each way — a checkbox by its label, a link in a list by
its whole row (links inside running text are exempt, as WCAG exempts them) — and nothing lies
over what it should press."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import phone_context, sign_in

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
TAP = 48
SCREENS = ("/", "/scan", "/receive", "/moves/new", "/counts/new", "/outbox", "/stock", "/menu",
           "/items", "/orders", "/shipments/new", "/sales-orders", "/sales-orders/to-ship")
# A supervisor's, on a tablet or a phone: {lot} is the workshop's lot.
SUPERVISOR_SCREENS = ("/recall?lot={lot}", "/lots/{lot}/genealogy", "/reports",
                      "/reports/valuation", "/purchasing", "/planning", "/recipes", "/settings",
                      "/data", "/sales-orders/new", "/reports/sales")

# What a thumb presses, with the box that takes the press: a row stretched over by its one
# link (static/css/app.css, `.list li … > a::after`), a control's label, or the thing itself.
TOO_SMALL = """(tap) => [...document.querySelectorAll(
        'a, button, input:not([type=hidden]), select, textarea, summary')]
    .filter((e) => e.offsetParent !== null && getComputedStyle(e).display !== "inline")
    .map((e) => {
        const row = e.closest(".list li");
        const stretched = row && getComputedStyle(e, "::after").position === "absolute";
        const box = (stretched ? row : e.closest("label") || e).getBoundingClientRect();
        const name = (e.textContent || e.name || e.getAttribute("aria-label") || "").trim();
        return [`${e.tagName.toLowerCase()} "${name.slice(0, 30)}"`,
                Math.round(box.width), Math.round(box.height)];
    })
    .filter(([, width, height]) => width < tap || height < tap)"""

# What a thumb presses must be what it reaches: nothing (a stretched link's box, a bar)
# lies over the middle of any link or control.
COVERED = """() => [...document.querySelectorAll(
        'a, button, input:not([type=hidden]), select, textarea, summary')]
    .filter((e) => e.offsetParent !== null)
    .filter((e) => {  // inside a closed <details> only its own summary can be pressed
        for (let d = e.closest("details:not([open])"); d;
             d = d.parentElement?.closest("details:not([open])")) {
            if (e.closest("summary")?.parentElement !== d) return false;
        }
        return true;
    })
    .map((e) => {
        e.scrollIntoView({ block: "center", inline: "center" });
        const box = e.getBoundingClientRect();
        const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
        const reached = hit && (e === hit || e.contains(hit) || hit.control === e);
        return reached ? null : `${e.tagName.toLowerCase()} "${(e.textContent || e.name || "")
            .trim().slice(0, 30)}" under ${hit ? hit.outerHTML.slice(0, 60) : "nothing"}`;
    })
    .filter(Boolean)"""


@pytest.fixture
def workshop(app, make_user):
    operator = make_user("operator")
    # Low on stock and expiring soon, so the home screen lists both.
    item = factories.make_item(app, name="Beeswax", reorder_point="500")
    shelf = factories.make_location(app, "SHELF-1")
    lot = factories.receive(app, operator, item, shelf, quantity="50")
    return {"operator": operator, "item": item, "lot": lot, "shelf": shelf}


@pytest.mark.parametrize("role", ["operator", "supervisor"])
def test_main_screens_fit_a_small_phone_with_thumb_sized_targets(browser, server, workshop,
                                                                 make_user, role):
    if role == "operator":
        user = workshop["operator"]
        screens = (*SCREENS, f"/l/{workshop['lot']}", f"/items/{workshop['item']}")
    else:
        user = make_user("supervisor")
        screens = [path.format(lot=workshop["lot"]) for path in SUPERVISOR_SCREENS]
    context = phone_context(browser)
    try:
        page = context.new_page()
        page.set_viewport_size(SMALL_PHONE)
        sign_in(page, server, user)
        found = {}
        for path in screens:
            page.goto(f"{server}{path}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            small = page.evaluate(TOO_SMALL, TAP)
            covered = page.evaluate(COVERED)
            if wide > SMALL_PHONE["width"] or small or covered:
                found[path] = {"scroll width": wide, "too small": small, "covered": covered}
        assert not found, found
    finally:
        context.close()


def test_a_list_row_opens_its_link_wherever_it_is_tapped(browser, server, workshop):
    context = phone_context(browser)
    try:
        page = context.new_page()
        sign_in(page, server, workshop["operator"])
        page.goto(f"{server}/")
        row = page.locator(".alerts .list li").filter(has_text=workshop["item"]).first
        box = row.bounding_box()
        # Far from the item's code, on the quantities at the row's right end.
        page.touchscreen.tap(box["x"] + box["width"] - 12, box["y"] + box["height"] / 2)
        page.wait_for_url(f"**/items/{workshop['item']}")
    finally:
        context.close()
