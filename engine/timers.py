"""Timers in the database: the projection of each instance's waiting timer events, the
schedules of timer start events, and firing one due timer in one transaction.

Several schedulers may run against PostgreSQL: a timer row and its instance row are taken
with `FOR UPDATE SKIP LOCKED`, so each timer fires once; a row is deleted only by the commit
of the step that fired it, so a scheduler that dies mid-way loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, select

from engine import audit
from engine.bpmn.runner import due_from_value
from engine.bpmn.timers import add_iso_duration, parse_cycle
from engine.clock import as_utc
from engine.context import Context
from engine.db.models import Instance, ProcessVersion, Timer
from engine.records import TimerRecord

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)


def sync_instance_timers(ctx: Context, instance: Instance, waiting) -> None:
    """Make the instance's timer rows match the timers its workflow waits for."""
    if not waiting or instance.state != "running":
        # Nothing to keep (the usual case after a timer fired): one plain DELETE instead
        # of loading the rows to compare them.
        ctx.session.connection().execute(_DROP_WAITING, {"instance_id": instance.id})
        return
    rows = list(
        ctx.session.scalars(
            select(Timer).where(Timer.instance_id == instance.id, Timer.kind == "instance")
        )
    )
    wanted = {(t.element_id, t.due_at) for t in waiting} if instance.state == "running" else set()
    kept = set()
    for row in rows:
        if row.state != "waiting":
            continue  # failed timers stay visible to administrators
        key = (row.element_id, as_utc(row.due_at))
        if key in wanted and key not in kept:
            kept.add(key)
        else:
            ctx.session.delete(row)
    for element_id, due_at in wanted - kept:
        ctx.session.add(
            Timer(
                kind="instance",
                instance_id=instance.id,
                process_version_id=instance.process_version_id,
                process_id=instance.process_id,
                element_id=element_id,
                due_at=due_at,
            )
        )


_timers = Timer.__table__
# Failed timers stay visible to administrators: only waiting ones go.
_DROP_WAITING = delete(_timers).where(
    _timers.c.instance_id == bindparam("instance_id"),
    _timers.c.kind == "instance",
    _timers.c.state == "waiting",
)


def schedule_start_timers(ctx: Context, version: ProcessVersion, start_timers, now) -> None:
    """Replace the start-timer schedule of a process with the new version's.

    `start_timers` lists (element_id, kind, expression) of its timer start events.
    """
    ctx.session.execute(
        delete(Timer).where(Timer.kind == "start", Timer.process_id == version.process_id)
    )
    for element_id, kind, expression in start_timers:
        value = ctx.script_engine.environment.evaluate(expression, {})
        cycles, interval = None, None
        if kind == "timeCycle":
            cycles, due, interval, _ = parse_cycle(str(value), now)
        else:
            due = due_from_value(value, now)
        ctx.session.add(
            Timer(
                kind="start",
                process_version_id=version.id,
                process_id=version.process_id,
                element_id=element_id,
                due_at=due,
                cycles_left=cycles,
                interval=interval,
            )
        )


def claim_due_timer(ctx: Context, now, skip: set[int], *, postgres: bool) -> Timer | None:
    """The next due timer nobody else is firing (locked until this transaction ends)."""
    query = (
        select(Timer)
        .where(Timer.state == "waiting", Timer.due_at <= now)
        .order_by(Timer.due_at, Timer.id)
        .limit(1)
    )
    if skip:
        query = query.where(Timer.id.not_in(skip))
    if postgres:
        query = query.with_for_update(skip_locked=True)
    return ctx.session.scalar(query)


def lock_instance(ctx: Context, instance_id: int, *, postgres: bool) -> Instance | None:
    query = select(Instance).where(Instance.id == instance_id)
    if postgres:
        query = query.with_for_update(skip_locked=True)
    return ctx.session.scalar(query)


@dataclass
class FireOutcome:
    timer_id: int
    instance_id: int | None
    fired: bool
    error: str | None = None


def record_failure(ctx: Context, timer_id: int, instance_id: int | None, message: str, element_id):
    """After a failed firing (rolled back): count the attempt, back off, flag the instance."""
    now = ctx.now()
    timer = ctx.session.get(Timer, timer_id)
    if timer is None:
        return
    timer.attempts += 1
    timer.last_error = message
    if timer.attempts >= MAX_ATTEMPTS:
        timer.state = "failed"
    else:
        timer.due_at = now + FIRST_RETRY * (2 ** (timer.attempts - 1))
    instance = ctx.session.get(Instance, instance_id) if instance_id else None
    if instance is not None:
        instance.state = "error"
        instance.error_message = message
        instance.error_element_id = element_id or timer.element_id
        instance.updated_at = now
    audit.record(
        ctx.session,
        "error",
        at=now,
        instance_id=instance_id,
        process_id=timer.process_id,
        element_id=element_id or timer.element_id,
        details={"message": message, "timer_attempts": timer.attempts, "timer_state": timer.state},
    )


def advance_start_timer(timer: Timer, now) -> bool:
    """Move a cyclic start timer to its next due time; False when it has no more cycles."""
    if timer.cycles_left is None or not timer.interval:
        return False
    if timer.cycles_left > 0:
        timer.cycles_left -= 1
    if timer.cycles_left == 0:
        return False
    due = as_utc(timer.due_at)
    while due <= now:
        due = add_iso_duration(due, timer.interval)
    timer.due_at = due
    timer.attempts = 0
    timer.last_error = None
    return True


def list_timers(session, *, state: str | None = None, instance_id: int | None = None):
    query = select(Timer).order_by(Timer.due_at, Timer.id)
    if state:
        query = query.where(Timer.state == state)
    if instance_id is not None:
        query = query.where(Timer.instance_id == instance_id)
    return [
        TimerRecord(
            r.id,
            r.kind,
            r.instance_id,
            r.process_id,
            r.element_id,
            as_utc(r.due_at),
            r.state,
            r.attempts,
            r.last_error,
        )
        for r in session.scalars(query)
    ]
