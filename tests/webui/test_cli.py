"""webui.cli: `sroflow serve` and `sroflow demo`, run through engine/cli.py's `main`."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

import webui.cli
from engine import EngineService
from engine.cli import build_parser, main
from tests.webui.conftest import CANDIDATE_REVIEW
from webui.gunicorn_config import WORKER_READY

SERVE_SECONDS = 60  # bound on every wait for a real server


@pytest.fixture(autouse=True)
def unfreeze():
    """`serve` freezes the objects alive at start-up (gc.freeze); give them back after."""
    yield
    gc.unfreeze()


@pytest.fixture
def database(monkeypatch, database_url):
    monkeypatch.setenv("SROFLOW_DATABASE_URL", database_url)
    assert main(["db", "upgrade"]) == 0
    return database_url


def test_serve_and_demo_are_registered():
    args = build_parser().parse_args(["serve", "--port", "8123"])
    assert (args.host, args.port, args.threads, args.workers) == ("127.0.0.1", 8123, 8, 1)
    assert not args.with_scheduler
    args = build_parser().parse_args(["demo", "--if-empty"])
    assert args.if_empty and callable(args.handler)


def test_serve_runs_waitress_with_the_app(monkeypatch, database, tmp_path):
    monkeypatch.setenv("SROFLOW_SECRET_KEY", "x")
    served = {}
    monkeypatch.setattr(
        "waitress.serve",
        lambda app, **options: served.update(app=app, frozen=gc.get_freeze_count(), **options),
    )
    assert main(["serve", "--host", "0.0.0.0", "--port", "8080", "--threads", "4"]) == 0
    assert served["host"] == "0.0.0.0" and served["port"] == 8080 and served["threads"] == 4
    assert served["app"].name == "webui"
    assert served["frozen"] > 0  # start-up objects frozen before serving


def test_serve_refuses_zero_workers(capsys):
    assert main(["serve", "--workers", "0"]) == 2
    assert "--workers must be 1 or more" in capsys.readouterr().err


def test_serve_with_scheduler_runs_one_beside_the_app_and_stops_it(monkeypatch, database, capsys):
    monkeypatch.setenv("SROFLOW_SECRET_KEY", "x")
    started = []
    start = webui.cli._start_scheduler
    monkeypatch.setattr(
        webui.cli, "_start_scheduler", lambda i: started.append(start(i)) or started[0]
    )
    alive_while_serving = []
    monkeypatch.setattr(
        "waitress.serve", lambda app, **_: alive_while_serving.append(started[0].poll() is None)
    )
    assert main(["serve", "--with-scheduler", "--scheduler-interval", "0.5"]) == 0
    (child,) = started
    assert alive_while_serving == [True]
    assert child.returncode is not None  # stopped when serving ended
    out = capsys.readouterr().out
    assert f"timer scheduler running (process {child.pid})" in out
    assert "timer scheduler stopped" in out


def test_demo_loads_once_with_if_empty(database, capsys):
    assert main(["demo", "--if-empty", "--workflows", str(CANDIDATE_REVIEW), "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "Demo users" in out and "deployed candidate_review v1" in out
    assert main(["demo", "--if-empty"]) == 0
    assert "users exist already" in capsys.readouterr().out


def test_demo_with_a_missing_folder_is_a_usage_error(database, capsys, tmp_path):
    assert main(["demo", "--workflows", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, what: str):
    deadline = time.monotonic() + SERVE_SECONDS
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {SERVE_SECONDS} s")


def _parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _ask_me(port: int, token: str) -> tuple[int, dict]:
    """GET /api/v1/me on a new connection: any worker may accept it."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("stop", ["SIGTERM", "Ctrl+C"])
def test_serve_with_two_workers_answers_from_two_processes_and_stops_them_all(
    database, tmp_path, stop
):
    service = EngineService(database)
    service.add_user("hana", roles=["hr"])
    token = service.issue_api_token("hana")
    service.db_engine.dispose()
    port, access_log, output = _free_port(), tmp_path / "access.log", tmp_path / "serve.log"
    env = {
        **os.environ,
        "SROFLOW_DATABASE_URL": database,
        "SROFLOW_SECRET_KEY": "x",
        # gunicorn's own settings from the environment: an access log naming the worker pid
        "GUNICORN_CMD_ARGS": f"--access-logfile {access_log} --access-logformat %(p)s",
    }
    command = [sys.executable, "-m", "engine.cli", "serve", "--port", str(port)]
    command += ["--workers", "2", "--threads", "2", "--with-scheduler"]
    with output.open("w") as log:
        serve = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for(lambda: output.read_text().count(WORKER_READY) == 2, "two ready workers")
        answers, workers = [], set()

        def ask_until_both_answered():
            while len(workers) < 2 and len(answers) < 400:
                answers.append(_ask_me(port, token))
                workers.update(int(p.strip("<>")) for p in access_log.read_text().split())

        askers = [threading.Thread(target=ask_until_both_answered) for _ in range(4)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(SERVE_SECONDS)
        assert {status for status, _ in answers} == {200}
        assert {me["username"] for _, me in answers} == {"hana"}
        assert len(workers) == 2
        (master,) = {_parent_of(worker) for worker in workers}
        assert _parent_of(master) == serve.pid
        scheduler = int(re.search(r"scheduler running \(process (\d+)\)", output.read_text())[1])
    finally:
        if stop == "SIGTERM":
            serve.send_signal(signal.SIGTERM)
        else:  # a terminal's Ctrl+C reaches the whole foreground process group
            os.killpg(serve.pid, signal.SIGINT)
        code = serve.wait(timeout=SERVE_SECONDS)
    assert code == 0, output.read_text()
    assert not [pid for pid in (master, *workers, scheduler) if _alive(pid)]
    assert "timer scheduler stopped" in output.read_text()
