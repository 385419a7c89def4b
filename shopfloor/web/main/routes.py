"""The shell of the app: home, health, the installable-app files, language, scan and the
outbox (what a phone recorded offline and still has to send)."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

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
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from shopfloor.access import allow, public
from shopfloor.extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
@allow("operator")
def home():
    from shopfloor.services import sales, stock, stock_queries
    from shopfloor.web.main import queries

    today = stock.today()
    desk = queries.supervisor_desk(today) if current_user.can("supervisor") else None
    return render_template("main/home.html", alerts=stock_queries.alerts(today), desk=desk,
                           late_sales=sales.late_orders(today), today=today)


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
    """Served from the root so its scope covers the whole app, and versioned by the static
    files themselves: phones serve those cache-first, so a deploy that changes any of them
    must change the worker too, or phones would keep the old ones."""
    folder = Path(current_app.static_folder)
    version = static_version(folder, _newest_change(folder))
    source, found = _VERSION_LINE.subn(f'const VERSION = "{version}";',
                                       (folder / "js" / "sw.js").read_text(encoding="utf-8"))
    if found != 1:
        raise RuntimeError("static/js/sw.js must declare `const VERSION = \"...\";` once")
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


_VERSION_LINE = re.compile(r'^const VERSION = "[^"]*";$', re.M)


def _newest_change(folder: Path) -> float:
    return max(path.stat().st_mtime for path in folder.rglob("*") if path.is_file())


@lru_cache(maxsize=4)
def static_version(folder: Path, _changed: object = None) -> str:
    """A digest of every file under `folder` (names and contents). Worked out once per
    process and again only when a file is newer (`_changed`), so it costs nothing per request."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@bp.route("/offline")
@public
def offline():
    return render_template("main/offline.html")


@bp.route("/scan")
@allow("operator")
def scan():
    """Opens the camera at once (static/js/scanner.js). A code typed here, or sent by a
    wedge scanner into the field, goes straight to what it names, without JavaScript."""
    code = request.args.get("code", "").strip()
    if not code:
        return render_template("main/scan.html", code="", error=None)
    from shopfloor.domain.errors import DomainError
    from shopfloor.domain.messages import translate
    from shopfloor.http.links import scan_url
    from shopfloor.services import scan as scanning

    try:
        return redirect(scan_url(scanning.resolve(code)))
    except DomainError as error:
        return render_template("main/scan.html", code=code,
                               error=translate(error.message, _)), error.status


@bp.route("/outbox")
@allow("operator")
def outbox():
    """The list itself lives on the phone (IndexedDB); static/js/outbox-page.js shows it."""
    return render_template("main/outbox.html", text=outbox_text())


def outbox_text() -> dict:
    """The outbox page's words for static/js/outbox-page.js, translated."""
    return {
        "kinds": {"move": _("Move"), "receipt": _("Receipt"), "count": _("Count"),
                  "pick": _("Pick"), "shipment": _("Shipment")},
        "recorded": _("Recorded %(when)s"),
        "by": _("Recorded by %(user)s: sent when they sign in on this phone"),
        "tries": _("Tried %(count)s times"),
        "already": _("The server already had it: recorded once."),
        "applied_at": _("Applied %(when)s"),
        "reason": _("Refused: %(reason)s"),
        "fix": _("Fix"),
        "retry": _("Try again"),
        "discard": _("Discard"),
        "open": _("Open"),
        "print": _("Print label"),
        "confirm_discard": _("Discard this entry? It will not be sent."),
        "summary": _("Waiting: %(waiting)s · Refused: %(refused)s · Applied: %(applied)s"),
        "offline": _("You are offline. What waits is sent when the network returns."),
        "signed_out": _("Sign in again to send what is waiting."),
        "no_storage": _("This browser cannot keep an outbox (is it in private mode?)."),
    }


@bp.route("/outbox/session")
@allow("operator")
def outbox_session():
    """Who is signed in, and a CSRF token for the outbox to resend with: entries wait for
    the person who recorded them, and a page kept on the phone may hold an old token."""
    response = jsonify(user=current_user.username, csrf_token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _phone_app():
    return {"phone_app_config": phone_app_config}


def phone_app_config() -> dict:
    """What static/js/app.js and scanner.js need from the server, as JSON in the page: the
    URLs (none hard-coded in scripts), the API each offline form kind is sent to, the pages
    to keep for offline use, the signed-in person, and every visible text, translated."""
    signed_in = current_user.is_authenticated
    static = lambda filename: url_for("static", filename=filename)  # noqa: E731
    return {
        "user": current_user.username if signed_in else None,
        "urls": {
            "service_worker": url_for("main.service_worker"),
            "login": url_for("auth.login"),
            "logout": url_for("auth.logout"),
            "outbox": url_for("main.outbox"),
            "scan_api": url_for("api.resolve_scan"),
            "gs1_api": url_for("api.parse_gs1_code"),
            "lot_api": url_for("api.get_lot", code="__CODE__"),
            "lot_page": url_for("stock.lot_page", code="__CODE__"),
            "lot_label": url_for("stock.lot_label", code="__CODE__"),
            "scanner_js": static("js/scanner.js"),
            "forms_js": static("js/forms.js"),
            "outbox_js": static("js/outbox.js"),
            "decoder_js": static("vendor/barcode-detector/barcode-detector.js"),
            "decoder_wasm": static("vendor/barcode-detector/zxing_reader.wasm"),
        },
        # data-offline="<kind>" on a form -> the API endpoint its fields are sent to (a form
        # may name its own with data-offline-api, as a pick names its order). Fields that
        # repeat make one request each, unless the kind sends them as "lines" of one request.
        "offline": {
            "move": {"url": url_for("api.create_move")},
            "receipt": {"url": url_for("api.create_receipt")},
            "count": {"url": url_for("api.create_count")},
            "pick": {},
            "shipment": {"url": url_for("api.create_shipment"),
                         "lines": ["lot", "quantity", "location", "unit"]},
        },
        "warm": [url_for(endpoint) for endpoint in WARM_PAGES] if signed_in else [],
        "i18n": {
            "scanner_title": _("Scan"),
            "scanner_close": _("Close"),
            "scanner_torch": _("Light"),
            "scanner_starting": _("Starting the camera…"),
            "scanner_loading": _("Loading the barcode reader…"),
            "scanner_ready": _("Point the camera at a code."),
            "scanner_found": _("Read %(code)s"),
            "scanner_insecure": _("The camera only works when Shopfloor is opened over a "
                                  "secure (https://) address. Type the code below, and ask "
                                  "whoever runs Shopfloor to serve it over HTTPS."),
            "scanner_denied": _("The camera was refused. Allow it for this site in the "
                                "browser’s settings, or type the code."),
            "scanner_no_camera": _("No camera was found. Type the code instead."),
            "scanner_busy": _("The camera is in use by another app. Close that app and try "
                              "again."),
            "scanner_failed": _("The camera could not start. Type the code instead."),
            "scanner_no_decoder": _("The barcode reader could not be loaded. Connect to the "
                                    "network once, then try again."),
            "scan_failed": _("That code could not be looked up. Try again."),
            "scan_offline": _("You are offline, so %(code)s cannot be looked up now. Type "
                              "it, or scan again when the network is back."),
            "scan_not_here": _("%(code)s cannot be used on this screen."),
            "scan_gs1_filled": _("Filled in from the supplier’s barcode. Check it, then "
                                 "complete the rest."),
            "outbox_queued": _("Saved on this phone. It will be sent when the network "
                               "returns."),
            "outbox_offline": _("Offline"),
            "outbox_waiting": _("Waiting to send: %(count)s"),
            "outbox_refused": _("Refused: %(count)s"),
            "outbox_sent": _("Sent from the outbox: %(applied)s applied, %(refused)s "
                             "refused."),
        },
    }


# The screens an operator needs when the Wi-Fi drops, kept on the phone ahead of time.
WARM_PAGES = ("main.home", "main.scan", "main.outbox", "main.menu", "stock.new_move",
              "stock.new_count", "stock.receive")


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
