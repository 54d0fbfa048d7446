"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json.

Schemas (webui/api_schemas.py) follow the engine records' `to_dict()` shapes; a test checks
that every route of the api blueprint is described here and that sample answers fit.
"""

from __future__ import annotations

from functools import cache

from webui.api_schemas import SCHEMAS, STRING, all_required, obj, ref


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    why = {
        400: "malformed request",
        401: "not signed in and no valid token",
        403: "the user's roles do not allow it",
        404: "no such thing, or not visible to this user (e.g. another school's)",
        409: "stale: someone else changed it first, or the state does not allow it",
        422: "form data refused; `fields` says why per field",
    }
    return {str(c): _json(ref("Error"), why[c]) for c in (401, *codes)}


def _param(name: str, where: str, schema: dict, description: str, required=False) -> dict:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


TASK_ID = _param("task_id", "path", STRING, "task id")
INSTANCE_ID = _param("instance_id", "path", {"type": "integer"}, "instance id")
NOTIFICATION_ID = _param("notification_id", "path", {"type": "integer"}, "notification id")
PROCESS_ID = _param("process_id", "path", STRING, "process id (latest version is started)")


def _operation(summary: str, status: int, schema: dict, description: str, **options) -> dict:
    """One operation: `params`, `errors` (status codes besides 401) and `body` optional."""
    operation = {
        "summary": summary,
        "parameters": list(options.get("params", ())),
        "responses": {
            str(status): _json(schema, description),
            **_errors(*options.get("errors", ())),
        },
    }
    if "body" in options:
        required, content = options["body"]
        operation["requestBody"] = {"required": required, "content": {"application/json": content}}
    return operation


def _task_action(summary: str, body: dict | None = None, errors=(403, 404, 409)) -> dict:
    options = {"params": [TASK_ID], "errors": errors}
    if body is not None:
        options["body"] = (True, body)
    return {"post": _operation(summary, 200, ref("Task"), "the task afterwards", **options)}


def _items(name: str) -> dict:
    return all_required({"items": {"type": "array", "items": ref(name)}})


def _paths() -> dict:
    limit = {"type": "integer", "minimum": 1, "maximum": 200}
    task_filters = [
        _param(
            "view",
            "query",
            {"type": "string", "enum": ["all", "mine", "queue", "completed"], "default": "all"},
            "mine: claimed by me; queue: unclaimed that I may work; all: both; "
            "completed: completed by me",
        ),
        _param("process_id", "query", STRING, "only this process"),
        _param("school_id", "query", STRING, "only this school"),
        _param("overdue", "query", {"type": "boolean"}, "only tasks due before now"),
        _param("search", "query", STRING, "text in the subject (case-insensitive)"),
        _param("limit", "query", limit, "page size (default 50)"),
        _param("offset", "query", {"type": "integer", "minimum": 0}, "items to skip"),
    ]
    instance_filters = [
        _param("state", "query", SCHEMAS["Instance"]["properties"]["state"], "only this state"),
        _param("process_id", "query", STRING, "only this process"),
        _param("limit", "query", limit, "page size, newest first (default 100)"),
        _param("offset", "query", {"type": "integer", "minimum": 0}, "items to skip"),
    ]
    form_data = {
        "schema": {"type": "object", "description": "form data: {field id: value}"},
        "example": {"recommendation": "recommend"},
    }
    start_body = {
        "schema": obj([], {"data": {"type": "object"}}),
        "example": {"data": {"school_id": "lincoln_high"}},
    }
    reassign_body = {"schema": all_required({"to": STRING}), "example": {"to": "lina"}}
    return {
        "/me": {"get": _operation("The authenticated user", 200, ref("User"), "the user")},
        "/tasks": {
            "get": _operation(
                "Tasks the user may work, or has completed",
                200,
                ref("TaskList"),
                "one page, in the engine's order (due date, then waiting time)",
                params=task_filters,
                errors=(400,),
            )
        },
        "/tasks/{task_id}": {
            "get": _operation(
                "One task with its form and instance data",
                200,
                ref("TaskWithForm"),
                "the task",
                params=[TASK_ID],
                errors=(404,),
            )
        },
        "/tasks/{task_id}/claim": _task_action("Claim a task from the queue"),
        "/tasks/{task_id}/unclaim": _task_action("Put a claimed task back in the queue"),
        "/tasks/{task_id}/reassign": _task_action(
            "Give a task to another user (HR and admins)", reassign_body, (400, 403, 404, 409)
        ),
        "/tasks/{task_id}/complete": _task_action(
            "Submit the task's form and complete it", form_data, (400, 403, 404, 409, 422)
        ),
        "/processes": {
            "get": _operation(
                "Processes the user may start", 200, _items("Process"), "latest versions"
            )
        },
        "/processes/{process_id}/start": {
            "post": _operation(
                "Start the latest version of a process",
                201,
                ref("Instance"),
                "the new instance (its state is `error` if a script failed)",
                params=[PROCESS_ID],
                errors=(400, 403, 404, 422),
                body=(False, start_body),
            )
        },
        "/instances": {
            "get": _operation(
                "Instances the user may see (without history)",
                200,
                ref("InstanceList"),
                "one page of instances, newest first, and how many there are",
                params=instance_filters,
                errors=(400,),
            )
        },
        "/instances/{instance_id}": {
            "get": _operation(
                "One instance with its open tasks and history",
                200,
                ref("Instance"),
                "the instance",
                params=[INSTANCE_ID],
                errors=(404,),
            )
        },
        "/instances/{instance_id}/diagram": {
            "get": _operation(
                "The instance's BPMN XML with completed and waiting elements",
                200,
                ref("InstanceDiagram"),
                "the diagram",
                params=[INSTANCE_ID],
                errors=(404,),
            )
        },
        "/notifications": {
            "get": _operation(
                "The user's notifications (task assigned, due soon, overdue, escalated)",
                200,
                _items("Notification"),
                "notifications, newest first",
                params=[
                    _param("unread", "query", {"type": "boolean"}, "only unread ones"),
                    _param("limit", "query", limit, "at most this many (default 50)"),
                ],
                errors=(400,),
            )
        },
        "/notifications/{notification_id}/read": {
            "post": _operation(
                "Mark one of the user's notifications read (again: no change)",
                200,
                ref("Notification"),
                "the notification afterwards",
                params=[NOTIFICATION_ID],
                errors=(404,),
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document (no authentication needed)",
                "security": [],
                "responses": {"200": {"description": "the OpenAPI document"}},
            }
        },
    }


@cache
def openapi_document() -> dict:
    """The whole document (built once; it does not depend on the request)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "sroflow API",
            "version": "1",
            "description": "Tasks, processes and instances of sroflow. Authenticate with the "
            "browser session (send the CSRF token as X-CSRFToken on POST) or with "
            "`Authorization: Bearer <token>` (a token from the Account page).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "sroflow_session"},
            },
            "schemas": SCHEMAS,
        },
        "paths": _paths(),
    }
