"""Oversize bodies through the real server (gunicorn, as in production): a JSON body, a
chunked body that declares no length, a form and an upload, each larger than
MAX_CONTENT_LENGTH, are refused with 413 — JSON on the API, a page elsewhere — never a 5xx
or a dropped connection, and nothing is stored. The server goes on answering.

The limit is lowered to 64 KiB (SHOPFLOOR_MAX_UPLOAD_BYTES) so the bodies stay small.
"""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import PASSWORD
from tests.factories import make_item, make_location, receive

pytestmark = pytest.mark.reliability

LIMIT = 64 * 1024


def _chunked_post(base: str, path: str, headers: dict, chunks) -> tuple[int, bytes]:
    """POST with Transfer-Encoding: chunked, so the server cannot know the size upfront."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request("POST", path, body=iter(chunks), encode_chunked=True,
                           headers={**headers, "Transfer-Encoding": "chunked"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class _LoopbackSession(requests.Session):
    """The session cookie is Secure (SHOPFLOOR_BASE_URL is https); a browser sends it to a
    loopback address anyway, requests would not."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


def _signed_in(base: str, username: str) -> tuple[requests.Session, str]:
    session = _LoopbackSession()

    def token(path):
        page = session.get(base + path, timeout=30).text
        return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    answer = session.post(base + "/login", data={"username": username, "password": PASSWORD,
                                                 "csrf_token": token("/login")},
                          allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:300]
    return session, token("/moves/new")


def test_bodies_over_the_limit_get_413_through_gunicorn(
        app, supervisor, token_for, live_server, monkeypatch):
    from shopfloor.models.stock import StockMove
    from shopfloor.services.invariants import check_all
    from tests.factories import count_rows

    monkeypatch.setenv("SHOPFLOOR_MAX_UPLOAD_BYTES", str(LIMIT))
    make_item(app, sku="WAX", unit="g")
    shelf, other = make_location(app, "S1"), make_location(app, "S2")
    lot = receive(app, supervisor, "WAX", shelf, quantity="100")
    moves_before = count_rows(app, StockMove)
    base = live_server(workers=2)
    api = {"Authorization": f"Bearer {token_for(supervisor)}"}
    padding = "x" * (LIMIT + 1)
    move = {"lot": lot, "from": shelf, "to": other, "quantity": "1", "note": padding}

    declared = requests.post(f"{base}/api/v1/moves", json=move, headers=api, timeout=60)
    assert declared.status_code == 413, declared.text[:300]
    assert declared.json()["error"]["code"] == "too_large"

    # Sent in chunks, the size is known only when the limit is passed. Werkzeug then
    # stops reading at the limit without a word; the app must refuse rather than act on
    # what it read (a form cut short parses).
    padding_chunks = [b"y" * 8192 for _ in range(LIMIT // 8192 + 2)]
    opening = f'{{"lot": "{lot}", "from": "{shelf}", "to": "{other}", "quantity": "1", '
    status, answer = _chunked_post(
        base, "/api/v1/moves", {**api, "Content-Type": "application/json"},
        [opening.encode() + b'"note": "', *padding_chunks, b'"}'])
    assert status == 413, answer[:300]
    status, answer = _chunked_post(
        base, "/api/v1/moves", {**api, "Content-Type": "application/x-www-form-urlencoded"},
        [f"lot={lot}&from={shelf}&to={other}&quantity=1&note=".encode(), *padding_chunks])
    assert status == 413, answer[:300]

    session, csrf = _signed_in(base, supervisor)
    form = session.post(f"{base}/moves/new", data={
        "csrf_token": csrf, "lot": lot, "from": shelf, "to": other, "quantity": "1",
        "note": padding}, allow_redirects=False, timeout=60)
    assert form.status_code == 413 and "larger than this server accepts" in form.text
    upload = session.post(f"{base}/data/import/items/check", data={"csrf_token": csrf},
                          files={"file": ("items.csv", b"sku,name\n" + padding.encode())},
                          allow_redirects=False, timeout=60)
    assert upload.status_code == 413 and "larger than this server accepts" in upload.text

    # The server goes on answering, and nothing but this move was stored.
    fine = requests.post(f"{base}/api/v1/moves", headers=api, timeout=60, json={
        "lot": lot, "from": shelf, "to": other, "quantity": "1"})
    assert fine.status_code == 201, fine.text[:300]
    assert count_rows(app, StockMove) == moves_before + 1
    with app.app_context():
        assert check_all() == []
