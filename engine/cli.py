"""The `sroflow` command: an operator's tool acting directly on the database.

The database is the one named by SROFLOW_DATABASE_URL (default: SQLite instance/sroflow.db).
Every command uses only the public `EngineService`; `--json` prints a machine-readable result.
Exit codes: 0 success, 1 the engine refused or failed, 2 the command line was wrong. An error
is one line on stderr (a refused deployment or form: one line per problem).

Other packages add commands through the `sroflow.commands` entry point group: each entry is a
`register(subparsers)` function; each parser it adds sets a `handler` default, a callable
taking the parsed arguments and returning an exit code. The web app adds `serve` and `demo`.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from importlib.metadata import entry_points

from sqlalchemy.exc import SQLAlchemyError

from engine import EngineError, EngineService, FixedClock
from engine import cli_output as out
from engine.scheduler import run_forever, run_once

TASK_VIEWS = ("all", "mine", "queue", "completed")


class UsageError(Exception):
    """The command line was wrong in a way argparse cannot see (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line on stderr instead of argparse's usage dump."""
        self.exit(2, f"{self.prog}: {message}\n")


def json_object(text: str) -> dict:
    """argparse type of `--data`: a JSON object, or a message naming what is wrong."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('must be a JSON object, e.g. \'{"school_id": "x"}\'')
    return value


# -- handlers: each takes the service and the parsed arguments, returns an exit code ---------


def db_upgrade(service: EngineService, args) -> int:
    """Create or migrate the schema; running it again changes nothing."""
    service.upgrade_database()
    return _show(args, {"schema": "up to date"}, print, "database schema is up to date")


def schools_add(service: EngineService, args) -> int:
    """Add a school that users and tasks can be scoped to."""
    school = service.add_school(args.school_id, args.name)
    return _show(args, school.to_dict(), print, f"added school {school.id}: {school.name}")


def schools_list(service: EngineService, args) -> int:
    """List every school."""
    schools = service.list_schools()
    return _show(args, [s.to_dict() for s in schools], out.school_table, schools)


def users_add(service: EngineService, args) -> int:
    """Add a user with roles, schools and, from stdin, a password."""
    password = _read_password() if args.password_stdin else None
    user = service.add_user(
        args.username,
        roles=args.roles,
        schools=args.schools,
        password=password,
        display_name=args.display_name,
    )
    return _show(args, user.to_dict(), out.user_added, user)


def users_list(service: EngineService, args) -> int:
    """List every user with roles, schools and whether active."""
    users = service.list_users()
    return _show(args, [u.to_dict() for u in users], out.user_table, users)


def deploy(service: EngineService, args) -> int:
    """Deploy files and folders; print each process touched, new version or unchanged."""
    if args.as_user:
        service.get_user(args.as_user)  # a typo in --as must not be recorded as the deployer
    result = service.deploy_files(args.paths, deployed_by=args.as_user)
    return _show(args, result.to_dict(), out.deployment_lines, result)


def processes(service: EngineService, args) -> int:
    """List the latest version of every deployed process."""
    found = service.list_processes()
    return _show(args, [p.to_dict() for p in found], out.process_table, found)


def start(service: EngineService, args) -> int:
    """Start the latest version of a process; exit 1 if a script stopped it."""
    record = service.start_instance(args.process_id, username=args.as_user, data=args.data)
    _show(args, {"instance_id": record.id, **record.to_dict()}, out.instance_lines, record)
    return _instance_outcome(record)


def tasks(service: EngineService, args) -> int:
    """List the ready (or completed) tasks a user may work."""
    found = service.list_tasks(username=args.as_user, view=args.view)
    return _show(args, [t.to_dict() for t in found], out.task_table, found)


def task(service: EngineService, args) -> int:
    """Show one task and its form, as `--as` or as the operator."""
    record = service.get_task(args.task_id, username=args.as_user)
    return _show(args, record.to_dict(with_form=True), out.task_details, record)


def scheduler(service: EngineService, args) -> int:
    """Fire due timers and deliver notifications; `--once` does one pass and exits."""
    if args.once:
        summary = run_once(service)
        return _show(args, summary, print, ", ".join(f"{k}: {v}" for k, v in summary.items()))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # SpiffWorkflow logs every task's every state change at INFO: a few lines per task per
    # step would bury the passes. Its warnings and errors still show.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    run_forever(service, interval=args.interval)
    return 0


def claim(service: EngineService, args) -> int:
    """Take a task from the queue."""
    record = service.claim_task(args.task_id, username=args.as_user)
    message = f"task {record.id} ({record.name}) claimed by {record.assignee}"
    return _show(args, record.to_dict(), print, message)


def unclaim(service: EngineService, args) -> int:
    """Put a claimed task back in the queue."""
    record = service.unclaim_task(args.task_id, username=args.as_user)
    message = f"task {record.id} ({record.name}) is back in the queue"
    return _show(args, record.to_dict(), print, message)


def complete(service: EngineService, args) -> int:
    """Complete the task, then show where its instance went."""
    record = service.complete_task(args.task_id, username=args.as_user, data=args.data)
    instance = service.get_instance(record.instance_id)
    data = {**record.to_dict(), "instance": instance.to_dict()}
    _show(args, data, out.completion_lines, record, instance)
    return _instance_outcome(instance)


def cancel(service: EngineService, args) -> int:
    """Cancel a running instance and its open tasks."""
    record = service.cancel_instance(args.instance_id, username=args.as_user, reason=args.reason)
    return _show(args, record.to_dict(), out.instance_lines, record)


def instance(service: EngineService, args) -> int:
    """Show an instance with its data, open tasks and history (operator view)."""
    record = service.get_instance(args.instance_id)
    return _show(args, record.to_dict(), out.instance_details, record)


def _show(args, data, render, *items) -> int:
    """Print `data` as JSON with --json, else call `render(*items)` for people."""
    if args.json:
        out.emit_json(data)
    else:
        render(*items)
    return 0


def _instance_outcome(record) -> int:
    """An instance that stopped on a failed script is an error for the operator's scripts."""
    if record.state != "error":
        return 0
    out.warn(f"instance {record.id} stopped: {record.error_message}")
    return 1


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError("--password-stdin: no password on standard input")
    return password


# -- the parser -----------------------------------------------------------------------------


def _command(subparsers, name: str, handler, help: str, *, as_user: str | None = None):
    """A subcommand with `--json` and, if asked, `--as USERNAME` ('required' or 'optional')."""
    parser = subparsers.add_parser(name, help=help, description=help)
    parser.set_defaults(handler=_with_service(handler))
    parser.add_argument("--json", action="store_true", help="print a JSON result on stdout")
    if as_user:
        parser.add_argument(
            "--as", dest="as_user", metavar="USERNAME", required=as_user == "required"
        )
    return parser


def _with_service(handler):
    def run(args) -> int:
        now = getattr(args, "now", None)
        service = EngineService(clock=FixedClock(now) if now else None)
        try:
            return handler(service, args)
        finally:
            service.db_engine.dispose()

    return run


def iso_datetime(text: str) -> datetime:
    """argparse type of `--now`: an ISO 8601 date or date-time (UTC if no zone is given)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            "must be an ISO 8601 date-time, e.g. 2027-03-01T08:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _group(subparsers, name: str, help: str):
    parser = subparsers.add_parser(name, help=help, description=help)
    return parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND", required=True)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, including what the web app registers."""
    parser = _Parser(prog="sroflow", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    _command(
        _group(commands, "db", "the database schema"),
        "upgrade",
        db_upgrade,
        "create or migrate the schema",
    )

    schools = _group(commands, "schools", "schools that scope users and tasks")
    add = _command(schools, "add", schools_add, "add a school")
    add.add_argument("school_id", metavar="SCHOOL_ID")
    add.add_argument("--name", required=True)
    _command(schools, "list", schools_list, "list schools")

    users = _group(commands, "users", "people, their roles and schools")
    add = _command(users, "add", users_add, "add a user")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--role", dest="roles", action="append", required=True, metavar="ROLE")
    add.add_argument("--school", dest="schools", action="append", default=[], metavar="ID")
    add.add_argument("--password-stdin", action="store_true", help="read one line as password")
    add.add_argument("--display-name", metavar="NAME")
    _command(users, "list", users_list, "list users")

    cmd = _command(commands, "deploy", deploy, "deploy BPMN/DMN files", as_user="optional")
    cmd.add_argument("paths", nargs="+", metavar="FILE_OR_DIR")
    _command(commands, "processes", processes, "list deployed processes (latest versions)")

    cmd = _command(commands, "start", start, "start a process", as_user="required")
    cmd.add_argument("process_id", metavar="PROCESS_ID")
    cmd.add_argument("--data", type=json_object, default={}, metavar="JSON")

    cmd = _command(commands, "tasks", tasks, "ready tasks a user may work", as_user="required")
    cmd.add_argument("--view", choices=TASK_VIEWS, default="all")

    cmd = _command(commands, "task", task, "one task and its form", as_user="optional")
    cmd.add_argument("task_id", metavar="TASK_ID")
    for name, handler in (("claim", claim), ("unclaim", unclaim)):
        cmd = _command(commands, name, handler, f"{name} a task", as_user="required")
        cmd.add_argument("task_id", metavar="TASK_ID")
    cmd = _command(commands, "complete", complete, "submit a task's form", as_user="required")
    cmd.add_argument("task_id", metavar="TASK_ID")
    cmd.add_argument("--data", type=json_object, required=True, metavar="JSON")

    cmd = _command(commands, "cancel", cancel, "cancel an instance", as_user="required")
    cmd.add_argument("instance_id", type=int, metavar="INSTANCE_ID")
    cmd.add_argument("--reason", metavar="TEXT")
    cmd = _command(commands, "instance", instance, "an instance, its tasks and history")
    cmd.add_argument("instance_id", type=int, metavar="INSTANCE_ID")

    cmd = _command(commands, "scheduler", scheduler, "fire due timers, deliver notifications")
    cmd.add_argument("--once", action="store_true", help="one pass, then exit")
    cmd.add_argument("--now", type=iso_datetime, metavar="ISO8601", help="override the clock")
    cmd.add_argument("--interval", type=float, default=5.0, metavar="SECONDS")

    _register_plugins(commands)
    return parser


def _register_plugins(commands) -> None:
    """Let installed packages add commands (the web app adds `serve` and `demo`) through
    the `sroflow.commands` entry point group, so the engine never imports them."""
    for entry in entry_points(group="sroflow.commands"):
        try:
            register = entry.load()
        except ImportError as error:
            out.warn(f"commands of {entry.name} unavailable: {error}")
            continue
        register(commands)


# -- running --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run one `sroflow` command and return its exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit:  # --help (0) or a usage error (2), already printed
        return exit.code if isinstance(exit.code, int) else 2
    try:
        return args.handler(args) or 0
    except UsageError as error:
        out.warn(str(error))
        return 2
    except (EngineError, SQLAlchemyError) as error:
        out.report_error(error, as_json=getattr(args, "json", False))
        return 1


if __name__ == "__main__":
    sys.exit(main())
