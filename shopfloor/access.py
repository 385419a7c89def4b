"""Deny by default: every endpoint declares who may use it.

A view is decorated with `@allow("operator")` (or supervisor/admin: roles are nested) or
`@public`. `enforce_access`, run before every request, refuses anything undeclared, so a
route added without a decision is closed rather than open. `create_app` also checks at start
that every endpoint has a declaration, so the mistake shows at once rather than as a 403.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shopfloor.models.users import ROLES

PUBLIC = "public"
_ATTR = "_shopfloor_access"
_TOKEN_ATTR = "_shopfloor_accepts_token"
# Flask's own static endpoint serves CSS, JS and icons: public by nature.
_BUILTIN_PUBLIC = {"static"}


def allow(minimum_role: str) -> Callable:
    if minimum_role not in ROLES:
        raise ValueError(f"unknown role {minimum_role!r}")

    def mark(view):
        setattr(view, _ATTR, minimum_role)
        return view

    return mark


def public(view):
    setattr(view, _ATTR, PUBLIC)
    return view


def accepts_token(view):
    """A page outside /api/v1 that a machine may fetch with the API token that gave it the
    URL (`Authorization: Bearer`), such as the label at a receipt's `label_url`: a print
    agent has no session. The role is checked as for any request."""
    setattr(view, _TOKEN_ATTR, True)
    return view


def token_accepted(endpoint: str | None) -> bool:
    if endpoint is None:
        return False
    if endpoint.startswith("api."):
        return True
    return bool(getattr(current_app.view_functions.get(endpoint), _TOKEN_ATTR, False))


def required_role(endpoint: str | None) -> str | None:
    """The declared access of an endpoint: PUBLIC, a role, or None when undeclared."""
    if endpoint is None:
        return None
    if endpoint in _BUILTIN_PUBLIC:
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, _ATTR, None)


def undeclared_endpoints(app) -> list[str]:
    return sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in _BUILTIN_PUBLIC and not hasattr(view, _ATTR)
    )


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def enforce_access():
    """before_request hook. Returns a response to refuse, or None to let the view run."""
    if request.endpoint is None:  # no route matched: let Flask answer 404/405
        return None
    needed = required_role(request.endpoint)
    if needed == PUBLIC:
        return None
    user = current_user
    if not user.is_authenticated:
        if is_api_request() or (request.headers.get("Authorization")
                                and token_accepted(request.endpoint)):
            return _json_error(401, "unauthorized", _("Sign in or send a valid API token."))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if needed is None or not user.can(needed):
        if is_api_request() or (request.headers.get("Authorization")
                                and token_accepted(request.endpoint)):
            return _json_error(403, "forbidden", _("Your role may not do this."))
        from flask import abort

        abort(403)
    return None


def _json_error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message, "field": None}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="shopfloor"'
    return response
