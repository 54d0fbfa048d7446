"""How the `sroflow` command shows things: JSON for machines, aligned text for people.

Kept apart from engine/cli.py so the command handlers stay a few lines each.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from engine import DeploymentError, FormValidationError, InstanceRecord, TaskRecord


def emit_json(value) -> None:
    """Print `value` as indented JSON on stdout (datetimes and the like as strings)."""
    print(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def warn(message: str) -> None:
    """One line on stderr, prefixed with the command's name."""
    print(f"sroflow: {message}", file=sys.stderr)


def report_error(error: Exception, *, as_json: bool) -> None:
    """An engine or database error: one line on stderr (one per problem for a refused
    deployment or form); with --json also `{"error": ..., "fields"/"problems": ...}` on stdout.
    """
    extra = {}
    if isinstance(error, FormValidationError):
        lines = [f"sroflow: form data refused: {k} {why}" for k, why in error.errors.items()]
        message, extra["fields"] = str(error), error.errors
    elif isinstance(error, DeploymentError):
        lines = [str(problem) for problem in error.problems]  # file:line [element]: message
        message, extra["problems"] = "deployment refused", [p.to_dict() for p in error.problems]
    elif isinstance(error, SQLAlchemyError):
        message = "database error: " + str(getattr(error, "orig", None) or error).splitlines()[0]
        lines = [f"sroflow: {message} (has 'sroflow db upgrade' been run?)"]
    else:
        message = str(error)
        lines = [f"sroflow: {message}"]
    print("\n".join(lines), file=sys.stderr)
    if as_json:
        emit_json({"error": message, **extra})


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value) or "-"
    return str(value)


def table(headers: list[str], rows: list[list]) -> None:
    """Print rows under headers in columns as wide as their widest cell."""
    cells = [headers, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def school_table(schools) -> None:
    """`sroflow schools list`."""
    table(["ID", "NAME"], [[s.id, s.name] for s in schools])


def user_added(user) -> None:
    """`sroflow users add`: who was added, with roles and schools."""
    print(
        f"added user {user.username} (roles: {_cell(user.roles)}; schools: {_cell(user.schools)})"
    )


def user_table(users) -> None:
    """`sroflow users list`."""
    table(
        ["USERNAME", "NAME", "ROLES", "SCHOOLS", "ACTIVE"],
        [[u.username, u.display_name, u.roles, u.schools, u.active] for u in users],
    )


def deployment_lines(result) -> None:
    """`candidate_review v2 (new)` or `(unchanged)` for each process the files define or use."""
    for p in result.processes:
        print(f"{p.process_id} v{p.version} ({'new' if p.changed else 'unchanged'})")
    if not result.processes:
        print("deployed; no process uses these files")


def process_table(processes) -> None:
    """`sroflow processes`."""
    table(
        ["PROCESS", "VERSION", "NAME", "DEPLOYED", "STARTERS"],
        [[p.process_id, p.version, p.name, p.deployed_at, p.starter_roles] for p in processes],
    )


def task_table(tasks: list[TaskRecord]) -> None:
    """The inbox view of `sroflow tasks`."""
    if not tasks:
        print("no tasks")
        return
    table(
        ["ID", "TASK", "PROCESS", "SUBJECT", "SCHOOL", "ASSIGNEE", "DUE"],
        [[t.id, t.name, t.process_id, t.subject, t.school_id, t.assignee, t.due_at] for t in tasks],
    )


def _constraints(field: dict) -> str:
    parts = [name for name in ("required", "readonly") if field[name]]
    parts += [f"{name}={value}" for name, value in field["constraints"].items()]
    if field["default"] is not None:
        parts.append(f"default={field['default']}")
    return ", ".join(parts)


def task_details(task: TaskRecord) -> None:
    """`sroflow task`: who may work it, where it stands, and its form."""
    print(f"task {task.id}: {task.name} [{task.element_id}] ({task.state})")
    print(f"  instance {task.instance_id} of {task.process_id}")
    print(f"  subject: {_cell(task.subject)}   school: {_cell(task.school_id)}")
    print(
        f"  candidates: {_cell([*task.candidate_roles, *task.candidate_users])}"
        f"   assignee: {_cell(task.assignee)}   due: {_cell(task.due_at)}"
    )
    if task.documentation:
        print(f"  {task.documentation.strip()}")
    if not task.form:
        print("  no form fields")
        return
    print("  form:")
    for field in (f.to_dict() for f in task.form):
        rules = _constraints(field)
        print(
            f"    {field['id']} ({field['type']}): {field['label']}"
            + (f" [{rules}]" if rules else "")
        )
        if field["options"]:
            print("      options: " + ", ".join(o["id"] for o in field["options"]))


def instance_summary(record: InstanceRecord) -> str:
    """One line: which instance, of what, in which state."""
    line = f"instance {record.id} of {record.process_id} v{record.version}: {record.state}"
    if record.error_message:
        line += f" (error at {record.error_element_id or '?'}: {record.error_message})"
    return line


def open_task_lines(record: InstanceRecord) -> None:
    """The instance's ready tasks, one line each, or nothing when there are none."""
    for task in record.open_tasks:
        who = task.assignee or _cell([*task.candidate_roles, *task.candidate_users])
        school = f" at {task.school_id}" if task.school_id else ""
        print(f"  open task {task.id}: {task.name} [{task.element_id}] for {who}{school}")


def instance_details(record: InstanceRecord) -> None:
    """`sroflow instance`: state, data, open tasks and history."""
    print(instance_summary(record))
    print(f"  subject: {_cell(record.subject)}   school: {_cell(record.school_id)}")
    print(f"  started by {_cell(record.started_by)} at {_cell(record.started_at)}")
    if record.ended_at:
        print(f"  ended at {_cell(record.ended_at)}")
    print("  data: " + json.dumps(record.data, default=str, sort_keys=True))
    open_task_lines(record)
    if record.history:
        print("  history:")
        for event in record.history:
            where = f" [{event.element_id}]" if event.element_id else ""
            print(f"    {_cell(event.at)}  {event.type}{where} by {_cell(event.user)}")


def instance_lines(record: InstanceRecord) -> None:
    """The summary line and the open tasks: what `start` and `cancel` print."""
    print(instance_summary(record))
    open_task_lines(record)


def completion_lines(task: TaskRecord, record: InstanceRecord) -> None:
    """What `complete` prints: the task done, then where its instance went."""
    print(f"completed task {task.id} ({task.name})")
    instance_lines(record)
