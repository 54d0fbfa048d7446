"""Login throttling: after N failed sign-ins for one username from one address within a
window, refuse further attempts until the oldest failure leaves the window.

Kept in memory, per process: enough for one waitress process with threads (what
`sroflow serve` runs by default), but several processes (`--workers N`) or a restart each
start from zero. A shared store (the database or a cache) is the fix for that.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

# Beyond this many tracked keys the oldest are dropped, so a flood of made-up usernames
# cannot grow memory without bound.
MAX_KEYS = 10_000


class LoginThrottle:
    """Counts failures per (username, address); `now` returns seconds (injected for tests)."""

    def __init__(self, max_failures: int, window_seconds: float, now: Callable[[], float]):
        self.max_failures = max_failures
        self.window = window_seconds
        self._now = now
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(username: str, address: str | None) -> tuple[str, str]:
        return (username.strip().casefold(), address or "-")

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until this user may try again from this address; 0 if they may now."""
        key = self.key(username, address)
        with self._lock:
            now = self._now()
            failures = self._recent(key, now)
            if len(failures) < self.max_failures:
                return 0
            return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, username: str, address: str | None) -> None:
        key = self.key(username, address)
        with self._lock:
            now = self._now()
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures
            while len(self._failures) > MAX_KEYS:
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, username: str, address: str | None) -> None:
        with self._lock:
            self._failures.pop(self.key(username, address), None)
