"""Sign-in rules and account commands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from shopfloor.database import command
from shopfloor.domain.errors import Conflict, ValidationError
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.models.base import utcnow
from shopfloor.models.users import ROLES, ApiToken, LoginAttempt, User


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    locked: bool = False


def _recent_failures(window: timedelta, **match) -> int:
    since = utcnow() - window
    query = sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.attempted_at >= since)
    for column, value in match.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    return db.session.scalar(query)


def _one_address_at_a_time(session, address: str) -> None:
    """Serialize sign-in checks from one address until this command ends. SQLite's write
    lock (BEGIN IMMEDIATE) already does; PostgreSQL takes a transaction-scoped advisory
    lock on the address."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(address))))


def authenticate(username: str, password: str, address: str, config) -> LoginOutcome:
    """Check the password unless this user and address, or this address alone, failed too
    often lately. A locked attempt does not even look at the password, so guessing during
    the lock learns nothing.

    The limit holds for a burst of guesses through many workers: counting and recording
    the attempt are one command, one address at a time, and the attempt is recorded as a
    failure before the password is checked (and forgiven if it was right), so no two
    guesses can both see the count below the limit."""
    username = (username or "").strip()
    window = config["LOGIN_WINDOW"]
    attempt = {"username": username[:80], "address": address[:64]}
    with command() as session:
        _one_address_at_a_time(session, attempt["address"])
        if (_recent_failures(window, **attempt)
                >= config["LOGIN_MAX_FAILURES_PER_USER_AND_ADDRESS"]
                or _recent_failures(window, address=attempt["address"])
                >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
            return LoginOutcome(None, locked=True)
        session.add(LoginAttempt(**attempt))
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is not None and user.active and user.check_password(password):
        with command() as session:
            session.execute(sa.delete(LoginAttempt).where(
                LoginAttempt.username == attempt["username"],
                LoginAttempt.address == attempt["address"]))
        return LoginOutcome(db.session.get(User, user.id))
    return LoginOutcome(None)


def create_user(username: str, password: str, role: str, locale: str | None = None,
                by: User | None = None) -> User:
    username = (username or "").strip()
    if not username:
        raise ValidationError(t("A username is required."), "username")
    if role not in ROLES:
        raise ValidationError(t("Role must be one of {roles}.", roles=", ".join(ROLES)), "role")
    if len(password or "") < 8:
        raise ValidationError(t("The password must have at least 8 characters."), "password")
    with command() as session:
        if session.scalar(sa.select(User.id).where(User.username == username)):
            raise Conflict(t("User {username} already exists.", username=username), "username")
        user = User(username=username, role=role, locale=locale)
        user.set_password(password)
        session.add(user)
        from shopfloor.services.audit import record_change

        record_change(by, "user", username, None, {"role": role, "locale": locale})
    return user


def create_token(username: str, name: str) -> str:
    """Issue an API token acting as `username`; returns the plain token (shown once)."""
    with command() as session:
        user = session.scalar(sa.select(User).where(User.username == username))
        if user is None:
            raise ValidationError(t("No user named {username}.", username=username), "username")
        token, plain = ApiToken.issue(user, name or "api")
        session.add(token)
    return plain


def set_locale(user_id: int, locale: str) -> None:
    with command() as session:
        session.get(User, user_id).locale = locale
