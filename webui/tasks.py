"""One task: its form, what earlier steps recorded, and claim / unclaim / reassign.

"What earlier steps recorded" lists what people entered at the start and in earlier forms
(from the instance's history), under the labels of the process's forms, leaving out what
this form shows already; everything else the process holds (program defaults, working
variables) stays behind "All process data".

The form comes from `service.get_task(...).form`; completing goes through
`service.complete_task`, whose FormValidationError is shown next to each field with the
typed values kept (HTTP 422). A task of a school the user does not work for is 404.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine import FormValidationError, NotFoundError, TaskRecord, UserRecord
from webui import current
from webui.auth import role_required, safe_next
from webui.diagram import form_fields
from webui.forms import ordered_errors, shown_values, submitted_data
from webui.layout import humanize

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
REASSIGNERS = ("hr", "admin")


def reassign_choices(task: TaskRecord, workers: list[UserRecord]) -> list[UserRecord]:
    """Who else may work the task, to pick from when reassigning."""
    if task.state != "ready" or not current.has_role(*REASSIGNERS):
        return []
    return [user for user in workers if user.username != task.assignee]


def _page(task: TaskRecord, values: dict, errors: dict, status: int = 200):
    workers = current.service().users_who_may_work(task.id)
    candidate = current.username() in {user.username for user in workers}
    page = render_template(
        "tasks/detail.html",
        task=task,
        values=values,
        errors=errors,
        error_list=ordered_errors(task.form, errors),
        candidate=candidate,
        may_edit=candidate
        and task.state == "ready"
        and task.assignee in (None, current.username()),
        reassign_users=reassign_choices(task, workers),
        role_names=current.role_names(),
        process_name=current.process_names().get(task.process_id, task.process_id),
        school_names=current.school_names(),
        earlier=recorded_by_people(task),
        all_data=sorted(task.data.items()),
    )
    return page, status


def recorded_by_people(task: TaskRecord) -> list[tuple[str, str]]:
    """(label, value) of each variable entered at the start or in an earlier form, in the
    order they were first entered, with its current value; not the ones this form shows."""
    service = current.service()
    try:
        instance = service.get_instance(task.instance_id, username=current.username())
    except NotFoundError:
        return []
    keys: dict[str, None] = {}
    for event in instance.history:
        if event.type == "started":
            keys.update(dict.fromkeys(event.details.get("data") or {}))
        elif event.type == "completed":
            keys.update(dict.fromkeys(event.details.get("values") or {}))
    shown = {f.id for f in task.form}
    fields = form_fields(service.get_process_xml(task.process_id, instance.version))
    schools = current.school_names()
    earlier = []
    for key in keys:
        if key in shown or key not in task.data:
            continue
        value = task.data[key]
        text = fields.get(key)
        if key == "school_id" and value in schools:
            value = schools[value]
        elif text is not None and isinstance(value, str) and value in text.options:
            value = text.options[value]
        earlier.append((text.label if text else humanize(key), value))
    return earlier


@bp.route("/<task_id>", methods=("GET", "POST"))
@login_required
def detail(task_id: str):
    service = current.service()
    task = service.get_task(task_id, username=current.username())
    if request.method == "GET":
        return _page(task, shown_values(task.form, task.data), {})
    data = submitted_data(task.form, request.form)
    try:
        done = service.complete_task(task_id, username=current.username(), data=data)
    except FormValidationError as refused:
        return _page(task, shown_values(task.form, task.data, data), refused.errors, 422)
    flash(f"Completed “{done.name}”{_about(done)}.", "success")
    return redirect(url_for("inbox.index", view="mine"))


def _about(task: TaskRecord) -> str:
    """' for <subject>': the instance's, since this very form may have set it."""
    try:
        instance = current.service().get_instance(task.instance_id, username=current.username())
    except NotFoundError:  # the step moved the instance out of this user's sight
        return ""
    return f" for {instance.subject}" if instance.subject else ""


def _back(task_id: str):
    """Where a claim/unclaim/reassign button came from (the inbox), else the task page."""
    if request.form.get("next"):
        return redirect(safe_next(request.form["next"]))
    return redirect(url_for("tasks.detail", task_id=task_id))


@bp.post("/<task_id>/claim")
@login_required
def claim(task_id: str):
    task = current.service().claim_task(task_id, username=current.username())
    flash(f"You claimed “{task.name}”. It is in My tasks now.", "success")
    return _back(task_id)


@bp.post("/<task_id>/unclaim")
@login_required
def unclaim(task_id: str):
    task = current.service().unclaim_task(task_id, username=current.username())
    flash(f"“{task.name}” is back in the queue.", "success")
    return _back(task_id)


@bp.post("/<task_id>/reassign")
@role_required(*REASSIGNERS)
def reassign(task_id: str):
    target = request.form.get("to", "").strip()
    if not target:
        flash("Choose the person to give the task to.", "error")
        return redirect(url_for("tasks.detail", task_id=task_id) + "#reassign")
    task = current.service().reassign_task(task_id, username=current.username(), to_username=target)
    flash(f"“{task.name}” is now assigned to {task.assignee}.", "success")
    return _back(task_id)
