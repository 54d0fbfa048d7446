"""webui.cli: `sroflow serve` and `sroflow demo`, run through engine/cli.py's `main`."""

from __future__ import annotations

import pytest

import webui.cli
from engine.cli import build_parser, main
from tests.webui.conftest import CANDIDATE_REVIEW


@pytest.fixture
def database(monkeypatch, database_url):
    monkeypatch.setenv("SROFLOW_DATABASE_URL", database_url)
    assert main(["db", "upgrade"]) == 0
    return database_url


def test_serve_and_demo_are_registered():
    args = build_parser().parse_args(["serve", "--port", "8123"])
    assert (args.host, args.port, args.threads) == ("127.0.0.1", 8123, 8)
    assert not args.with_scheduler
    args = build_parser().parse_args(["demo", "--if-empty"])
    assert args.if_empty and callable(args.handler)


def test_serve_runs_waitress_with_the_app(monkeypatch, database, tmp_path):
    monkeypatch.setenv("SROFLOW_SECRET_KEY", "x")
    served = {}
    monkeypatch.setattr("waitress.serve", lambda app, **options: served.update(app=app, **options))
    assert main(["serve", "--host", "0.0.0.0", "--port", "8080", "--threads", "4"]) == 0
    assert served["host"] == "0.0.0.0" and served["port"] == 8080 and served["threads"] == 4
    assert served["app"].name == "webui"


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
