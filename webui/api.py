"""The JSON API under /api/v1: tasks, processes, instances and notifications, as the
engine's records' `to_dict()` shapes (described in /api/v1/openapi.json and docs/webui.md).

Authentication is the browser session (then CSRF applies: send the token in an
`X-CSRFToken` header) or `Authorization: Bearer <token>` (no CSRF: a cross-site form
cannot send that header). Errors are always JSON: {"error": ..., "status": ...}, plus
"fields" for refused form data.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user

from webui import current
from webui import notifications as notices
from webui.auth import login_manager
from webui.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")

TASK_VIEWS = ("all", "mine", "queue", "completed")
INSTANCE_STATES = ("running", "completed", "error", "cancelled")
MAX_LIMIT = 200
PUBLIC = ("api.openapi",)


@bp.before_request
def _signed_in():
    if request.endpoint not in PUBLIC and not current_user.is_authenticated:
        return login_manager.unauthorized()


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        abort(400, description=f"'{name}' must be a whole number")
    if not low <= value <= high:
        abort(400, description=f"'{name}' must be between {low} and {high}")
    return value


def _json_object(what: str) -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description=f"the request body must be a JSON object ({what})")
    return body


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/me")
def me():
    return jsonify(current.service().get_user(current.username()).to_dict())


@bp.get("/tasks")
def tasks():
    view = request.args.get("view", "all")
    if view not in TASK_VIEWS:
        abort(400, description=f"'view' must be one of: {', '.join(TASK_VIEWS)}")
    limit = _int_arg("limit", 50, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    overdue = request.args.get("overdue", "").lower() in ("1", "true", "yes")
    filters = {
        "process_id": request.args.get("process_id") or None,
        "school_id": request.args.get("school_id") or None,
        "overdue_at": current.now() if overdue else None,
        "search": request.args.get("search") or None,
    }
    page = current.service().task_page(
        username=current.username(), view=view, limit=limit, offset=offset, **filters
    )
    return jsonify(**page.to_dict(), limit=limit, offset=offset, view=view)


@bp.get("/tasks/<task_id>")
def task(task_id: str):
    record = current.service().get_task(task_id, username=current.username())
    return jsonify(record.to_dict(with_form=True))


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str):
    return jsonify(current.service().claim_task(task_id, username=current.username()).to_dict())


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str):
    record = current.service().unclaim_task(task_id, username=current.username())
    return jsonify(record.to_dict())


@bp.post("/tasks/<task_id>/reassign")
def reassign(task_id: str):
    target = _json_object('{"to": "username"}').get("to")
    if not isinstance(target, str) or not target:
        abort(400, description="'to' must name the user to give the task to")
    record = current.service().reassign_task(
        task_id, username=current.username(), to_username=target
    )
    return jsonify(record.to_dict())


@bp.post("/tasks/<task_id>/complete")
def complete(task_id: str):
    data = _json_object("the form data, {field id: value}")
    record = current.service().complete_task(task_id, username=current.username(), data=data)
    return jsonify(record.to_dict())


@bp.get("/processes")
def processes():
    found = current.service().list_startable_processes(current.username())
    return jsonify(items=[p.to_dict() for p in found])


@bp.post("/processes/<process_id>/start")
def start(process_id: str):
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
        abort(400, description='the request body must be {"data": {...}} (or empty)')
    record = current.service().start_instance(
        process_id, username=current.username(), data=body.get("data", {})
    )
    response = jsonify(record.to_dict())
    response.status_code = 201
    response.headers["Location"] = url_for("api.instance", instance_id=record.id)
    return response


@bp.get("/instances")
def instances():
    state = request.args.get("state") or None
    if state is not None and state not in INSTANCE_STATES:
        abort(400, description=f"'state' must be one of: {', '.join(INSTANCE_STATES)}")
    scope = {
        "username": current.username(),
        "state": state,
        "process_id": request.args.get("process_id") or None,
    }
    limit = _int_arg("limit", 100, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    found = current.service().list_instances(**scope, limit=limit, offset=offset)
    return jsonify(
        items=[i.to_dict() for i in found],
        total=current.service().count_instances(**scope),
        limit=limit,
        offset=offset,
    )


@bp.get("/instances/<int:instance_id>")
def instance(instance_id: int):
    record = current.service().get_instance(instance_id, username=current.username())
    return jsonify(record.to_dict())


@bp.get("/instances/<int:instance_id>/diagram")
def instance_diagram(instance_id: int):
    record = current.service().get_instance_diagram(instance_id, username=current.username())
    return jsonify(record.to_dict())


@bp.get("/notifications")
def notifications():
    unread = request.args.get("unread", "").lower() in ("1", "true", "yes")
    found = notices.own(unread_only=unread, limit=_int_arg("limit", 50, 1, MAX_LIMIT))
    return jsonify(items=[n.to_dict() for n in found])


@bp.post("/notifications/<int:notification_id>/read")
def notification_read(notification_id: int):
    record = notices.mark_read(notification_id)
    if record is None:
        abort(404, description=f"you have no notification {notification_id}")
    return jsonify(record.to_dict())
