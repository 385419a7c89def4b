"""How a request says who it is: the session cookie on pages, a bearer token on the API."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request

from shopfloor.access import token_accepted
from shopfloor.extensions import db, login_manager
from shopfloor.models.users import ApiToken, User

login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page says what it needs to
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user_from_session(user_id: str) -> User | None:
    # An explicit Authorization header wins over a cookie: a wrong token must be refused
    # even from a browser that also happens to be signed in.
    if request.headers.get("Authorization"):
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


@login_manager.request_loader
def load_user_from_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    if not (req.path.startswith("/api/") or token_accepted(req.endpoint)) \
            or not header.startswith("Bearer "):
        return None
    digest = ApiToken.digest(header.removeprefix("Bearer ").strip())
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    return token.user
