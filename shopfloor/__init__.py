"""Shopfloor: inventory, production and traceability for small batch manufacturers."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """The whole app wired in one visible place: configuration, extensions, request hooks,
    the pages' blueprints and the API's, error answers, templates and CLI commands."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from shopfloor import config

    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)

    _init_extensions(app)
    _init_request_hooks(app)
    _register_blueprints(app)

    from shopfloor.http import errors

    errors.init_app(app)

    from shopfloor.web.templating import register_filters, template_globals

    register_filters(app)
    app.context_processor(template_globals)

    from shopfloor.http.hooks import security_headers

    app.after_request(security_headers)

    from shopfloor.cli import register

    register(app)

    from shopfloor import access

    missing = access.undeclared_endpoints(app)
    if missing:
        raise RuntimeError(f"endpoints without an access declaration: {', '.join(missing)}")
    return app


def _init_extensions(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from shopfloor.database import configure_engine
    from shopfloor.extensions import babel, compress, db, login_manager, migrate
    from shopfloor.http.hooks import (
        SecureWhenHttpsSessionInterface,
        let_static_text_be_compressed,
        select_locale,
    )
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
    # Registered after Compress, so it runs before it.
    app.after_request(lambda response: let_static_text_be_compressed(
        response, app.config["COMPRESS_MIMETYPES"]))
    with app.app_context():
        configure_engine(db.engine)
    from shopfloor.models.types import render_item

    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, render_item=render_item)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "shopfloor" / "translations"))

    from shopfloor import auth_loaders  # noqa: F401  (registers the user loaders)


def _init_request_hooks(app: Flask) -> None:
    from shopfloor import access
    from shopfloor.extensions import csrf
    from shopfloor.http.hooks import (
        refuse_streamed_bodies_over_the_limit,
        refuse_text_no_database_stores_on_pages,
    )

    # Access is checked before anything else looks at the request, CSRF included: an
    # anonymous POST is sent to the login page rather than told its token is missing.
    # Only a body sent in chunks is read before, to refuse it whole when over the limit.
    app.before_request(refuse_streamed_bodies_over_the_limit)
    app.before_request(access.enforce_access)
    csrf.init_app(app)
    app.before_request(refuse_text_no_database_stores_on_pages)


def _register_blueprints(app: Flask) -> None:
    from shopfloor.api import bp as api_bp
    from shopfloor.web.auth.routes import bp as auth_bp
    from shopfloor.web.catalog.routes import bp as catalog_bp
    from shopfloor.web.data.routes import bp as data_bp
    from shopfloor.web.main.routes import bp as main_bp
    from shopfloor.web.office.routes import bp as office_bp
    from shopfloor.web.phone.routes import bp as phone_bp
    from shopfloor.web.printers.routes import bp as printers_bp
    from shopfloor.web.production.routes import bp as production_bp
    from shopfloor.web.sales.routes import bp as sales_bp
    from shopfloor.web.stock.routes import bp as stock_bp
    from shopfloor.web.trace.routes import bp as trace_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(stock_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(trace_bp)
    app.register_blueprint(office_bp)
    app.register_blueprint(production_bp)
    app.register_blueprint(sales_bp)
    app.register_blueprint(data_bp)
    app.register_blueprint(phone_bp)
    app.register_blueprint(printers_bp)
    app.register_blueprint(api_bp)
