"""Request hooks every answer goes through, pages and API alike: the session cookie, the
language, the security headers, and refusing bodies or text the app cannot take."""

from __future__ import annotations

from flask import g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from shopfloor import access
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self' 'wasm-unsafe-eval'; "
    # Inline style attributes are used by printable labels; inline scripts never are.
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "media-src 'self' blob:; "
    "connect-src 'self'; "
    "worker-src 'self'; "
    "manifest-src 'self'; "
    # Our own print page previews a label in a frame; nobody else may frame us.
    "frame-ancestors 'self'; "
    "base-uri 'self'; "
    "form-action 'self'"
)


class SecureWhenHttpsSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS, so the same
    install works over plain HTTP on a laptop and over HTTPS behind the workshop proxy."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def should_set_cookie(self, app, session):
        # Static files never change the session: refreshing the cookie on each of them
        # only adds a kilobyte of headers to every CSS, script and icon a phone loads.
        if request.endpoint == "static":
            return False
        return super().should_set_cookie(app, session)


def select_locale() -> str | None:
    languages = g.get("languages") or ("en", "ro")
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return request.accept_languages.best_match(languages) or "en"


def refuse_streamed_bodies_over_the_limit():
    """A body sent in chunks declares no length, so MAX_CONTENT_LENGTH cannot refuse it up
    front; Werkzeug then stops reading at the limit without a word, and a form cut short
    still parses (and could be acted on). Read it here, up to the limit (kept for the
    view), and refuse with 413 when more follows."""
    limit = request.max_content_length
    if (limit is None or request.content_length is not None
            or "wsgi.input_terminated" not in request.environ):
        return
    if len(request.get_data(cache=True)) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def refuse_text_no_database_stores():
    """A NUL character or a lone surrogate ("\\udb38" in JSON) cannot be stored or even
    looked up (PostgreSQL refuses NUL; neither database takes text that is not UTF-8), so
    such input is refused here, naming its field, rather than failing deep in a query.
    The pages' forms are checked by the same function (registered in `create_app`)."""
    fields = [("path", request.path), *request.args.items(multi=True),
              *((f"{name} (name)", name) for name in request.args),
              ("Idempotency-Key", request.headers.get("Idempotency-Key", ""))]
    if request.is_json:
        fields.extend(_strings(request.get_json(silent=True), None))
    elif request.form:
        fields.extend(request.form.items(multi=True))
    for name, value in fields:
        if "\x00" in value or not value.isascii() and not _is_utf8(value):
            raise ValidationError(t("{name} contains a character that cannot be stored", name=name),
                                  field=name)
    return None


def _strings(value, field):
    """(field, text) for every string in a JSON document, keys included."""
    if isinstance(value, str):
        yield field or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key, key
            yield from _strings(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, field)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def refuse_text_no_database_stores_on_pages():
    """A form or path with a NUL is refused (422) as on the API, whose blueprint
    checks its own requests after their CSRF check."""
    if not access.is_api_request():
        refuse_text_no_database_stores()


def let_static_text_be_compressed(response, mimetypes):
    """Static files are sent straight from disk, which Flask-Compress leaves alone; the
    small text ones (our CSS and scripts) are read so they can be compressed."""
    if (request.endpoint == "static" and response.direct_passthrough
            and response.status_code == 200 and response.mimetype in mimetypes):
        response.direct_passthrough = False
        response.set_data(response.get_data())
    return response


def security_headers(response):
    # A policy governs documents; on a stylesheet or an icon it is only weight.
    if request.endpoint != "static":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(self)")
    return response
