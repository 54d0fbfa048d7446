"""What every benchmark phase shares: run sizes, timing statistics, a progress bar, a
scratch database, and writing the results (JSON and the table in docs/performance.md)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from engine import EngineService, FixedClock
from engine.db.session import make_db_engine, normalize_url

ROOT = Path(__file__).resolve().parent.parent
DIAGRAMS = Path(__file__).resolve().parent / "diagrams"
POSTGRES_URL = os.environ.get("SROFLOW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


@dataclass(frozen=True)
class Size:
    """How big one run is: `full` for the published figures, `quick` under a minute,
    `tiny` only proves the harness still works (the pytest smoke test)."""

    name: str
    repeats: int  # timed repeats of a step (each side of a ratio)
    history: int  # completed tasks in the long-history instance
    http_seconds: float  # length of each HTTP load phase
    open_tasks: int  # inbox: open task rows
    done_tasks: int  # inbox: completed task rows
    inbox_queries: int
    timers: int
    starts: int


SIZES = {
    "full": Size("full", 300, 1000, 20.0, 100_000, 1_000_000, 300, 10_000, 500),
    "quick": Size("quick", 40, 1000, 3.0, 100_000, 20_000, 20, 1_000, 100),
    "tiny": Size("tiny", 5, 20, 0.5, 200, 1_000, 5, 20, 5),
}


# -- statistics ----------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples lie (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(seconds: list[float]) -> dict:
    """Median, p95 and p99 in milliseconds of timings taken in seconds."""
    return {
        "n": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 3),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 3),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 3),
    }


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


# -- progress ------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self._shown = -1

    def advance(self, count: int = 1) -> None:
        self.done += count
        percent = min(100, self.done * 100 // self.total)
        if self.tty:
            if percent != self._shown:
                bar = "#" * (percent // 4)
                elapsed = time.monotonic() - self.started
                sys.stderr.write(f"\r  {self.label:<34} [{bar:<25}] {percent:3d}% {elapsed:5.1f}s")
                sys.stderr.flush()
        elif percent // 25 != self._shown // 25:
            sys.stderr.write(f"  {self.label}: {percent}%\n")
        self._shown = percent

    def close(self) -> None:
        if self.tty:
            elapsed = time.monotonic() - self.started
            sys.stderr.write(f"\r  {self.label:<34} [{'#' * 25}] 100% {elapsed:5.1f}s\n")


def progress(label: str, items, total: int | None = None):
    """Iterate `items` with a progress bar."""
    items = list(items) if total is None else items
    bar = Progress(label, total if total is not None else len(items))
    try:
        for item in items:
            yield item
            bar.advance()
    finally:
        bar.close()


def say(message: str) -> None:
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


# -- databases -----------------------------------------------------------------------------


@contextmanager
def sqlite_url(scratch: Path, name: str):
    """A fresh SQLite file URL in the scratch folder."""
    path = scratch / f"{name}-{uuid.uuid4().hex[:8]}.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def postgres_available() -> bool:
    try:
        db = create_engine(normalize_url(f"{POSTGRES_URL}/postgres"))
        with db.connect():
            pass
        db.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


@contextmanager
def postgres_url(name: str):
    """A throwaway PostgreSQL database, dropped afterwards."""
    admin = create_engine(normalize_url(f"{POSTGRES_URL}/postgres"), isolation_level="AUTOCOMMIT")
    database = f"sroflow_bench_{name}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield f"{POSTGRES_URL}/{database}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def new_service(url: str, clock: FixedClock | None = None) -> EngineService:
    """A migrated engine with two schools and one user per role the diagrams use."""
    service = EngineService(db_engine=make_db_engine(url), clock=clock or FixedClock())
    service.upgrade_database()
    service.add_school("lincoln_high", "Lincoln High School")
    service.add_school("roosevelt_middle", "Roosevelt Middle School")
    service.add_user("hana", roles=["hr"])
    service.add_user("sam", roles=["supervisor"])
    service.add_user("lina", roles=["school_admin"], schools=["lincoln_high"])
    service.add_user("ada", roles=["agency_head"])
    return service


# -- results -------------------------------------------------------------------------------


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
    }


def write_results(path: Path, size: Size, figures: dict, details: dict, command: str) -> dict:
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "size": size.name,
        "command": command,
        "machine": machine(),
        "figures": figures,
        "details": details,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n")
    return document
