"""Helpers shared by the models."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: both databases store it the same way, and the UI converts for display."""
    return datetime.now(UTC).replace(tzinfo=None)
