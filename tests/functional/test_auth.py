"""Signing in and out, sessions, tokens and the security headers."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_login_page_has_the_named_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page


def test_right_password_signs_in_and_lands_on_next(client, make_user, login):
    username = make_user("operator")
    response = client.post("/login?next=/scan", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/scan"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, make_user, login):
    username = make_user("operator")
    response = login(username, "not the password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_next_cannot_redirect_to_another_site(client, make_user):
    username = make_user("operator")
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(f"/login?next={target}",
                               data={"username": username, "password": PASSWORD})
        assert response.headers["Location"] == "/", target
        client.post("/logout")


def test_login_starts_a_new_session(client, make_user):
    username = make_user("operator")
    with client.session_transaction() as session:
        session["planted"] = "from before login"
    client.post("/login", data={"username": username, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


def test_logout_ends_the_session(client, make_user, login):
    login(make_user("operator"))
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_failed_logins_are_limited_per_user_and_address(client, make_user, login):
    username = make_user("operator")
    for _ in range(5):
        assert login(username, "wrong").status_code == 401
    # Now even the right password is refused until the window passes.
    response = login(username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # Another address is not locked out by these failures.
    other = client.post("/login", data={"username": username, "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 302


def test_failed_logins_are_limited_per_address_across_usernames(client, make_user, login):
    real = make_user("operator")
    for n in range(20):
        login(f"guess{n}", "wrong")
    assert login(real, PASSWORD).status_code == 429


def test_the_limit_is_shared_by_every_worker(app, make_user):
    """Two app instances on one database stand for two gunicorn workers."""
    from shopfloor import create_app

    username = make_user("operator")
    other_worker = create_app(dict(app.config))
    first, second = app.test_client(), other_worker.test_client()
    for n in range(5):
        (first if n % 2 else second).post("/login", data={"username": username, "password": "x"})
    assert first.post("/login", data={"username": username,
                                      "password": PASSWORD}).status_code == 429
    with other_worker.app_context():
        from shopfloor.extensions import db

        db.engine.dispose()


def test_session_cookie_is_httponly_and_lax(client, make_user):
    username = make_user("operator")
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here


def test_session_cookie_is_secure_over_https(client, make_user):
    username = make_user("operator")
    response = client.post("/login", data={"username": username, "password": PASSWORD},
                           base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_pages_carry_a_content_security_policy(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_api_token_reaches_what_a_missing_or_wrong_token_cannot(client, make_user, token_for):
    username = make_user("operator")
    token = token_for(username)
    ok = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.get_json()["username"] == username
    assert client.get("/api/v1/me").status_code == 401
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer sf_wrong"})
    assert wrong.status_code == 401
    assert wrong.get_json()["error"] == {
        "code": "unauthorized", "message": "Sign in or send a valid API token.", "field": None}


def test_a_wrong_token_is_refused_even_with_a_signed_in_cookie(client, make_user, login):
    login(make_user("operator"))
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_tokens_are_stored_hashed(app, make_user, token_for):
    import sqlalchemy as sa

    from shopfloor.extensions import db
    from shopfloor.models.users import ApiToken

    token = token_for(make_user("operator"))
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and ApiToken.digest(token) in stored


def test_unknown_api_route_answers_json(client, make_user, token_for):
    token = token_for(make_user("operator"))
    response = client.get("/api/v1/nothing-here", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_page_is_a_friendly_404(client, make_user, login):
    login(make_user("operator"))
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing here" in response.get_data(as_text=True)


def test_server_error_hides_the_trace(app, make_user):
    from shopfloor.access import allow

    @app.route("/boom")
    @allow("operator")
    def boom():
        raise RuntimeError("secret detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    client.post("/login", data={"username": make_user("operator"), "password": PASSWORD})
    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body and "Traceback" not in body
