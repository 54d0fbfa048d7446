"""The append-only audit log: every deployment, start, claim, completion, cancel and error.

Details are turned into plain JSON when the event is written, so later changes to shared
objects in task data (SpiffWorkflow 3.2.0 copies data shallowly) cannot rewrite history.
"""

from __future__ import annotations

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from engine.bpmn.json_copy import json_copy
from engine.clock import as_utc
from engine.db.models import AuditEvent
from engine.db.prepared import Prepared
from engine.db.unit import UnitOfWork
from engine.records import HistoryEvent

EVENT_TYPES = (
    "deployed",
    "started",
    "claimed",
    "unclaimed",
    "reassigned",
    "completed",
    "cancelled",
    "timer_fired",
    "error",
    "instance_completed",
    "message_thrown",
)


def record(
    db: Session | UnitOfWork,
    type: str,
    *,
    at,
    username: str | None = None,
    instance_id: int | None = None,
    task_id: str | None = None,
    process_id: str | None = None,
    element_id: str | None = None,
    details: dict | None = None,
) -> None:
    """Append one event (in the caller's transaction).

    Events wait on the unit of work (or session) and go in with one batched INSERT when it
    commits (or when history is read first): an event is never changed after it is
    written, and most steps write two or three, so that saves a round trip each and the
    ORM's bookkeeping.
    """
    assert type in EVENT_TYPES, type
    db.info.setdefault(_PENDING, []).append(
        {
            "at": at,
            "type": type,
            "username": username,
            "instance_id": instance_id,
            "task_id": task_id,
            "process_id": process_id,
            "element_id": element_id,
            "details": json_copy(details or {}, default=str),
        }
    )


_PENDING = "sroflow_audit_pending"
_COLUMNS = ("at", "type", "username", "instance_id", "task_id", "process_id", "element_id")
_INSERT = Prepared(insert(AuditEvent.__table__), keys=(*_COLUMNS, "details"))


def write_pending(db: Session | UnitOfWork) -> None:
    """Insert the events recorded on this unit of work (or session) since its last write,
    in their order. A unit's session shares its `info`, so the two keep one list."""
    pending = db.info.pop(_PENDING, None)
    if pending:
        _INSERT.run_many(db, pending)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def changed_values(before: dict, after: dict) -> dict:
    """{name: [old, new]} for every process variable the step added or changed."""
    changes = {}
    for key, value in after.items():
        if key not in before or before[key] != value:
            changes[key] = [before.get(key), value]
    return changes


def instance_history(session: Session, instance_id: int) -> list[HistoryEvent]:
    write_pending(session)
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.instance_id == instance_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        HistoryEvent(r.type, as_utc(r.at), r.username, r.element_id, r.task_id, r.details or {})
        for r in rows
    ]
