"""The shell of the app: home, health, the installable-app files, language and scan."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from shopfloor.access import allow, public
from shopfloor.extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
@allow("operator")
def home():
    from shopfloor.services import stock, stock_queries

    return render_template("main/home.html", alerts=stock_queries.alerts(stock.today()))


@bp.route("/healthz")
@public
def healthz():
    """Liveness and database reachability, for load balancers and the benchmark floor."""
    db.session.execute(db.text("SELECT 1"))
    db.session.rollback()
    return jsonify(status="ok")


@bp.route("/manifest.webmanifest")
@public
def manifest():
    response = current_app.send_static_file("manifest.webmanifest")
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/sw.js")
@public
def service_worker():
    """Served from the root so its scope covers the whole app."""
    response = current_app.send_static_file("js/sw.js")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
@public
def offline():
    return render_template("main/offline.html")


@bp.route("/scan")
@allow("operator")
def scan():
    return render_template("main/scan.html")


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Remember a chosen language: on the account when signed in, else in the session."""
    language = request.form.get("language")
    if language in current_app.config["LANGUAGES"]:
        session["locale"] = language
        if current_user.is_authenticated:
            from shopfloor.services.auth import set_locale

            set_locale(current_user.id, language)
    return redirect(request.referrer or url_for("main.home"))


@bp.route("/menu")
@allow("operator")
def menu():
    return render_template("main/menu.html")
