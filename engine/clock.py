"""The engine's notion of now, injected so tests and demos move time instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    """Wall-clock time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests and what-if runs."""

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 9, 1, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when if when.tzinfo else when.replace(tzinfo=UTC)

    def advance(self, **delta) -> datetime:
        self._now += timedelta(**delta)
        return self._now


def as_utc(value: datetime | None) -> datetime | None:
    """Read datetimes back as aware UTC (SQLite returns naive ones)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
