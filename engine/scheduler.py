"""The scheduler loop behind `sroflow scheduler`: fire due timers, announce due and overdue
tasks, deliver notifications; repeat. Several may run against PostgreSQL; on SQLite run one.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

log = logging.getLogger("sroflow.scheduler")


def run_once(service) -> dict:
    """Do everything that is due now, then return what was done."""
    report = service.fire_due_timers()
    announced = service.scan_due_tasks()
    delivered = service.deliver_notifications()
    summary = {
        "fired": report.fired,
        "failed": report.failed,
        "conflicts": report.conflicts,
        "announced": announced,
        "delivered": delivered,
    }
    if any(summary.values()):
        log.info("scheduler pass: %s", summary)
    return summary


def run_forever(service, *, interval: float = 5.0, stop: threading.Event | None = None) -> None:
    """Run passes every `interval` seconds until SIGTERM/SIGINT (or `stop` is set)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    while not stop.is_set():
        started = time.monotonic()
        try:
            run_once(service)
        except Exception:  # keep the scheduler alive; the next pass retries
            log.exception("scheduler pass failed")
        stop.wait(max(0.0, interval - (time.monotonic() - started)))
