"""Real scheduler processes against PostgreSQL: four share 1,000 due timers and each timer
fires exactly once; a scheduler killed mid-batch loses none."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import POSTGRES_URL

DATA = Path(__file__).parents[1] / "data" / "engine" / "timers"
TIMERS = 1000

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs SROFLOW_TEST_POSTGRES_URL")


@pytest.fixture
def postgres_url(request, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite runs one scheduler")
    return database_url


@pytest.fixture
def due_timers(postgres_url, service, people, clock):
    """1,000 instances, each waiting one hour on a timer; the clock is then 2 hours on."""
    service.deploy_files([str(DATA / "short_wait.bpmn")])
    for _ in range(TIMERS):
        service.start_instance("short_wait", username="hana", data={"wait": "PT1H", "divisor": 1})
    assert len(service.list_timers()) == TIMERS
    return (clock.now() + timedelta(hours=2)).isoformat()


def scheduler(url: str, now: str) -> subprocess.Popen:
    env = {**os.environ, "SROFLOW_DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "scheduler", "--once", "--now", now],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def counts(url: str) -> tuple[int, int, int]:
    """(timer_fired audit rows, distinct instances fired, completed instances)."""
    db = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with db.connect() as conn:
        fired, distinct = conn.execute(
            text(
                "SELECT count(*), count(DISTINCT instance_id) FROM audit_events"
                " WHERE type = 'timer_fired'"
            )
        ).one()
        completed = conn.execute(
            text("SELECT count(*) FROM instances WHERE state = 'completed'")
        ).scalar_one()
    db.dispose()
    return fired, distinct, completed


def test_four_schedulers_fire_each_timer_exactly_once(postgres_url, due_timers, service):
    processes = [scheduler(postgres_url, due_timers) for _ in range(4)]
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    assert counts(postgres_url) == (TIMERS, TIMERS, TIMERS)
    assert service.list_timers() == []


def test_a_killed_scheduler_loses_no_timer(postgres_url, due_timers, service):
    victim = scheduler(postgres_url, due_timers)
    deadline = time.monotonic() + 120
    while counts(postgres_url)[0] < 50 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    fired_before = counts(postgres_url)[0]
    assert 0 < fired_before < TIMERS, "the kill should land mid-batch"

    survivor = scheduler(postgres_url, due_timers)
    _, err = survivor.communicate(timeout=600)
    assert survivor.returncode == 0, err
    assert counts(postgres_url) == (TIMERS, TIMERS, TIMERS)
