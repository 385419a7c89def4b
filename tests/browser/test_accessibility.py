"""The main screens pass axe-core with no serious or critical violation, at a phone's size.
axe-core is vendored for the tests only (tests/browser/vendor/, from npm) and injected by the
test; the app never serves it."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import VENDOR, phone_context, sign_in

pytestmark = pytest.mark.browser

SCREENS = ("/", "/scan", "/receive", "/moves/new", "/counts/new", "/outbox", "/stock", "/menu",
           "/offline", "/sales-orders", "/sales-orders/to-ship")


def violations(page) -> list[str]:
    page.add_script_tag(path=str(VENDOR / "axe.min.js"))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, { resultTypes: ["violations"] });
        return result.violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id} (${v.impact}): `
                + v.nodes.map((n) => n.target.join(" ")).join(", "));
    }""")
    return found


def test_main_screens_have_no_serious_accessibility_violations(browser, app, server, make_user):
    operator = make_user("operator")
    item = factories.make_item(app, name="Beeswax")
    shelf = factories.make_location(app, "SHELF-1")
    lot = factories.receive(app, operator, item, shelf, quantity="50")
    # The page's CSP forbids inline scripts, which is how the test brings axe in.
    context = phone_context(browser, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{server}/login")
        problems = {"/login": violations(page)}
        sign_in(page, server, operator)
        for path in (*SCREENS, f"/l/{lot}", f"/counts/new?location={shelf}"):
            page.goto(f"{server}{path}")
            problems[path] = violations(page)

        # The camera view over a page (no camera here: it explains why), and the outbox with
        # an entry waiting and one refused.
        page.goto(f"{server}/moves/new")
        page.click("a.nav-scan")
        page.locator(".scanner-overlay .scanner-status").filter(has_text="camera").wait_for()
        problems["scanner"] = violations(page)
        page.goto(f"{server}/outbox")
        page.evaluate("""(user) => ShopfloorOutbox.add([
            {key: "k1", url: "/api/v1/moves", kind: "move", label: "L-1 · 5 · A → B", user,
             body: {lot: "L-1"}, form_url: "/moves/new"}], "waiting").then(() =>
          ShopfloorOutbox.add([
            {key: "k2", url: "/api/v1/moves", kind: "move", label: "L-2 · 9 · A → B", user,
             body: {lot: "L-2"}, form_url: "/moves/new",
             response: {status: 409, error: {message: "only 4 g left", field: "quantity"}}}],
            "refused"))""", operator)
        page.locator("#outbox-refused li.outbox-entry").wait_for()
        problems["outbox with entries"] = violations(page)
        bad = [f"{path}: {problem}" for path, found in problems.items() for problem in found]
        assert not bad, "\n".join(bad)
    finally:
        context.close()
