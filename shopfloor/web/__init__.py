"""Wiring: extensions, request hooks, blueprints, error pages and CLI commands."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from shopfloor import access
from shopfloor.extensions import babel, compress, csrf, db, login_manager, migrate

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


def init_app(app: Flask) -> None:
    from shopfloor.database import configure_engine
    from shopfloor.json import ShopfloorJSONProvider

    app.json = ShopfloorJSONProvider(app)
    app.session_interface = SecureWhenHttpsSessionInterface()
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    import shopfloor.models  # noqa: F401  (every table on the metadata)

    db.init_app(app)
    # A phone on the workshop Wi-Fi pays for every byte; CSS, scripts and pages shrink to
    # about a third. Streamed downloads (CSV exports) are left as they are.
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/javascript", "application/javascript",
        "application/json", "application/manifest+json", "image/svg+xml", "text/csv"])
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_MIN_SIZE", 512)
    compress.init_app(app)

    @app.after_request
    def _let_static_text_be_compressed(response):
        # Static files are sent straight from disk, which Flask-Compress leaves alone; the
        # small text ones (our CSS and scripts) are read so they can be compressed.
        # Registered after Compress, so it runs before it.
        if (request.endpoint == "static" and response.direct_passthrough
                and response.status_code == 200
                and response.mimetype in app.config["COMPRESS_MIMETYPES"]):
            response.direct_passthrough = False
            response.set_data(response.get_data())
        return response
    with app.app_context():
        configure_engine(db.engine)
    from shopfloor.models.types import render_item

    migrate.init_app(app, db, directory=str(_root() / "migrations"), render_as_batch=True,
                     compare_type=True, render_item=render_item)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(_root() / "shopfloor" / "translations"))

    from shopfloor import auth_loaders  # noqa: F401  (registers the user loaders)

    # Access is checked before anything else looks at the request, CSRF included: an
    # anonymous POST is sent to the login page rather than told its token is missing.
    # Only a body sent in chunks is read before, to refuse it whole when over the limit.
    app.before_request(_refuse_streamed_bodies_over_the_limit)
    app.before_request(access.enforce_access)
    csrf.init_app(app)

    from shopfloor.api import refuse_text_no_database_stores

    @app.before_request
    def _refuse_text_no_database_stores_on_pages():
        """A form or path with a NUL is refused (422) as on the API, whose blueprint
        checks its own requests after their CSRF check."""
        if not access.is_api_request():
            refuse_text_no_database_stores()

    from shopfloor.api import bp as api_bp
    from shopfloor.web.auth.routes import bp as auth_bp
    from shopfloor.web.catalog.routes import bp as catalog_bp
    from shopfloor.web.data.routes import bp as data_bp
    from shopfloor.web.main.routes import bp as main_bp
    from shopfloor.web.office.routes import bp as office_bp
    from shopfloor.web.phone.routes import bp as phone_bp
    from shopfloor.web.printers.routes import bp as printers_bp
    from shopfloor.web.production.routes import bp as production_bp
    from shopfloor.web.stock.routes import bp as stock_bp
    from shopfloor.web.trace.routes import bp as trace_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(stock_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(trace_bp)
    app.register_blueprint(office_bp)
    app.register_blueprint(production_bp)
    app.register_blueprint(data_bp)
    app.register_blueprint(phone_bp)
    app.register_blueprint(printers_bp)
    app.register_blueprint(api_bp)

    from shopfloor.web import errors

    errors.init_app(app)

    from shopfloor.web.templating import register_filters

    register_filters(app)

    @app.context_processor
    def _template_globals():
        from shopfloor.web.templating import template_globals

        return template_globals()

    @app.after_request
    def _security_headers(response):
        # A policy governs documents; on a stylesheet or an icon it is only weight.
        if request.endpoint != "static":
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self)")
        return response

    from shopfloor.cli import register

    register(app)

    missing = access.undeclared_endpoints(app)
    if missing:
        raise RuntimeError(f"endpoints without an access declaration: {', '.join(missing)}")


def _refuse_streamed_bodies_over_the_limit():
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


def _root():
    from shopfloor import ROOT

    return ROOT
