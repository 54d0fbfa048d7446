"""The web app's `sroflow` commands: `serve` (waitress) and `demo` (demo data).

engine/cli.py calls `register(subparsers)` when this module exists; each parser sets a
`handler` default taking the parsed arguments and returning an exit code, as the engine's
own commands do. Engine errors propagate to engine/cli.py, which prints them and exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from engine import EngineService

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
# Until the SRO process library exists under workflows/, a small test process stands in.
STAND_IN = ROOT / "tests" / "data" / "engine" / "candidate_review.bpmn"


def serve(args) -> int:
    """Run the app with waitress, a production WSGI server with a thread pool."""
    import waitress

    from webui import create_app

    app = create_app()
    print(f"sroflow: serving on http://{args.host}:{args.port}/ (Ctrl+C stops)", flush=True)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads, ident="sroflow")
    return 0


def default_workflows() -> Path:
    from webui.demo import process_files

    if WORKFLOWS.is_dir() and process_files(WORKFLOWS):
        return WORKFLOWS
    return STAND_IN if STAND_IN.is_file() else WORKFLOWS


def demo(args) -> int:
    """Load demo data; with --if-empty, do nothing when the database has users already."""
    from webui.demo import load_demo, print_result

    service = EngineService()
    try:
        if args.if_empty and service.list_users():
            print("sroflow: users exist already; no demo data loaded")
            return 0
        source = Path(args.workflows) if args.workflows else default_workflows()
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
    parser.set_defaults(handler=serve)

    parser = subparsers.add_parser("demo", help="load demo data", description=demo.__doc__)
    parser.add_argument("--if-empty", action="store_true", help="only if there are no users")
    parser.add_argument(
        "--workflows",
        metavar="PATH",
        help="folder (or file) of .bpmn/.dmn to deploy (default: workflows/, or a stand-in "
        "test process while that folder has none)",
    )
    parser.add_argument("--seed", type=int, help="random seed, for repeatable demo data")
    parser.set_defaults(handler=demo)
