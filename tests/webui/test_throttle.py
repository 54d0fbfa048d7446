"""webui.throttle: failures per username and address within a sliding window."""

from __future__ import annotations

from webui.throttle import LoginThrottle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_refuses_after_max_failures_until_the_oldest_leaves_the_window():
    clock = Clock()
    throttle = LoginThrottle(3, 60, clock)
    for _ in range(3):
        assert throttle.retry_after("Ann", "1.2.3.4") == 0
        throttle.failed("Ann", "1.2.3.4")
        clock.now += 10
    assert throttle.retry_after("ann", "1.2.3.4") == 30  # usernames ignore case
    assert throttle.retry_after("ann", "5.6.7.8") == 0  # another address is not refused
    clock.now += 30
    assert throttle.retry_after("ann", "1.2.3.4") == 0


def test_success_clears_failures():
    throttle = LoginThrottle(2, 60, Clock())
    throttle.failed("ann", None)
    throttle.succeeded("ann", None)
    throttle.failed("ann", None)
    assert throttle.retry_after("ann", None) == 0


def test_memory_is_bounded(monkeypatch):
    monkeypatch.setattr("webui.throttle.MAX_KEYS", 10)
    throttle = LoginThrottle(2, 60, Clock())
    for number in range(50):
        throttle.failed(f"user{number}", "1.1.1.1")
    assert len(throttle._failures) == 10
