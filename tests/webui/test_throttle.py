"""webui.throttle: failures per username and address within a sliding window, counted in
the database so that every server process sees them."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.db.models import LoginFailure
from webui.throttle import LoginThrottle


def test_refuses_after_max_failures_until_the_oldest_leaves_the_window(service, clock):
    throttle = LoginThrottle(3, 60, service)
    for _ in range(3):
        assert throttle.retry_after("Ann", "1.2.3.4") == 0
        throttle.failed("Ann", "1.2.3.4")
        clock.advance(seconds=10)
    assert throttle.retry_after("ann", "1.2.3.4") == 30  # usernames ignore case
    assert throttle.retry_after("ann", "5.6.7.8") == 0  # another address is not refused
    clock.advance(seconds=30)
    assert throttle.retry_after("ann", "1.2.3.4") == 0


def test_every_server_process_counts_the_same_failures(service):
    """Two processes are two throttles on one database: together they allow N, not 2N."""
    first, second = LoginThrottle(2, 60, service), LoginThrottle(2, 60, service)
    first.failed("ann", "1.2.3.4")
    second.failed("ann", "1.2.3.4")
    assert first.retry_after("ann", "1.2.3.4") > 0
    assert second.retry_after("ann", "1.2.3.4") > 0


def test_success_clears_failures(service):
    throttle = LoginThrottle(2, 60, service)
    throttle.failed("ann", None)
    throttle.succeeded("ann", None)
    throttle.failed("ann", None)
    assert throttle.retry_after("ann", None) == 0


def test_failures_past_the_window_are_deleted(service, clock):
    """A flood of made-up usernames cannot grow the table beyond one window's worth."""
    throttle = LoginThrottle(2, 60, service)
    for number in range(20):
        throttle.failed(f"user{number}", "1.2.3.4")
    clock.advance(seconds=61)
    throttle.failed("ann", "1.2.3.4")
    with service._sessions() as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1
