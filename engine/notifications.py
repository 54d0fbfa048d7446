"""The notification outbox: messages to users (assigned, due soon, overdue, escalated),
written in the transaction that caused them and delivered once by the scheduler."""

from __future__ import annotations

import logging
import os
import smtplib
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.assignment import can_work
from engine.clock import as_utc
from engine.db.models import Notification, Role, Task, User, UserRole
from engine.identity import Actor
from engine.records import NotificationRecord

KINDS = ("assigned", "due_soon", "overdue", "escalated")
log = logging.getLogger("sroflow.notifications")


def people_for_task(session: Session, task: Task) -> list[str]:
    """Who should hear about a task: its assignee, else everyone who may claim it."""
    if task.assignee:
        return [task.assignee]
    roles = list(task.candidate_roles or ())
    names = set(task.candidate_users or ())
    if roles:
        scoped = {r.key for r in session.scalars(select(Role).where(Role.school_scoped))}
        users = session.scalars(
            select(User).join(UserRole).where(UserRole.role_key.in_(roles), User.active)
        ).unique()
        for user in users:
            actor = Actor(
                user.username,
                frozenset(r.role_key for r in user.roles),
                frozenset(s.school_id for s in user.schools),
                frozenset(r.role_key for r in user.roles if r.role_key in scoped),
            )
            if can_work(
                actor,
                candidate_roles=roles,
                candidate_users=(),
                assignee=None,
                school_id=task.school_id,
            ):
                names.add(user.username)
    return sorted(names)


def notify_task(session: Session, task: Task, kind: str, now, *, once_per_task: bool) -> int:
    """Queue one message per person for this task; with `once_per_task`, never twice."""
    assert kind in KINDS, kind
    subjects = {
        "assigned": "New task for you: {name}",
        "due_soon": "Reminder: {name} is due soon",
        "overdue": "Overdue: {name}",
        "escalated": "Escalated to you: {name}",
    }
    count = 0
    for username in people_for_task(session, task):
        key = f"{kind}:{task.id}:{username}" if once_per_task else None
        if key and session.scalar(select(Notification.id).where(Notification.dedupe_key == key)):
            continue
        due = f" (due {task.due_at:%Y-%m-%d})" if task.due_at else ""
        subject = subjects[kind].format(name=task.name)
        session.add(
            Notification(
                username=username,
                kind=kind,
                subject=subject[:300],
                body=f"{task.name}{due}: {task.subject or task.process_id}",
                task_id=task.id,
                instance_id=task.instance_id,
                dedupe_key=key,
                created_at=now,
            )
        )
        count += 1
    return count


def scan_overdue(session: Session, now, *, soon) -> int:
    """Queue 'due soon' and 'overdue' messages for ready tasks (each at most once)."""
    count = 0
    query = select(Task).where(Task.state == "ready", Task.due_at.is_not(None), Task.due_at < soon)
    for task in session.scalars(query):
        kind = "overdue" if as_utc(task.due_at) <= now else "due_soon"
        count += notify_task(session, task, kind, now, once_per_task=True)
    return count


def list_for_user(session: Session, username: str, *, unread_only: bool = False, limit=50):
    query = select(Notification).where(Notification.username == username)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(
        session.scalars(
            query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        )
    )


def mark_read(session: Session, username: str, notification_id: int, now) -> None:
    row = session.get(Notification, notification_id)
    if row is not None and row.username == username and row.read_at is None:
        row.read_at = now


def deliver_pending(session: Session, now, *, postgres: bool, batch: int = 100) -> int:
    """Send undelivered messages by SMTP (when SROFLOW_SMTP_HOST is set) or to the log."""
    query = (
        select(Notification)
        .where(Notification.delivered_at.is_(None))
        .order_by(Notification.id)
        .limit(batch)
    )
    if postgres:
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    emails = dict(
        session.execute(
            select(User.username, User.email).where(
                User.username.in_({r.username for r in rows}), User.email.is_not(None)
            )
        ).all()
    )
    for row in rows:
        _send(row, emails.get(row.username))
        row.delivered_at = now
    return len(rows)


def _send(row: Notification, email: str | None) -> None:
    host = os.environ.get("SROFLOW_SMTP_HOST")
    if not host or not email:
        log.info("notify %s [%s] %s", row.username, row.kind, row.subject)
        return
    message = EmailMessage()
    message["From"] = os.environ.get("SROFLOW_SMTP_FROM", "sroflow@localhost")
    message["To"] = email
    message["Subject"] = row.subject
    message.set_content(row.body)
    port = int(os.environ.get("SROFLOW_SMTP_PORT", "25"))
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.send_message(message)


def to_record(row: Notification) -> NotificationRecord:
    return NotificationRecord(
        row.id,
        row.kind,
        row.subject,
        row.body,
        row.task_id,
        row.instance_id,
        as_utc(row.created_at),
        as_utc(row.delivered_at),
        as_utc(row.read_at),
    )
