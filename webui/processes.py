"""Starting a process: the processes this user may start, each with its start form.

A process with a start form gets exactly that form. One without gets a single optional
school picker (`school_id`, the variable the engine scopes tasks by): the engine stores
whatever a formless start is given, so we offer nothing we could not explain.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine import FormValidationError, ProcessRecord
from webui import current
from webui.forms import ordered_errors, shown_values, submitted_data

bp = Blueprint("processes", __name__, url_prefix="/processes")


@bp.get("")
@login_required
def index():
    processes = current.service().list_startable_processes(current.username())
    return render_template("processes/index.html", processes=processes)


def _startable(process_id: str) -> ProcessRecord:
    """The latest version, if this user may start it: 404 if not deployed, else 403."""
    process = current.service().get_process(process_id)
    startable = current.service().list_startable_processes(current.username())
    if process.process_id not in {p.process_id for p in startable}:
        abort(403, description=f"Your roles do not allow starting “{process.name}”.")
    return process


def _school_data(form) -> tuple[dict, dict]:
    """Start data from the school picker, and errors if the choice is not offered."""
    school_id = form.get("school_id", "").strip()
    if not school_id:
        return {}, {}
    if school_id not in {school.id for school in current.visible_schools()}:
        return {"school_id": school_id}, {"school_id": "choose one of the listed schools"}
    return {"school_id": school_id}, {}


def _page(process: ProcessRecord, values: dict, errors: dict, status: int = 200):
    page = render_template(
        "processes/start.html",
        process=process,
        values=values,
        errors=errors,
        error_list=(
            ordered_errors(process.start_form, errors)
            if process.start_form
            else [("school_id", "School", message) for message in errors.values()]
        ),
        schools=current.visible_schools(),
    )
    return page, status


@bp.route("/<process_id>/start", methods=("GET", "POST"))
@login_required
def start(process_id: str):
    process = _startable(process_id)
    if request.method == "GET":
        return _page(process, shown_values(process.start_form, {}), {})
    if process.start_form:
        data, errors = submitted_data(process.start_form, request.form), {}
    else:
        data, errors = _school_data(request.form)
    if errors:
        return _page(process, data, errors, 422)
    try:
        instance = current.service().start_instance(
            process_id, username=current.username(), data=data
        )
    except FormValidationError as refused:
        return _page(process, shown_values(process.start_form, {}, data), refused.errors, 422)
    if instance.state == "error":
        flash(
            f"Started “{process.name}” (instance {instance.id}), but it stopped with an "
            f"error: {instance.error_message}",
            "error",
        )
    else:
        flash(f"Started “{process.name}” (instance {instance.id}).", "success")
    return redirect(url_for("instances.detail", instance_id=instance.id))
