"""Failed sign-ins, counted in the database so every server process sees the same count.

The web app decides what a key is (a username and an address) and how many failures in
what window refuse a sign-in; this module only stores and counts them. Failures older than
the window are deleted whenever a new one is recorded, so the table stays small.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from engine.clock import as_utc
from engine.db.models import LoginFailure


def failures_since(session, key: str, since: datetime) -> tuple[int, datetime | None]:
    """How many failures this key has had since `since`, and the oldest of them."""
    count, oldest = session.execute(
        select(func.count(), func.min(LoginFailure.failed_at)).where(
            LoginFailure.key == key, LoginFailure.failed_at > since
        )
    ).one()
    return count, as_utc(oldest)


def record_failure(session, key: str, at: datetime, forget_before: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= forget_before))
    session.add(LoginFailure(key=key, failed_at=at))


def clear_failures(session, key: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.key == key))
