"""The JSON API under /api/v1 (DESIGN.md §6). Bearer tokens for machines and scripts; the
app's own pages may call it with their session cookie, and then must send the CSRF token
in the X-CSRFToken header like any form."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.before_request
def _csrf_for_cookie_sessions():
    if request.method in _SAFE_METHODS or request.headers.get("Authorization"):
        return None
    csrf.protect()
    return None


@bp.get("/me")
@allow("operator")
def me():
    return {"username": current_user.username, "role": current_user.role,
            "locale": current_user.locale}
