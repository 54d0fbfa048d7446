"""The signed-in user's notifications (the engine queues them: a task assigned to you, due
soon, overdue, escalated): the /notifications page, "mark as read" per item and for all,
and the unread count in the navigation. The JSON API (webui/api.py) uses the helpers here.

The engine keeps notifications per user: `list_notifications(username=...)` returns only
that user's, and `mark_notification_read(id, username=...)` changes nothing for an id that
is not theirs, so a guessed id reveals and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import login_required

from engine import EngineError, NotFoundError, PermissionDeniedError
from webui import current
from webui.auth import safe_next

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PAGE_LIMIT = 100
# The badge counts at most this many; beyond, it says "99+".
BADGE_LIMIT = 100
# A notification is found for the API among the user's latest this many.
FIND_LIMIT = 1000
# "Mark all read" works in batches of this size.
BATCH = 200

KIND_LABELS = {
    "assigned": "Assigned to you",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "escalated": "Escalated",
}


def newest_first(records) -> list:
    """Newest first, whatever order the engine returned them in (ties: higher id first)."""
    return sorted(records, key=lambda n: (n.created_at, n.id), reverse=True)


def own(*, unread_only: bool = False, limit: int = PAGE_LIMIT) -> list:
    """The signed-in user's notifications, newest first."""
    found = current.service().list_notifications(
        username=current.username(), unread_only=unread_only, limit=limit
    )
    return newest_first(found)


def find_own(notification_id: int):
    """One of the user's (latest FIND_LIMIT) notifications, or None."""
    found = current.service().list_notifications(username=current.username(), limit=FIND_LIMIT)
    return next((n for n in found if n.id == notification_id), None)


def mark_read(notification_id: int):
    """Mark one of the user's notifications read; the notification afterwards, or None
    when the user has none with that id (then nothing changed)."""
    current.service().mark_notification_read(notification_id, username=current.username())
    return find_own(notification_id)


def mark_all_read() -> int:
    """Mark every unread notification of the user read; how many were marked."""
    service, username = current.service(), current.username()
    marked: set[int] = set()
    while True:
        batch = service.list_notifications(username=username, unread_only=True, limit=BATCH)
        fresh = [n for n in batch if n.id not in marked]
        if not fresh:  # none left (or the engine did not mark them: do not loop forever)
            return len(marked)
        for notification in fresh:
            service.mark_notification_read(notification.id, username=username)
            marked.add(notification.id)


def unread_badge() -> str:
    """The navigation's unread count: '' for none, '99+' beyond 99; once per request."""
    if "unread_badge" not in g:
        try:
            count = len(
                current.service().list_notifications(
                    username=current.username(), unread_only=True, limit=BADGE_LIMIT
                )
            )
        except EngineError:
            count = 0
        g.unread_badge = "" if not count else ("99+" if count >= BADGE_LIMIT else str(count))
    return g.unread_badge


def _tasks_of(notifications) -> dict:
    """{task id: the task, or None when it no longer exists or this user may not see it}."""
    tasks = {}
    for notification in notifications:
        task_id = notification.task_id
        if task_id and task_id not in tasks:
            try:
                tasks[task_id] = current.service().get_task(task_id, username=current.username())
            except (NotFoundError, PermissionDeniedError):
                tasks[task_id] = None
    return tasks


@bp.get("")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    notifications = own(unread_only=unread_only)
    return render_template(
        "notifications/index.html",
        notifications=notifications,
        tasks=_tasks_of(notifications),
        unread_only=unread_only,
        kind_labels=KIND_LABELS,
        limit=PAGE_LIMIT,
    )


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    current.service().mark_notification_read(notification_id, username=current.username())
    return redirect(_back())


@bp.post("/read-all")
@login_required
def read_all():
    count = mark_all_read()
    if count:
        flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
    else:
        flash("There were no unread notifications.", "info")
    return redirect(_back())


def _back() -> str:
    """The optional `next` (a local path, e.g. the page with its filter), else the list."""
    target = request.form.get("next")
    return safe_next(target) if target else url_for("notifications.index")


bp.add_app_template_global(unread_badge, "unread_notifications")
