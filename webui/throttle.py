"""Login throttling: after N failed sign-ins for one username from one address within a
window, refuse further attempts until the oldest failure leaves the window.

The failures are counted in the database (`EngineService.record_login_failure`), so every
server process (`--workers N`) and every host on a shared PostgreSQL sees the same count,
and a restart forgets nothing.
"""

from __future__ import annotations

import math
from datetime import timedelta


class LoginThrottle:
    """Failures per (username, address) within `window_seconds`, in the engine's store."""

    def __init__(self, max_failures: int, window_seconds: float, service):
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_seconds)
        self._service = service

    @staticmethod
    def key(username: str, address: str | None) -> str:
        return f"{username.strip().casefold()[:200]} {address or '-'}"

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until this user may try again from this address; 0 if they may now."""
        now = self._service.clock.now()
        count, oldest = self._service.login_failures(
            self.key(username, address), since=now - self.window
        )
        if count < self.max_failures:
            return 0
        return max(1, math.ceil((oldest + self.window - now).total_seconds()))

    def failed(self, username: str, address: str | None) -> None:
        now = self._service.clock.now()
        self._service.record_login_failure(
            self.key(username, address), forget_before=now - self.window
        )

    def succeeded(self, username: str, address: str | None) -> None:
        self._service.clear_login_failures(self.key(username, address))
