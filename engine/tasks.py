"""User tasks: show, claim, unclaim, reassign and complete (lists: engine/task_queries.py).

Completing a task is the one operation that loads the workflow, and it checks state,
rights and form data before anything changes.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from engine import audit, identity
from engine.actors import VERSION as IDENTITY_VERSION
from engine.assignment import can_work
from engine.bpmn.runner import RunFailure
from engine.clock import as_utc
from engine.db.models import Instance, Task
from engine.db.prepared import Prepared
from engine.db.row_writes import read_plain_rows, select_plain, write_changes
from engine.errors import (
    ConflictError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.forms import validate_submission
from engine.identity import Actor
from engine.instances import load_run, persist_run, release_candidates
from engine.records import TaskRecord, UserRecord

REASSIGNERS = ("hr", "admin")


def task_record(row: Task, *, form=(), documentation=None, data=None) -> TaskRecord:
    return TaskRecord(
        id=row.id,
        instance_id=row.instance_id,
        process_id=row.process_id,
        element_id=row.element_id,
        name=row.name,
        lane=row.lane,
        candidate_roles=tuple(row.candidate_roles or ()),
        candidate_users=tuple(row.candidate_users or ()),
        assignee=row.assignee,
        school_id=row.school_id,
        subject=row.subject,
        state=row.state,
        created_at=as_utc(row.created_at),
        due_at=as_utc(row.due_at),
        completed_at=as_utc(row.completed_at),
        completed_by=row.completed_by,
        form=tuple(form),
        documentation=documentation,
        data=data or {},
    )


def _row(session, task_id: str) -> Task:
    row = session.get(Task, str(task_id))
    if row is None:
        raise NotFoundError(f"no task {task_id}")
    return row


def _may_work(actor: Actor, row: Task) -> bool:
    return can_work(
        actor,
        candidate_roles=row.candidate_roles or (),
        candidate_users=row.candidate_users or (),
        assignee=row.assignee,
        school_id=row.school_id,
    )


def visible_row(session, actor: Actor, task_id: str) -> Task:
    """The task if this user may see it: a task of another school is 'not found'."""
    return _visible(actor, _row(session, task_id), task_id)


def _visible(actor: Actor, row, task_id: str):
    if _may_work(actor, row) or row.completed_by == actor.username:
        return row
    if actor.has_any_role(*REASSIGNERS):  # agency-wide: they keep every queue moving
        return row
    raise NotFoundError(f"no task {task_id}")


def users_who_may_work(session, task_id: str) -> list[UserRecord]:
    """The active users the engine would let work the task, sorted by username (whom a
    task page offers to reassign to; the engine still decides on each action)."""
    row = _row(session, task_id)
    return [
        user
        for user, actor in identity.list_actors(session)
        if user.active and _may_work(actor, row)
    ]


def _ready(row: Task) -> None:
    if row.state != "ready":
        raise ConflictError(f"task {row.id} is already {row.state}")


def claim(ctx, actor: Actor, task_id: str) -> Task:
    row = visible_row(ctx.session, actor, task_id)
    _ready(row)
    if not _may_work(actor, row):
        raise PermissionDeniedError(f"{actor.username} may not work task {task_id}")
    if row.assignee == actor.username:
        return row
    if row.assignee is not None:
        raise ConflictError(f"task {task_id} is already claimed by {row.assignee}")
    row.assignee = actor.username
    audit.record(
        ctx.session,
        "claimed",
        at=ctx.now(),
        username=actor.username,
        instance_id=row.instance_id,
        task_id=row.id,
        process_id=row.process_id,
        element_id=row.element_id,
    )
    ctx.session.flush()
    return row


def unclaim(ctx, actor: Actor, task_id: str) -> Task:
    row = visible_row(ctx.session, actor, task_id)
    _ready(row)
    if row.assignee is None:
        raise InvalidStateError(f"task {task_id} is not claimed")
    if row.assignee != actor.username and not actor.has_any_role(*REASSIGNERS):
        raise PermissionDeniedError(f"task {task_id} is claimed by {row.assignee}")
    previous, row.assignee = row.assignee, None
    audit.record(
        ctx.session,
        "unclaimed",
        at=ctx.now(),
        username=actor.username,
        instance_id=row.instance_id,
        task_id=row.id,
        process_id=row.process_id,
        element_id=row.element_id,
        details={"previous_assignee": previous},
    )
    ctx.session.flush()
    return row


def reassign(ctx, actor: Actor, task_id: str, target: Actor) -> Task:
    """HR and administrators hand a task to someone else who may work it."""
    if not actor.has_any_role(*REASSIGNERS):
        raise PermissionDeniedError("only HR staff or administrators may reassign tasks")
    row = visible_row(ctx.session, actor, task_id)
    _ready(row)
    if not _may_work(target, row):
        raise PermissionDeniedError(
            f"{target.username} may not work task {task_id} (role or school does not match)"
        )
    previous, row.assignee = row.assignee, target.username
    audit.record(
        ctx.session,
        "reassigned",
        at=ctx.now(),
        username=actor.username,
        instance_id=row.instance_id,
        task_id=row.id,
        process_id=row.process_id,
        element_id=row.element_id,
        details={"from": previous, "to": target.username},
    )
    ctx.session.flush()
    return row


def form_fields(ctx, row, instance):
    """The task's (form fields, documentation), from its instance's process version."""
    return ctx.version_spec(instance.process_version_id).form(row.element_id)


def open_tasks_by_instance(session, instance_ids: list[int]) -> dict[int, list[TaskRecord]]:
    """The ready tasks of each instance, oldest first: one query for a whole list page."""
    if not instance_ids:
        return {}
    rows = session.scalars(
        select(Task)
        .where(Task.instance_id.in_(instance_ids), Task.state == "ready")
        .order_by(Task.created_at)
    )
    found: dict[int, list[TaskRecord]] = {}
    for row in rows:
        found.setdefault(row.instance_id, []).append(task_record(row))
    return found


def describe_task(ctx, actor: Actor | None, task_id: str) -> TaskRecord:
    row = _row(ctx.session, task_id) if actor is None else visible_row(ctx.session, actor, task_id)
    instance = ctx.session.get(Instance, row.instance_id)
    fields, documentation = form_fields(ctx, row, instance)
    return task_record(
        row, form=fields, documentation=documentation, data=_task_data(row, instance)
    )


def _task_data(row, instance) -> dict:
    """What the task saw when it became ready (older rows: the instance's variables)."""
    return row.data if row.data is not None else (instance.data or {})


_tasks, _instances = Task.__table__, Instance.__table__
# The task and its instance as plain rows, straight from the driver (a step's two ORM
# objects cost more to load than the step's SQL: engine/db/row_writes.py), and the
# identity version, so an acting user kept from an earlier call needs no query of its own
# (engine/actors.py).
_TASK_WITH_INSTANCE = Prepared(
    select_plain(_tasks, _instances)
    .add_columns(IDENTITY_VERSION)
    .join(_instances, _instances.c.id == _tasks.c.instance_id)
    .where(_tasks.c.id == bindparam("task_id"))
)


def complete(ctx, username: str, task_id: str, values: dict):
    """Validate, then run the task and what follows, all in the caller's transaction."""
    found = read_plain_rows(
        ctx.db, (_tasks, _instances), _TASK_WITH_INSTANCE, {"task_id": str(task_id)}
    )
    if found is None:
        ctx.actor(username)  # an unknown user hears that first, as from other calls
        raise NotFoundError(f"no task {task_id}")
    row, instance, identity_version = found
    actor = ctx.actor(username, identity_version)
    ctx.acting_user = actor.username
    _visible(actor, row, task_id)
    _ready(row)
    if not _may_work(actor, row):
        raise PermissionDeniedError(f"{actor.username} may not work task {task_id}")
    if row.assignee not in (None, actor.username):
        raise PermissionDeniedError(f"task {task_id} is claimed by {row.assignee}")
    if not isinstance(values, dict):
        raise InvalidStateError("form data must be a JSON object")
    if instance.state != "running":
        raise InvalidStateError(f"instance {instance.id} is {instance.state}")
    fields, _ = form_fields(ctx, row, instance)
    before = instance.data or {}  # read for this step only: nothing else holds it
    seen = _task_data(row, instance)
    cleaned = validate_submission(fields, values, current=seen)
    for field in fields:  # an optional field left out is recorded as empty, not missing
        if not field.readonly and field.id not in cleaned and field.id not in seen:
            cleaned[field.id] = None
    run = load_run(ctx, instance)
    failure = None
    try:
        run.complete_user_task(row.id, cleaned)
    except LookupError:
        raise ConflictError(f"task {task_id} is no longer ready; reload it") from None
    except RunFailure as error:
        failure = error
    now = ctx.now()
    claimed = row.assignee is None
    row.assignee = actor.username
    row.state = "completed"
    row.completed_at = now
    row.completed_by = actor.username
    write_changes(ctx.db, row)
    release_candidates(ctx.db, [row.id])
    audit.record(
        ctx.db,
        "completed",
        at=now,
        username=actor.username,
        instance_id=instance.id,
        task_id=row.id,
        process_id=row.process_id,
        element_id=row.element_id,
        details={
            "values": cleaned,
            "changed": audit.changed_values(before, run.plain_data()),
            "claimed_on_completion": claimed,
        },
    )
    persist_run(ctx, instance, run, failure=failure, completed_task_id=row.id)
    ctx.db.flush()
    return row
