"""Fire one claimed timer: an instance's timer event, or a process's timer start event.

Runs inside the scheduler's transaction for that timer; a `RunFailure` propagates so the
caller can roll back and record the failed attempt separately.
"""

from __future__ import annotations

from sqlalchemy import select

from engine import audit
from engine.context import Context
from engine.db.models import ProcessVersion, Task
from engine.deployment import latest_version
from engine.instances import load_run, persist_run, start_version
from engine.notifications import notify_task
from engine.timers import advance_start_timer, lock_instance


def fire_timer(ctx: Context, timer, *, postgres: bool) -> bool:
    """True if fired; False if its instance is busy elsewhere (try again later)."""
    if timer.kind == "start":
        return _fire_start_timer(ctx, timer)
    instance = lock_instance(ctx, timer.instance_id, postgres=postgres)
    if instance is None:
        return False
    if instance.state not in ("running", "error"):
        ctx.session.delete(timer)
        return True
    now = ctx.now()
    run = load_run(ctx, instance)
    reminded, escalated = run.fire_due_timers()
    audit.record(
        ctx.session,
        "timer_fired",
        at=now,
        instance_id=instance.id,
        process_id=instance.process_id,
        element_id=timer.element_id,
        details={"due_at": timer.due_at.isoformat()},
    )
    before = (  # only an escalation asks which tasks are new
        {
            row.id
            for row in ctx.session.scalars(
                select(Task).where(Task.instance_id == instance.id, Task.state == "ready")
            )
        }
        if escalated
        else set()
    )
    persist_run(ctx, instance, run)
    _notify(ctx, reminded, "due_soon")
    if escalated:
        new_tasks = ctx.session.scalars(
            select(Task).where(
                Task.instance_id == instance.id, Task.state == "ready", Task.id.not_in(before)
            )
        )
        for row in new_tasks:
            notify_task(ctx.session, row, "escalated", now, once_per_task=True)
    return True


def _notify(ctx: Context, task_ids, kind: str) -> None:
    for task_id in task_ids:
        row = ctx.session.get(Task, task_id)
        if row is not None and row.state == "ready":
            notify_task(ctx.session, row, kind, ctx.now(), once_per_task=False)


def _fire_start_timer(ctx: Context, timer) -> bool:
    version = ctx.session.get(ProcessVersion, timer.process_version_id)
    latest = latest_version(ctx.session, timer.process_id)
    if version is None or latest.id != version.id:
        ctx.session.delete(timer)  # superseded by a newer version's own schedule
        return True
    start_version(ctx, version, {}, started_by=None)
    audit.record(
        ctx.session,
        "timer_fired",
        at=ctx.now(),
        process_id=timer.process_id,
        element_id=timer.element_id,
        details={"due_at": timer.due_at.isoformat(), "started": timer.process_id},
    )
    if not advance_start_timer(timer, ctx.now()):
        ctx.session.delete(timer)
    return True
