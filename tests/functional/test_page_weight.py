"""Page weight for phones on the floor (issue 8): the scan and pick screens arrive in at
most 60 KB on a first visit — the page, the stylesheets and scripts it references and the
scripts it loads as it starts, the service worker included; the barcode reader for
browsers without one of their own (a WebAssembly module and its polyfill) loads only where
needed and is left out — and on later visits nothing but the page itself: the service
worker keeps every static file those pages use, ahead of time.

What the pages load is asked of the pages: their <link>s and <script>s, and for what
static/js/app.js loads as a page starts, the markers it looks for and the URLs it is given
in #shopfloor-config. Bytes are counted as they go over the wire to a browser that accepts
gzip: bodies as sent (compressed where the app compresses) plus response headers.
"""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from shopfloor import ROOT
from shopfloor.services import production, recipes
from tests.conftest import PASSWORD
from tests.factories import make_item, make_location, receive, user

FIRST_VISIT_LIMIT = 60 * 1024
SERVICE_WORKER = ROOT / "static" / "js" / "sw.js"
# app.js, as a page starts: the scanner where a scanner opens at once, forms.js where a
# form works offline or takes scans in context (see start() in static/js/app.js).
STARTUP_SCRIPTS = (("[data-scanner-autostart]", "scanner_js"),
                   ("form[data-offline]", "forms_js"),
                   ("form[data-scan-sequence]", "forms_js"),
                   ("[data-gs1-fill]", "forms_js"))
ONLY_WHERE_NEEDED = ("decoder_js", "decoder_wasm")


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stylesheets, self.scripts, self.markers = [], [], set()
        self.config = ""
        self._in_config = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append(attrs["href"])
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        if tag == "script" and attrs.get("id") == "shopfloor-config":
            self._in_config = True
        for name in ("data-scanner-autostart", "data-offline", "data-scan-sequence",
                     "data-gs1-fill"):
            if name in attrs:
                self.markers.add((tag, name))

    def handle_data(self, data):
        if self._in_config:
            self.config += data

    def handle_endtag(self, tag):
        self._in_config = False

    def has(self, selector: str) -> bool:
        tag, _, name = selector.strip("]").partition("[")
        return any((tag in ("", found_tag)) and found_name == name
                   for found_tag, found_name in self.markers)


def _get(client, url: str) -> tuple[int, str, int]:
    """(status, body as text, bytes over the wire: the body as sent plus the headers)."""
    with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
        sent = response.get_data()
        headers = sum(len(f"{key}: {value}\r\n") for key, value in response.headers.items())
        body = gzip.decompress(sent) if response.headers.get("Content-Encoding") == "gzip" \
            else sent
        return response.status_code, body.decode(errors="replace"), \
            len(sent) + headers + len("HTTP/1.1 200 OK\r\n\r\n")


def _first_visit(client, path: str) -> dict:
    """What a phone downloads opening `path` for the first time: url -> bytes."""
    status, html, size = _get(client, path)
    assert status == 200, status
    found = _References()
    found.feed(html)
    config = json.loads(found.config)
    urls = found.stylesheets + found.scripts
    urls += [config["urls"][key] for selector, key in STARTUP_SCRIPTS if found.has(selector)]
    worker = config["urls"]["service_worker"]
    urls.append(worker)
    urls += re.findall(r'importScripts\("([^"]+)"\)', _get(client, worker)[1])
    assert not set(urls) & {config["urls"][key] for key in ONLY_WHERE_NEEDED}
    transfer = {path: size}
    for url in dict.fromkeys(urls):
        status, _body, transfer[url] = _get(client, url)
        assert status == 200, url
    return transfer


def _precached() -> set[str]:
    """The service worker's app shell: what it fetches at install and serves cache-first."""
    source = SERVICE_WORKER.read_text()
    shell = re.search(r"const SHELL = \[(.*?)\];", source, re.S)
    assert shell, "static/js/sw.js no longer lists its app shell as `const SHELL = [...]`"
    return set(re.findall(r'"([^"]+)"', shell.group(1)))


def _report(name: str, transfer: dict) -> None:
    lines = [f"{name}: {sum(transfer.values()) / 1024:.1f} KB on a first visit"]
    lines += [f"  {size / 1024:7.1f} KB  {url}" for url, size in transfer.items()]
    print("\n".join(lines))


@pytest.fixture
def operator_client(app, make_user):
    client = app.test_client()
    username = make_user("operator")
    assert client.post("/login", data={"username": username,
                                       "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def released_order(app, supervisor):
    make_location(app, "RAW")
    make_item(app, sku="WAX", name="Soy wax", unit="g")
    make_item(app, sku="WICK", name="Cotton wick", unit="pcs")
    make_item(app, sku="CANDLE", name="Lavender candle", kind="product", unit="pcs")
    receive(app, supervisor, "WAX", "RAW", quantity="5000", unit_cost="0.004")
    receive(app, supervisor, "WICK", "RAW", quantity="100", unit_cost="0.09")
    with app.app_context():
        boss = user(app, supervisor)
        recipes.create_recipe({"product": "CANDLE", "yield_quantity": "10", "lines": [
            {"item": "WAX", "quantity": "1800"}, {"item": "WICK", "quantity": "10"}]}, boss)
        number = production.create_order({"product": "CANDLE", "quantity": "10"}, boss).number
        production.release_order(number, boss)
    return number


@pytest.mark.parametrize("screen", ["scan", "pick"])
def test_scan_and_pick_screens_weigh_at_most_60_kb_on_a_first_visit(operator_client, screen,
                                                                     request):
    path = "/scan" if screen == "scan" else \
        f"/orders/{request.getfixturevalue('released_order')}/pick"

    transfer = _first_visit(operator_client, path)

    _report(f"{screen} screen", transfer)
    assert sum(transfer.values()) <= FIRST_VISIT_LIMIT, transfer


@pytest.mark.parametrize("screen", ["scan", "pick"])
def test_on_a_later_visit_only_the_page_itself_comes_over_the_network(operator_client, screen,
                                                                      request):
    """Static files are cache-first in the service worker, and all those these screens
    load are in the shell it keeps at install; the page itself is network-first."""
    path = "/scan" if screen == "scan" else \
        f"/orders/{request.getfixturevalue('released_order')}/pick"
    transfer = _first_visit(operator_client, path)
    static = {url for url in transfer if url.startswith("/static/") or url.endswith(".css")}
    worker = Path(SERVICE_WORKER).read_text()

    assert static - _precached() == set(), "static files these screens load but the " \
        "service worker does not keep ahead of time"
    assert 'url.pathname.startsWith("/static/")' in worker and "cacheFirst(request)" in worker
