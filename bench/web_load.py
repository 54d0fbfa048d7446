"""The HTTP load driver, run in its own process: POST /api/v1/tasks/<id>/complete for each
task id given, from a few keep-alive connections, until the ids or the time run out.

Bounded twice (a fixed list of ids and a deadline) and only ever aimed at 127.0.0.1.
Prints one JSON object: elapsed seconds, latencies in seconds, and status counts."""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import threading
import time
from collections import Counter

ALLOWED_HOSTS = ("127.0.0.1", "localhost")


def drive(host, port, token, task_ids, seconds, connections, body) -> dict:
    if host not in ALLOWED_HOSTS:
        raise SystemExit(f"refusing to load {host}: the benchmark only targets this machine")
    lock = threading.Lock()
    pending = list(reversed(task_ids))
    latencies: list[float] = []
    statuses: Counter = Counter()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Connection": "keep-alive",
    }
    payload = json.dumps(body).encode()
    deadline = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while time.perf_counter() < deadline:
            with lock:
                if not pending:
                    break
                task_id = pending.pop()
            started = time.perf_counter()
            try:
                conn.request("POST", f"/api/v1/tasks/{task_id}/complete", payload, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                status = "error"
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "elapsed": time.perf_counter() - started,
        "latencies": latencies,
        "statuses": {str(k): v for k, v in statuses.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    job = json.load(sys.stdin)  # {"token": ..., "task_ids": [...], "body": {...}}
    result = drive(
        args.host,
        args.port,
        job["token"],
        job["task_ids"],
        args.seconds,
        args.connections,
        job["body"],
    )
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
