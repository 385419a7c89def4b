"""Typed SQLAlchemy models, one module per aggregate. Importing this package registers
every table on the metadata (Alembic and create_all rely on that)."""

from shopfloor.models.users import ApiToken, LoginAttempt, User  # noqa: F401
