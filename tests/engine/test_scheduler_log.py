"""What `sroflow scheduler` writes to its log: its passes, not the library's task states."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

DATA = Path(__file__).parents[1] / "data" / "engine" / "timers"


def test_the_scheduler_log_shows_its_passes_without_every_task_state(people, clock, tmp_path):
    url = people.db_engine.url.render_as_string(hide_password=False)
    people.deploy_files([str(DATA / "short_wait.bpmn")])
    instance = people.start_instance(
        "short_wait", username="hana", data={"wait": "PT1H", "divisor": 1}
    )
    later = (clock.now() + timedelta(hours=2)).isoformat()
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "scheduler", "--interval", "0.2", "--now", later],
        env={**os.environ, "SROFLOW_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while people.get_instance(instance.id).state == "running":
            assert time.monotonic() < deadline, "the timer did not fire"
            time.sleep(0.1)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        _, log = scheduler.communicate(timeout=30)
    assert "scheduler pass: {'fired': 1" in log
    assert "State changed" not in log
