"""CSRF on every form, and on cookie-authenticated API writes."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_login_without_csrf_token_is_refused(csrf_app, make_user):
    client = csrf_app.test_client()
    response = client.post("/login", data={"username": make_user(), "password": PASSWORD})
    assert response.status_code == 400


def test_login_with_csrf_token_works(csrf_app, make_user):
    client = csrf_app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": make_user(), "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_logout_form_needs_the_token(csrf_app, make_user):
    client = csrf_app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": make_user(), "password": PASSWORD,
                                "csrf_token": token})
    assert client.post("/logout").status_code == 400
    page = client.get("/").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": _token(page)}).status_code == 302


def test_every_form_on_a_page_carries_a_token(csrf_app, make_user):
    client = csrf_app.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": make_user("admin"), "password": PASSWORD,
                                "csrf_token": token})
    for path in ("/", "/scan", "/login"):
        page = client.get(path).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*>.*?</form>", page, flags=re.S):
            if 'method="post"' in form.lower():
                assert 'name="csrf_token"' in form, (path, form[:80])
