"""People, their roles, their API tokens, and failed login attempts."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopfloor.extensions import db
from shopfloor.models.base import utcnow

ROLES = ("operator", "supervisor", "admin")
_RANK = {role: rank for rank, role in enumerate(ROLES)}
_hasher = PasswordHasher()


def role_at_least(role: str, minimum: str) -> bool:
    """Roles are nested: a supervisor may do all an operator may, an admin all of both."""
    return _RANK[role] >= _RANK[minimum]


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    __table_args__ = (
        sa.CheckConstraint("role IN ('operator', 'supervisor', 'admin')", name="role_known"),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def can(self, minimum_role: str) -> bool:
        return self.active and role_at_least(self.role, minimum_role)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only a SHA-256 of the token is stored: the token is
    random and long, so a slow hash adds nothing, and a leaked table reveals no token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(sa.String(80))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """Make a token for `user`; the plain token is returned once and never stored."""
        plain = "sf_" + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=cls.digest(plain)), plain


class LoginAttempt(db.Model):
    """Failed logins, kept in the database so the limit holds across gunicorn workers and
    restarts rather than per process."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
