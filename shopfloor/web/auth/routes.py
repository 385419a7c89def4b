"""Sign in and out. A new session at every login, and failed attempts limited per user and
address through the database so the limit holds across every gunicorn worker."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from shopfloor.access import allow, public
from shopfloor.services import auth as auth_service
from shopfloor.web.auth.forms import LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: `next` must not become an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//"):
            return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = auth_service.authenticate(
            form.username.data, form.password.data, request.remote_addr or "unknown",
            current_app.config,
        )
        if outcome.user is not None:
            chosen = session.get("locale")
            session.clear()  # a new session: nothing from before the login survives
            login_user(outcome.user)
            session.permanent = True
            if chosen in current_app.config["LANGUAGES"]:
                # The language picked on this page is the one the user reads: it holds
                # after signing in and becomes the account's.
                session["locale"] = chosen
                if outcome.user.locale != chosen:
                    auth_service.set_locale(outcome.user.id, chosen)
            return redirect(_safe_next(request.args.get("next")))
        if outcome.locked:
            form.password.errors.append(
                _("Too many failed attempts. Wait a few minutes and try again."))
            status = 429
        else:
            form.password.errors.append(_("Wrong username or password."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@allow("operator")
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
