"""Process instances: start, run, persist, cancel, and describe them.

`persist_run` is the one place an instance's state is written: the serialized workflow,
the process variables, the task table and the audit rows change together, in the caller's
transaction, and a stale row version becomes a ConflictError when the caller commits.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, or_, select, union, update

from engine import audit
from engine.assignment import can_work, find_candidates
from engine.bpmn.json_copy import json_copy
from engine.bpmn.runner import RunFailure, WorkflowRun
from engine.clock import as_utc
from engine.context import Context
from engine.db.models import Instance, ProcessVersion, School, Task, TaskCandidate
from engine.db.prepared import Prepared
from engine.db.row_writes import write_changes
from engine.deployment import latest_version, latest_versions, process_xml, start_form_fields
from engine.errors import (
    FormValidationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
)
from engine.forms import validate_submission
from engine.identity import Actor
from engine.notifications import notify_task
from engine.records import InstanceDiagram, InstanceRecord
from engine.timers import sync_instance_timers
from engine.workflow_state import apply_state, read_chunks, write_chunks

SUBJECT_KEYS = ("subject", "candidate_name", "officer_name")
# The variable that ties an officer's (or candidate's) instances together across processes.
BUSINESS_KEYS = ("officer_id", "candidate_id")
DEFAULT_STARTERS = ("hr", "admin")


def json_safe(data: dict) -> dict:
    """A deep, JSON-only copy: what the database stores and what history keeps."""
    return json_copy(data, default=str)


def _subject(data: dict) -> str | None:
    for key in SUBJECT_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


def _school(data: dict) -> str | None:
    value = data.get("school_id")
    return str(value) if value not in (None, "") else None


def may_start(actor: Actor, version: ProcessVersion) -> bool:
    allowed = version.starter_roles or DEFAULT_STARTERS
    return bool(actor.roles.intersection(allowed)) or "admin" in actor.roles


def start_instance(ctx: Context, actor: Actor, process_id: str, data: dict) -> Instance:
    """Start the latest version of `process_id` with `data`, run it until it waits."""
    version = latest_version(ctx.session, process_id)
    if not may_start(actor, version):
        raise PermissionDeniedError(f"{actor.username} may not start '{process_id}'")
    if not isinstance(data, dict):
        raise InvalidStateError("initial data must be a JSON object")
    start_fields = start_form_fields(version)
    if start_fields:
        data = validate_submission(start_fields, data)
    school_id = _school(data)
    if school_id and ctx.session.get(School, school_id) is None:
        raise FormValidationError({"school_id": f"no school '{school_id}'"})
    scoped_only = actor.scoped_roles and not actor.agency_roles
    if school_id and scoped_only and school_id not in actor.schools:
        raise PermissionDeniedError(f"{actor.username} does not belong to school {school_id}")
    ctx.acting_user = actor.username
    return start_version(ctx, version, data, started_by=actor.username)


MAX_MESSAGE_STARTS = 50


def route_messages(ctx: Context, instance: Instance, messages) -> None:
    """Start the processes whose message start event catches a thrown message.

    The payload (the thrower's `camunda:expression`, a dict) is the new instance's data.
    """
    for name, payload in messages:
        targets = [
            v for v in latest_versions(ctx.session).values() if name in (v.start_messages or ())
        ]
        audit.record(
            ctx.session,
            "message_thrown",
            at=ctx.now(),
            instance_id=instance.id,
            process_id=instance.process_id,
            details={"message": name, "started": [v.process_id for v in targets]},
        )
        for version in targets:
            ctx.message_starts += 1
            if ctx.message_starts > MAX_MESSAGE_STARTS:
                raise RunFailure(
                    f"message '{name}' started more than {MAX_MESSAGE_STARTS} instances in one"
                    " step; processes that start each other must wait for something",
                    None,
                )
            start_version(
                ctx,
                version,
                dict(payload),
                started_by=ctx.acting_user,
                message=name,
                parent_instance_id=instance.id,
            )


def start_version(
    ctx: Context,
    version: ProcessVersion,
    data: dict,
    *,
    started_by: str | None,
    message: str | None = None,
    parent_instance_id: int | None = None,
) -> Instance:
    """Create an instance of `version`, fire its start event now and run until it waits."""
    spec = ctx.version_spec(version.id)
    now = ctx.now()
    run = WorkflowRun.start(spec.spec_json, data, ctx.script_engine, spec.shared_specs())
    instance = Instance(
        process_version_id=version.id,
        process_id=version.process_id,
        state="running",
        data=json_safe(data),
        workflow_state="{}",
        started_by=started_by,
        started_at=now,
        updated_at=now,
        business_key=_business_key(data),
    )
    ctx.session.add(instance)
    ctx.session.flush()
    details = {"version": version.version, "data": json_safe(data)}
    if message:
        details.update(message=message, started_from_instance=parent_instance_id)
    audit.record(
        ctx.session,
        "started",
        at=now,
        username=started_by,
        instance_id=instance.id,
        process_id=version.process_id,
        details=details,
    )
    failure = None
    try:
        run.fire_start_event(message, data)
    except RunFailure as error:
        failure = error
    persist_run(ctx, instance, run, failure=failure)
    return instance


def _business_key(data: dict) -> str | None:
    for key in BUSINESS_KEYS:
        value = data.get(key)
        if value not in (None, ""):
            return str(value)[:120]
    return None


def load_run(ctx: Context, instance: Instance) -> WorkflowRun:
    """The instance's workflow: kept in memory since its last step if that is still the
    saved version (engine/run_cache.py), else deserialized from its row."""
    if ctx.runs is not None:
        run = ctx.runs.take(instance.id, instance.row_version)
        if run is not None:
            return run.reuse(ctx.script_engine)
    spec = ctx.version_spec(instance.process_version_id)
    run = WorkflowRun.load(
        instance.workflow_state,
        spec.spec_json,
        ctx.script_engine,
        spec.shared_specs(),
        read_chunks(ctx.session, instance),
    )
    if instance.state == "running":
        # The last step went through (a failed one leaves `error`), so the task table holds
        # exactly the workflow's ready user tasks, with the instance's school and subject.
        run.persisted_ready = run.ready_user_task_ids()
        run.persisted_scope = (instance.school_id, instance.subject)
        run.persisted_timers = run.waiting_timers()  # and its timer rows are these
    return run


def persist_run(
    ctx: Context,
    instance: Instance,
    run: WorkflowRun,
    *,
    failure: RunFailure | None = None,
    completed_task_id: str | None = None,
) -> None:
    """Write the workflow state and its projections (task rows, audit) for this step."""
    now = ctx.now()
    messages = run.thrown_messages()  # taken out of the workflow before it is saved
    saved = run.save()
    apply_state(instance, saved)
    instance.data = run.plain_data()
    instance.updated_at = now
    instance.school_id = _school(instance.data) or instance.school_id
    instance.subject = _subject(instance.data) or instance.subject
    instance.business_key = _business_key(instance.data) or instance.business_key
    ready = run.ready_user_tasks() if failure is None else []
    if failure is None:
        try:
            _sync_tasks(ctx, instance, run, ready, completed_task_id)
        except RunFailure as error:  # e.g. a camunda:dueDate expression that fails
            failure = error
            _sync_tasks(ctx, instance, run, [], completed_task_id)
    else:
        _sync_tasks(ctx, instance, run, [], completed_task_id)
    if failure is None and instance.state == "error":
        instance.state = "running"  # a retried step went through
        instance.error_message = instance.error_element_id = None
    if failure is not None:
        instance.state = "error"
        instance.error_message = failure.message
        instance.error_element_id = failure.element_id
        audit.record(
            ctx.db,
            "error",
            at=now,
            instance_id=instance.id,
            process_id=instance.process_id,
            element_id=failure.element_id,
            details={"message": failure.message},
        )
    elif run.is_completed():
        instance.state = "completed"
        instance.ended_at = now
        audit.record(
            ctx.db,
            "instance_completed",
            at=now,
            instance_id=instance.id,
            process_id=instance.process_id,
        )
    waiting = run.waiting_timers() if failure is None else []
    # No timer before and none now: no row to add or remove (the timer table is this
    # projection), so the query is skipped.
    if waiting or run.persisted_timers != []:
        sync_instance_timers(ctx, instance, waiting)
    run.persisted_timers = waiting
    write_changes(ctx.db, instance)
    write_chunks(ctx.db, instance.id, saved)
    ctx.db.flush()
    ctx.keep_run(instance, run)
    if failure is None:
        route_messages(ctx, instance, messages)


def _sync_tasks(ctx: Context, instance: Instance, run, ready, completed_task_id) -> None:
    now = ctx.now()
    ready_ids = {info.id for info in ready}
    existing = _ready_rows(ctx, instance, run, ready_ids, completed_task_id)
    run.persisted_ready = ready_ids
    run.persisted_scope = (instance.school_id, instance.subject)
    cancelled = [
        task_id for task_id in existing if task_id not in ready_ids and task_id != completed_task_id
    ]
    for task_id in cancelled:
        existing[task_id].state = "cancelled"
        existing[task_id].completed_at = now
    release_candidates(ctx.db, cancelled)
    moved, new_rows = [], []
    for info in ready:
        if info.id in existing:
            row = existing[info.id]
            if row is None:
                continue  # known unchanged (see _ready_rows)
            if row.school_id != instance.school_id:
                moved.append(row.id)
            row.school_id = instance.school_id
            row.subject = instance.subject
            continue
        new_rows.append(_new_task_row(ctx, instance, run, info, now))
    if new_rows:
        _insert_tasks(ctx, new_rows, now)
    if moved:  # the instance's school changed: its open tasks' candidate rows follow
        ctx.session.execute(
            update(TaskCandidate)
            .where(TaskCandidate.task_id.in_(moved))
            .values(school_id=instance.school_id)
            .execution_options(synchronize_session=False)
        )


def _new_task_row(ctx: Context, instance: Instance, run, info, now) -> dict:
    candidates = find_candidates(info.assignment, info.lane, info.data, ctx.role_lookup)
    return {
        "id": info.id,
        "instance_id": instance.id,
        "process_id": instance.process_id,
        "element_id": info.element_id,
        "name": info.name,
        "lane": info.lane,
        "candidate_roles": list(candidates.roles),
        "candidate_users": list(candidates.users),
        "assignee": candidates.assignee,
        "school_id": instance.school_id,
        "subject": instance.subject,
        "state": "ready",
        "created_at": now,
        "due_at": run.task_due(info, now),
        "completed_at": None,
        "completed_by": None,
        "data": json_safe(info.data),
        "row_version": 1,
    }


def _insert_tasks(ctx: Context, rows: list[dict], now) -> None:
    """New ready tasks and their candidate rows, as plain INSERTs: a step's new rows are
    not read back through the ORM before it commits, so its bookkeeping only costs time."""
    candidates = [
        {"task_id": row["id"], "role_key": role, "username": None, "school_id": row["school_id"]}
        for row in rows
        for role in row["candidate_roles"]
    ] + [
        {"task_id": row["id"], "role_key": None, "username": user, "school_id": row["school_id"]}
        for row in rows
        for user in sorted({*row["candidate_users"], row["assignee"]} - {None})
    ]
    _INSERT_TASKS.run_many(ctx.db, rows)
    _INSERT_CANDIDATES.run_many(ctx.db, candidates)
    for row in rows:
        if row["assignee"]:
            notify_task(ctx.session, Task(**row), "assigned", now, once_per_task=True)


def _ready_rows(ctx: Context, instance: Instance, run, ready_ids, completed_task_id) -> dict:
    """The instance's ready task rows by id; a value of None means "ready and unchanged".

    When the run was kept in memory since its last step, that step's ready tasks are the
    ready rows (the task table is this projection). If none of them is cancelled now and
    the school and subject they carry are still the instance's, nothing needs loading.
    """
    before = run.persisted_ready
    still_ready = (before or set()) - {completed_task_id}
    if before is not None and still_ready <= ready_ids:
        if not still_ready:
            return {}
        if run.persisted_scope == (instance.school_id, instance.subject):
            return dict.fromkeys(still_ready)
    return {
        row.id: row
        for row in ctx.session.scalars(
            select(Task).where(Task.instance_id == instance.id, Task.state == "ready")
        )
    }


def release_candidates(db, task_ids) -> None:
    """Drop the candidate rows of tasks that are no longer ready: the inbox starts from
    that table, so it holds only what may still be claimed."""
    # A plain table DELETE per task, straight to the driver (no ORM bookkeeping, no flush
    # first): no candidate objects are loaded, and nothing pending changes these rows.
    _RELEASE_CANDIDATES.run_many(db, [{"task_id": task_id} for task_id in task_ids])


_candidates = TaskCandidate.__table__
_TASK_COLUMNS = tuple(column.key for column in Task.__table__.columns)
_INSERT_TASKS = Prepared(insert(Task.__table__), keys=_TASK_COLUMNS)
_INSERT_CANDIDATES = Prepared(
    insert(_candidates), keys=("task_id", "role_key", "username", "school_id")
)
_RELEASE_CANDIDATES = Prepared(
    delete(_candidates).where(_candidates.c.task_id == bindparam("task_id"))
)


def get_instance_row(ctx: Context, instance_id: int) -> Instance:
    instance = ctx.session.get(Instance, instance_id)
    if instance is None:
        raise NotFoundError(f"no instance {instance_id}")
    return instance


def visible_instance(ctx: Context, instance_id: int, username: str | None) -> Instance:
    """The instance, if `username` may see it (None: the operator sees everything);
    an instance of another school is 'not found', never shown."""
    instance = get_instance_row(ctx, instance_id)
    if username is not None:
        actor = ctx.actor(username)
        if not can_see_instance(ctx, actor, instance):
            raise NotFoundError(f"no instance {instance_id}")
    return instance


def can_see_instance(ctx: Context, actor: Actor, instance: Instance) -> bool:
    """Agency-wide roles see every instance; school-scoped users only their schools' ones,
    or instances where they hold or held a task."""
    if actor.agency_roles:
        return True
    if instance.school_id is None or instance.school_id in actor.schools:
        return True
    rows = ctx.session.scalars(select(Task).where(Task.instance_id == instance.id))
    return any(
        can_work(
            actor,
            candidate_roles=r.candidate_roles,
            candidate_users=r.candidate_users,
            assignee=r.assignee,
            school_id=r.school_id,
        )
        for r in rows
    )


def instance_list_query(
    actor: Actor | None, state: str | None, process_id: str | None, business_key: str | None
):
    """The instances a list shows this user (None: the operator, every instance), newest
    first, in SQL so that limits and offsets count only what the user may see.

    Agency-wide roles see every instance; school-scoped users those of their schools or of
    no school, and those where they hold, held or may claim a task by name. (Opening one,
    `can_see_instance` also allows an instance where they were only a candidate of a task
    someone else finished.)"""
    query = select(Instance).order_by(Instance.id.desc())
    if state:
        query = query.where(Instance.state == state)
    if process_id:
        query = query.where(Instance.process_id == process_id)
    if business_key:
        query = query.where(Instance.business_key == business_key)
    if actor is None or actor.agency_roles:
        return query
    own_tasks = union(
        select(Task.instance_id).where(Task.state == "ready", Task.assignee == actor.username),
        select(Task.instance_id).where(Task.completed_by == actor.username),
        select(Task.instance_id)
        .join(TaskCandidate, TaskCandidate.task_id == Task.id)
        .where(TaskCandidate.username == actor.username),
    )
    return query.where(
        or_(
            Instance.school_id.is_(None),
            Instance.school_id.in_(sorted(actor.schools)),
            Instance.id.in_(own_tasks),
        )
    )


def describe_instance(ctx: Context, instance: Instance, open_tasks, history=None) -> InstanceRecord:
    """The instance as callers see it; `history` None reads its audit history (a list page
    passes () and saves a query per row)."""
    # The version number from the spec cache: a list page asks for it once per row.
    version = ctx.version_spec(instance.process_version_id)
    return InstanceRecord(
        id=instance.id,
        process_id=instance.process_id,
        version=version.version,
        state=instance.state,
        school_id=instance.school_id,
        subject=instance.subject,
        data=instance.data or {},
        started_by=instance.started_by,
        started_at=as_utc(instance.started_at),
        ended_at=as_utc(instance.ended_at),
        error_message=instance.error_message,
        error_element_id=instance.error_element_id,
        business_key=instance.business_key,
        open_tasks=tuple(open_tasks),
        history=tuple(
            audit.instance_history(ctx.session, instance.id) if history is None else history
        ),
    )


def diagram(ctx: Context, instance: Instance) -> InstanceDiagram:
    version = ctx.session.get(ProcessVersion, instance.process_version_id)
    run = load_run(ctx, instance)
    done, active = run.element_states()
    ctx.keep_run(instance, run)  # unchanged: the next step can still use it
    return InstanceDiagram(
        instance_id=instance.id,
        process_id=instance.process_id,
        version=version.version,
        bpmn_xml=process_xml(ctx.session, instance.process_id, version.version),
        completed_element_ids=tuple(sorted(done)),
        active_element_ids=tuple(sorted(active)),
    )


def cancel_instance(ctx: Context, actor: Actor, instance_id: int, reason: str | None) -> None:
    instance = get_instance_row(ctx, instance_id)
    if not actor.has_any_role("hr", "admin"):
        raise PermissionDeniedError("only HR staff or administrators may cancel an instance")
    if instance.state not in ("running", "error"):
        raise InvalidStateError(f"instance {instance_id} is {instance.state}")
    now = ctx.now()
    run = load_run(ctx, instance)
    run.cancel()
    saved = run.save()
    apply_state(instance, saved)
    instance.state = "cancelled"
    instance.ended_at = now
    instance.updated_at = now
    released = []
    for row in ctx.session.scalars(
        select(Task).where(Task.instance_id == instance.id, Task.state == "ready")
    ):
        row.state = "cancelled"
        row.completed_at = now
        released.append(row.id)
    release_candidates(ctx.session, released)
    audit.record(
        ctx.session,
        "cancelled",
        at=now,
        username=actor.username,
        instance_id=instance.id,
        process_id=instance.process_id,
        details={"reason": reason} if reason else {},
    )
    ctx.session.flush()
    write_chunks(ctx.session, instance.id, saved)
