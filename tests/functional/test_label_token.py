"""The label at a receipt's `label_url` opens with the API token that got the URL, so a
print agent without a session can fetch it as PNG or ZPL; roles stay enforced."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.factories import make_item, make_location


def _receive(app, api_client):
    item, location = make_item(app), make_location(app)
    answer = api_client.post("/api/v1/receipts", json={
        "item": item, "quantity": "5", "location": location, "unit_cost": "1.00"})
    assert answer.status_code == 201, answer.get_json()
    url = urlsplit(answer.get_json()["label_url"])
    return url.path


def test_label_url_as_png_opens_with_the_bearer_token_that_got_it(app, api):
    operator = api("operator")
    path = _receive(app, operator)
    response = operator.get(path + "?format=png&size=4x6")
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")
    zpl = operator.get(path + "?format=zpl&copies=2")
    assert zpl.status_code == 200 and "^PQ2" in zpl.get_data(as_text=True)


def test_label_with_a_wrong_token_is_refused_as_unauthorized_not_sent_to_the_login_page(
        app, api, client):
    path = _receive(app, api("operator"))
    response = client.get(path + "?format=png", headers={"Authorization": "Bearer sf_wrong"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    # Without any credentials a browser is still sent to sign in.
    assert client.get(path + "?format=png").status_code == 302


def test_a_token_opens_no_page_but_the_label(app, api):
    admin = api("admin")
    path = _receive(app, admin)
    assert admin.get(path + "?format=png").status_code == 200
    for page in (path.removesuffix("/label").replace("/lots/", "/l/", 1), "/settings"):
        response = admin.get(page)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
