"""`timers_10k_s`, `timers_double_fired`, `timers_missed`: 10,000 due timers fired by two
`sroflow scheduler --once` processes against PostgreSQL.

One instance is started through the service; its rows (instance and timer) are then copied
in SQL to make the rest, which is what 10,000 starts would have written."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import text

from bench.harness import DIAGRAMS, ROOT, new_service, postgres_available, postgres_url, say
from engine import FixedClock

SCHEDULERS = 2
TIMEOUT_S = 600  # a run that takes longer is stopped and reported as such

CLONE_INSTANCES = """
INSERT INTO instances (process_version_id, process_id, state, school_id, subject, data,
    workflow_state, started_by, started_at, updated_at, business_key, row_version)
SELECT process_version_id, process_id, state, school_id, subject, data, workflow_state,
    started_by, started_at, updated_at, business_key, row_version
FROM instances, generate_series(1, :copies) WHERE id = :first
"""
CLONE_TIMERS = """
INSERT INTO timers (kind, instance_id, process_version_id, process_id, element_id, due_at,
    state, attempts)
SELECT t.kind, i.id, t.process_version_id, t.process_id, t.element_id, t.due_at, t.state, 0
FROM timers t JOIN instances i ON i.id <> t.instance_id WHERE t.instance_id = :first
"""
PER_INSTANCE = """
SELECT count(*) FILTER (WHERE fired = 0), coalesce(sum(fired - 1) FILTER (WHERE fired > 1), 0),
    count(*) FILTER (WHERE state = 'completed')
FROM (SELECT i.id, i.state, count(a.id) AS fired FROM instances i
      LEFT JOIN audit_events a ON a.instance_id = i.id AND a.type = 'timer_fired'
      GROUP BY i.id, i.state) AS per_instance
"""


def _prepare(url: str, count: int) -> str:
    """`count` instances each waiting on a one-hour timer; returns a 'now' after they are due."""
    clock = FixedClock()
    service = new_service(url, clock)
    service.deploy_files([str(DIAGRAMS / "bench_timer.bpmn")])
    first = service.start_instance("bench_timer", username="hana").id
    with service.db_engine.begin() as conn:
        conn.execute(text(CLONE_INSTANCES), {"copies": count - 1, "first": first})
        conn.execute(text(CLONE_TIMERS), {"first": first})
        conn.execute(text("ANALYZE"))
    with service.db_engine.connect() as conn:
        timers = conn.execute(text("SELECT count(*) FROM timers")).scalar_one()
    service.db_engine.dispose()
    assert timers == count, (timers, count)
    return (clock.now() + timedelta(hours=2)).isoformat()


def _schedulers(url: str, now: str) -> tuple[float, list[str]]:
    env = {**os.environ, "SROFLOW_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "engine.cli", "scheduler", "--once", "--json", "--now", now]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(SCHEDULERS)
    ]
    outputs = []
    for process in processes:
        try:
            left = max(1, TIMEOUT_S - (time.perf_counter() - started))
            out, err = process.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        outputs.append((out or err).decode().strip()[-300:])
    return time.perf_counter() - started, outputs


def timer_firing(scratch, size) -> tuple[dict, dict]:
    if not postgres_available():
        say("  PostgreSQL is not reachable: skipping the timer figures")
        return {"timers_10k_s": None, "timers_double_fired": None, "timers_missed": None}, {}
    with postgres_url("timers") as url:
        say(f"  preparing {size.timers} due timers")
        now = _prepare(url, size.timers)
        say(f"  {SCHEDULERS} schedulers firing")
        seconds, outputs = _schedulers(url, now)
        from sqlalchemy import create_engine

        from engine.db.session import normalize_url

        db = create_engine(normalize_url(url))
        with db.connect() as conn:
            missed, doubled, completed = conn.execute(text(PER_INSTANCE)).one()
        db.dispose()
    scale = 10_000 / size.timers
    return {
        "timers_10k_s": round(seconds * scale, 1),
        "timers_double_fired": int(doubled),
        "timers_missed": int(missed),
    }, {
        "timers_10k_s": {
            "timers": size.timers,
            "measured_seconds": round(seconds, 2),
            "extrapolated_to_10k": scale != 1,
            "per_second": round(size.timers / seconds, 1),
            "completed_instances": int(completed),
            "scheduler_outputs": outputs,
        }
    }
