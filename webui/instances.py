"""Process instances: the list a user may see, and one instance's page with its diagram
(completed elements and waiting tasks marked), history and data.

Visibility is the engine's: `list_instances(username=...)` filters, and `get_instance`
says "not found" for an instance of another school.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_required

from webui import current, timers
from webui.assets import missing_bundle
from webui.diagram import element_names
from webui.layout import page_count, page_number

bp = Blueprint("instances", __name__, url_prefix="/instances")

STATES = ("running", "completed", "error", "cancelled")


@bp.get("")
@login_required
def index():
    state = request.args.get("state", "")
    process_id = request.args.get("process", "")
    page = page_number(request.args)
    args = {"state": state, "process": process_id}
    args = {key: value for key, value in args.items() if value}
    scope = {
        "username": current.username(),
        "state": state if state in STATES else None,
        "process_id": process_id or None,
    }
    page_size = current_app.config["PAGE_SIZE"]
    total = current.service().count_instances(**scope)
    pages = page_count(total, page_size)
    if page > pages:
        return redirect(url_for("instances.index", **args, page=pages))
    instances = current.service().list_instances(
        **scope, limit=page_size, offset=(page - 1) * page_size
    )
    processes = current.service().list_processes()
    return render_template(
        "instances/index.html",
        instances=instances,
        total=total,
        first=(page - 1) * page_size + 1,
        page=page,
        pages=pages,
        args=args,
        states=STATES,
        state=state,
        process_id=process_id,
        processes=processes,
        process_names={p.process_id: p.name for p in processes},
        school_names=current.school_names(),
    )


def may_open(task) -> bool:
    """Whether to link an open task: the user could work it, or is HR/admin.

    A guess for the link only; the task page asks the engine again.
    """
    user = current.username()
    if user == task.assignee or user in task.candidate_users:
        return True
    return current.has_role("hr", "admin", *task.candidate_roles)


def started_from(instance) -> int | None:
    """The instance whose message started this one, if a message did (its history says)."""
    for event in instance.history:
        if event.type == "started":
            return event.details.get("started_from_instance")
    return None


@bp.get("/<int:instance_id>")
@login_required
def detail(instance_id: int):
    service = current.service()
    instance = service.get_instance(instance_id, username=current.username())
    diagram = service.get_instance_diagram(instance_id, username=current.username())
    names = element_names(diagram.bpmn_xml)
    return render_template(
        "instances/detail.html",
        instance=instance,
        diagram=diagram,
        names=names,
        active_names=[names.get(i, i) for i in diagram.active_element_ids],
        process_name=current.process_names().get(instance.process_id, instance.process_id),
        school_names=current.school_names(),
        role_names=current.role_names(),
        may_open=may_open,
        timers=timers.for_instance(instance_id),
        started_from=started_from(instance),
        bundle_problem=missing_bundle("instance-diagram"),
    )
