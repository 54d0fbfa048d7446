"""The web app's `sroflow` commands: `serve` (waitress, or gunicorn with --workers, optionally
with the timer scheduler beside it) and `demo` (demo data).

engine/cli.py calls `register(subparsers)` when this module exists; each parser sets a
`handler` default taking the parsed arguments and returning an exit code, as the engine's
own commands do. Engine errors propagate to engine/cli.py, which prints them and exits 1.
"""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from engine import EngineService, FixedClock

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
SCHEDULER_STOP_SECONDS = 10
SERVER_STOP_SECONDS = 15  # gunicorn's graceful_timeout (10 s) and some
SCHEDULER_OWN_STOP_SECONDS = 3  # after Ctrl+C, which the scheduler receives as well
_stopping = threading.Event()  # set when serve stops the scheduler on purpose
_stopped_by: list[int] = []  # the signal that stopped serve


def serve(args) -> int:
    """Run the app. With --workers 1 (the default) in this process with waitress, a
    production WSGI server with a thread pool; with more, under gunicorn: one process per
    worker, each with --threads threads (decision 0007). With --with-scheduler, run one
    `sroflow scheduler` process beside it and stop it on exit."""
    if args.workers < 1:
        print("sroflow: --workers must be 1 or more", file=sys.stderr)
        return 2
    if args.workers == 1:
        run, how = _waitress(args), "waitress"
    else:
        run, how = (lambda: _run_gunicorn(args)), f"gunicorn, {args.workers} workers"
    scheduler = _start_scheduler(args.scheduler_interval) if args.with_scheduler else None
    # Ctrl+C and SIGTERM (kill, a service manager) stop the server, then we clean up. Set
    # explicitly: a shell starting us in the background would have SIGINT ignored.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        url = f"http://{args.host}:{args.port}/"
        print(f"sroflow: serving on {url} ({how} x {args.threads} threads; Ctrl+C stops)")
        sys.stdout.flush()
        return run()
    except KeyboardInterrupt:
        if not _stopped_by:  # not one of our signals
            raise
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if scheduler is not None:
            _stop_scheduler(scheduler)


def _waitress(args) -> Callable[[], int]:
    """The app built, warmed up and frozen here, and a function that serves it until
    stopped (waitress returns on Ctrl+C or SIGTERM)."""
    import waitress

    from webui import create_app
    from webui.startup import get_ready

    app = create_app()
    get_ready(app)

    def run() -> int:
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="sroflow")
        return 0

    return run


def _run_gunicorn(args) -> int:
    """gunicorn's master as a child process, until it exits or we are stopped.

    A child rather than gunicorn's master in this process: the master reaps every child
    of its process (waitpid(-1)), the scheduler included. Its workers build the app after
    the fork (webui/gunicorn_config.py)."""
    if importlib.util.find_spec("gunicorn") is None:
        print("sroflow: --workers needs gunicorn (pip install gunicorn)", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    command = [sys.executable, "-m", "gunicorn", "--config", "python:webui.gunicorn_config"]
    command += ["--bind", f"{host}:{args.port}", "--workers", str(args.workers)]
    command += ["--threads", str(args.threads), "webui:create_app()"]
    linux = sys.platform.startswith("linux")
    server = subprocess.Popen(command, preexec_fn=_die_with_parent if linux else None)
    try:
        code = server.wait()
        print(f"sroflow: the web server exited (code {code})", file=sys.stderr, flush=True)
        return code
    finally:
        _stop_server(server)


def _stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to gunicorn's master: its workers finish their requests, then all exit."""
    _terminate(server, SERVER_STOP_SECONDS)


def _terminate(child: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL if the child has not exited within `timeout` seconds."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _interrupt(signum, frame):
    _stopping.set()
    _stopped_by.append(signum)
    raise KeyboardInterrupt


def _start_scheduler(interval: float) -> subprocess.Popen:
    """`sroflow scheduler` as a child process on the same database (same environment and
    working directory). On Linux it also gets SIGTERM if this process dies unannounced."""
    command = [sys.executable, "-m", "engine.cli", "scheduler", "--interval", str(interval)]
    linux = sys.platform.startswith("linux")
    child = subprocess.Popen(command, preexec_fn=_die_with_parent if linux else None)
    print(f"sroflow: timer scheduler running (process {child.pid})", flush=True)
    threading.Thread(target=_watch_scheduler, args=(child,), daemon=True).start()
    return child


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to send SIGTERM when the parent dies."""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _watch_scheduler(child: subprocess.Popen) -> None:
    """Say so when the scheduler ends while the app still runs: timers stop firing."""
    code = child.wait()
    if not _stopping.is_set():
        print(
            f"sroflow: the timer scheduler exited (code {code}); timers and notifications "
            "wait until `sroflow scheduler` runs again",
            file=sys.stderr,
            flush=True,
        )


def _stop_scheduler(child: subprocess.Popen) -> None:
    """Ask the scheduler to finish its pass (SIGTERM); kill it if it does not."""
    _stopping.set()
    if _stopped_by[:1] == [signal.SIGINT]:  # Ctrl+C in a terminal reached it as well
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=SCHEDULER_OWN_STOP_SECONDS)
    _terminate(child, SCHEDULER_STOP_SECONDS)
    print(f"sroflow: timer scheduler stopped (exit code {child.returncode})", flush=True)


def demo(args) -> int:
    """Load demo data; with --if-empty, do nothing when the database has users already.

    The story behind the data is played on a clock that starts 20 months back and stops at
    now, so the instances wait where a real program's would today."""
    from webui.demo import load_demo, print_result

    service = EngineService(clock=FixedClock(datetime.now(UTC).replace(microsecond=0)))
    try:
        if args.if_empty and service.list_users():
            print("sroflow: users exist already; no demo data loaded")
            return 0
        source = Path(args.workflows) if args.workflows else WORKFLOWS
        if not source.exists():
            print(f"sroflow: {source} does not exist", file=sys.stderr)
            return 2
        print(f"sroflow: loading demo data; processes from {source}", flush=True)
        print_result(load_demo(service, source, seed=args.seed))
        return 0
    finally:
        service.db_engine.dispose()


def register(subparsers) -> None:
    """Add `serve` and `demo` to the `sroflow` command."""
    parser = subparsers.add_parser("serve", help="run the web app", description=serve.__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="port to listen on")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker process")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1: waitress in this process; 2 or more: gunicorn, "
        "Unix only, one process per core when one is not enough; login throttling then "
        "counts per process)",
    )
    parser.add_argument(
        "--with-scheduler",
        action="store_true",
        help="also run `sroflow scheduler` (timers, notifications) until the app stops",
    )
    parser.add_argument(
        "--scheduler-interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds between scheduler passes (default 5)",
    )
    parser.set_defaults(handler=serve)

    parser = subparsers.add_parser("demo", help="load demo data", description=demo.__doc__)
    parser.add_argument("--if-empty", action="store_true", help="only if there are no users")
    parser.add_argument(
        "--workflows",
        metavar="PATH",
        help="folder (or file) of .bpmn/.dmn to deploy (default: workflows/)",
    )
    parser.add_argument("--seed", type=int, help="random seed, for repeatable demo data")
    parser.set_defaults(handler=demo)
