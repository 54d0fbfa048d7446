"""`http_completions_per_s` and `http_p99_ms` (SQLite; `_postgres` for PostgreSQL): task
completions through the JSON API served by `sroflow serve --workers 2` (gunicorn, 2 worker
processes of 2 threads) on 127.0.0.1, driven by bench/web_load.py in a separate process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench.harness import (
    DIAGRAMS,
    ROOT,
    new_service,
    percentile,
    postgres_available,
    postgres_url,
    progress,
    say,
    sqlite_url,
    summary_ms,
)
from bench.step import REVIEW, START_DATA
from webui.gunicorn_config import WORKER_READY

WORKERS = 2
THREADS = 2
CONNECTIONS = 4
WARMUP = 20


def _pool_size(size) -> int:
    # Enough for the whole phase at ~450 completions a second; a run that runs out stops
    # early and reports the rate it reached.
    return {"full": 9000, "quick": 1000}.get(size.name, 40)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(url: str, count: int, label: str) -> tuple[str, list[str]]:
    """A database with `count` ready review tasks for hana; her API token and their ids."""
    service = new_service(url)
    service.deploy_files([str(DIAGRAMS / "bench_review.bpmn")])
    token = service.issue_api_token("hana")
    task_ids = []
    for _ in progress(f"http: {count} ready tasks ({label})", range(count)):
        record = service.start_instance("bench_review", username="hana", data=START_DATA)
        task_ids += [t.id for t in record.open_tasks if t.element_id == "review"]
    service.db_engine.dispose()
    return token, task_ids


def _serve(url: str, port: int, log) -> subprocess.Popen:
    """`sroflow serve` on 127.0.0.1; its output goes to `log` (an unread pipe would fill
    up and stall the server mid-run)."""
    env = {
        **os.environ,
        "SROFLOW_DATABASE_URL": url,
        "SROFLOW_SECRET_KEY": "benchmark-only",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "engine.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(WORKERS), "--threads", str(THREADS)]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1):
                if _workers_ready(log) >= WORKERS:
                    return server
        except OSError:
            if server.poll() is not None:
                log.seek(0)
                message = log.read().decode()[-2000:]
                raise RuntimeError(f"sroflow serve exited: {message}") from None
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("sroflow serve did not answer within 30 s")


def _workers_ready(log) -> int:
    """How many gunicorn workers said they are ready. The first to answer does not mean all
    are up, and connections opened before the second is would all go to the first."""
    if WORKERS == 1:
        return 1
    text = os.pread(log.fileno(), os.fstat(log.fileno()).st_size, 0)  # the offset stays put
    return text.decode(errors="replace").count(WORKER_READY)


def _drive(port: int, token: str, task_ids: list[str], seconds: float, connections: int):
    command = [sys.executable, "-m", "bench.web_load", "--port", str(port)]
    command += ["--seconds", str(seconds), "--connections", str(connections)]
    job = json.dumps({"token": token, "task_ids": task_ids, "body": REVIEW})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command,
        input=job,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=seconds + 120,
        check=True,
    )
    return json.loads(done.stdout)


def _measure(url: str, size, label: str) -> tuple[float, float, dict]:
    token, task_ids = _prepare(url, _pool_size(size) + WARMUP, label)
    port = _free_port()
    with tempfile.TemporaryFile() as log:
        server = _serve(url, port, log)
        try:
            warm = _drive(port, token, task_ids[:WARMUP], 30, 2)
            assert warm["statuses"] == {"200": WARMUP}, warm["statuses"]
            say(f"  http: load for up to {size.http_seconds:.0f} s ({label})")
            result = _drive(port, token, task_ids[WARMUP:], size.http_seconds, CONNECTIONS)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        log.seek(0)
        lines = log.read().decode(errors="replace").splitlines()
    ok = result["statuses"].get("200", 0)
    rate = ok / result["elapsed"]
    p99 = percentile(result["latencies"], 0.99) * 1000
    return (
        round(rate, 1),
        round(p99, 1),
        {
            "server": f"sroflow serve (gunicorn, {WORKERS} workers x {THREADS} threads)",
            "client": f"bench/web_load.py, {CONNECTIONS} keep-alive connections",
            "seconds": round(result["elapsed"], 2),
            "statuses": result["statuses"],
            "latency": summary_ms(result["latencies"]),
            "server_log_lines": len(lines),
            "server_log_tail": lines[-2:],
        },
    )


def http_load(scratch, size) -> tuple[dict, dict]:
    figures, details = {}, {}
    with sqlite_url(scratch, "http") as url:
        rate, p99, more = _measure(url, size, "SQLite")
        figures.update(http_completions_per_s=rate, http_p99_ms=p99)
        details["http_sqlite"] = more
    if postgres_available():
        with postgres_url("http") as url:
            rate, p99, more = _measure(url, size, "PostgreSQL")
            figures.update(http_completions_per_s_postgres=rate, http_p99_ms_postgres=p99)
            details["http_postgres"] = more
    else:
        say("  PostgreSQL is not reachable: skipping its HTTP figures")
        figures.update(http_completions_per_s_postgres=None, http_p99_ms_postgres=None)
    return figures, details
