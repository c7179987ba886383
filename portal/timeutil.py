"""Time helpers: the database stores naive UTC datetimes."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time as a naive UTC datetime (what the database columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)
