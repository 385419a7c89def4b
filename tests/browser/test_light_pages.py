"""Scan screens stay light on a phone's first visit: the page, its styles, scripts and icons
within 60 KB. The barcode reader for browsers without a native one (the polyfill script and
its WebAssembly) is loaded only there and only when the camera opens; it is measured apart.

The budget counts what goes over the wire as Chromium reports it: response bodies as sent
(compressed, as the app serves them to a browser that accepts it) plus their headers."""

from __future__ import annotations

import pytest

from tests.browser.conftest import phone_context, sign_in_without_a_page

pytestmark = pytest.mark.browser

BUDGET = 60 * 1024
DECODER = "/static/vendor/barcode-detector/"


def first_visit(context, url: str) -> dict[str, tuple[int, int]]:
    """(body, headers) bytes received per path while the page loads and settles, for a
    profile that has never seen the app."""
    page = context.new_page()
    received: dict[str, tuple[int, int]] = {}

    def count(request):
        sizes = request.sizes()
        path = "/" + request.url.split("//", 1)[-1].split("/", 1)[-1]
        body, headers = received.get(path, (0, 0))
        received[path] = (body + sizes["responseBodySize"],
                          headers + sizes["responseHeadersSize"])

    page.on("requestfinished", count)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(500)
    return received


def test_first_visit_to_scan_fits_the_budget(browser, server, make_user):
    operator = make_user("operator")
    context = phone_context(browser)
    try:
        sign_in_without_a_page(context, server, operator)
        received = first_visit(context, f"{server}/scan")
        assert "/scan" in received and "/static/js/scanner.js" in received
        page = {path: size for path, size in received.items() if not path.startswith(DECODER)}
        decoder = {path: size for path, size in received.items() if path.startswith(DECODER)}
        body = sum(b for b, _ in page.values())
        wire = body + sum(h for _, h in page.values())
        report = ", ".join(f"{path} {b}+{h}" for path, (b, h) in sorted(page.items()))
        print(f"\n/scan first visit: {body} bytes of content, {wire} with headers "
              f"({report}); the decoder where needed: {sum(b for b, _ in decoder.values())}")
        assert wire <= BUDGET, report
    finally:
        context.close()


def test_screens_without_the_camera_load_no_barcode_reader(browser, server, make_user):
    operator = make_user("operator")
    context = phone_context(browser)
    try:
        sign_in_without_a_page(context, server, operator)
        received = first_visit(context, f"{server}/moves/new")
        assert "/static/js/forms.js" in received
        assert "/static/js/scanner.js" not in received
        assert not [path for path in received if path.startswith(DECODER)]
    finally:
        context.close()
