"""The web app's `sroflow` commands: `serve` (waitress, optionally with the timer scheduler
beside it) and `demo` (demo data).

engine/cli.py calls `register(subparsers)` when this module exists; each parser sets a
`handler` default taking the parsed arguments and returning an exit code, as the engine's
own commands do. Engine errors propagate to engine/cli.py, which prints them and exits 1.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from engine import EngineService, FixedClock

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
SCHEDULER_STOP_SECONDS = 10
SCHEDULER_OWN_STOP_SECONDS = 3  # after Ctrl+C, which the scheduler receives as well
_stopping = threading.Event()  # set when serve stops the scheduler on purpose
_stopped_by: list[int] = []  # the signal that stopped serve


def serve(args) -> int:
    """Run the app with waitress, a production WSGI server with a thread pool; with
    --with-scheduler, run one `sroflow scheduler` process beside it and stop it on exit."""
    import waitress

    from webui import create_app

    app = create_app()
    scheduler = _start_scheduler(args.scheduler_interval) if args.with_scheduler else None
    # Ctrl+C and SIGTERM (kill, a service manager) stop waitress, then we clean up. Set
    # explicitly: a shell starting us in the background would have SIGINT ignored.
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"sroflow: serving on http://{args.host}:{args.port}/ (Ctrl+C stops)", flush=True)
        waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="sroflow")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if scheduler is not None:
            _stop_scheduler(scheduler)
    return 0


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
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=SCHEDULER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
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
    parser.add_argument("--threads", type=int, default=8, help="worker threads")
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
