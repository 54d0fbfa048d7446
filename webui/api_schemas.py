"""JSON schemas of the API's answers: the engine records' `to_dict()` shapes
(engine/records.py), in OpenAPI 3.0 form, for webui/openapi.py."""

from __future__ import annotations

STRING = {"type": "string"}
NULLABLE_STRING = {"type": "string", "nullable": True}
WHEN = {"type": "string", "format": "date-time"}
NULLABLE_WHEN = {"type": "string", "format": "date-time", "nullable": True}
STRINGS = {"type": "array", "items": STRING}


def ref(name: str) -> dict:
    """A reference to one of SCHEMAS."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str], properties: dict, **extra) -> dict:
    """An object schema; `extra` adds keywords such as `nullable`."""
    return {"type": "object", "required": required, "properties": properties, **extra}


def all_required(properties: dict, **extra) -> dict:
    """An object whose every property is always present (as in every to_dict())."""
    return obj(list(properties), properties, **extra)


TASK = {
    "id": STRING,
    "instance_id": {"type": "integer"},
    "process_id": STRING,
    "element_id": STRING,
    "name": STRING,
    "lane": NULLABLE_STRING,
    "role": NULLABLE_STRING,
    "candidate_roles": STRINGS,
    "candidate_users": STRINGS,
    "assignee": NULLABLE_STRING,
    "school_id": NULLABLE_STRING,
    "subject": NULLABLE_STRING,
    "state": {"type": "string", "enum": ["ready", "completed", "cancelled"]},
    "created_at": WHEN,
    "due_at": NULLABLE_WHEN,
    "completed_at": NULLABLE_WHEN,
    "completed_by": NULLABLE_STRING,
}

SCHEMAS = {
    "Error": obj(
        ["error", "status"],
        {
            "error": STRING,
            "status": {"type": "integer"},
            "fields": {
                "type": "object",
                "additionalProperties": STRING,
                "description": "refused form data: field id → why",
            },
        },
    ),
    "User": all_required(
        {
            "username": STRING,
            "display_name": STRING,
            "roles": STRINGS,
            "schools": STRINGS,
            "active": {"type": "boolean"},
            "email": NULLABLE_STRING,
        }
    ),
    "FormField": all_required(
        {
            "id": STRING,
            "label": STRING,
            "type": {"type": "string", "enum": ["string", "long", "boolean", "date", "enum"]},
            "required": {"type": "boolean"},
            "readonly": {"type": "boolean"},
            "default": {"nullable": True},
            "constraints": {
                "type": "object",
                "description": "only the limits that are set: min, max (long: integer, "
                "date: YYYY-MM-DD), minlength, maxlength (string)",
            },
            "options": {"type": "array", "items": all_required({"id": STRING, "label": STRING})},
            "help": NULLABLE_STRING,
            "multiline": {"type": "boolean"},
            "properties": {"type": "object", "additionalProperties": STRING},
        }
    ),
    "Task": all_required(TASK),
    "TaskWithForm": all_required(
        {
            **TASK,
            "documentation": NULLABLE_STRING,
            "form": {"type": "array", "items": ref("FormField")},
            "data": {"type": "object", "description": "the instance's variables"},
        }
    ),
    "TaskList": all_required(
        {
            "items": {"type": "array", "items": ref("Task")},
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
            "view": STRING,
        }
    ),
    "InstanceList": all_required(
        {
            "items": {"type": "array", "items": ref("Instance")},
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        }
    ),
    "Process": all_required(
        {
            "process_id": STRING,
            "version": {"type": "integer"},
            "name": STRING,
            "deployed_at": WHEN,
            "starter_roles": STRINGS,
            "start_form": {"type": "array", "items": ref("FormField")},
        }
    ),
    "HistoryEvent": all_required(
        {
            "type": STRING,
            "at": WHEN,
            "user": NULLABLE_STRING,
            "element_id": NULLABLE_STRING,
            "task_id": NULLABLE_STRING,
            "details": {"type": "object"},
        }
    ),
    "Instance": all_required(
        {
            "id": {"type": "integer"},
            "process_id": STRING,
            "version": {"type": "integer"},
            "state": {"type": "string", "enum": ["running", "completed", "error", "cancelled"]},
            "school_id": NULLABLE_STRING,
            "subject": NULLABLE_STRING,
            "business_key": NULLABLE_STRING,
            "data": {"type": "object"},
            "started_by": NULLABLE_STRING,
            "started_at": WHEN,
            "ended_at": NULLABLE_WHEN,
            "error": {
                "nullable": True,
                **all_required({"message": STRING, "element_id": NULLABLE_STRING}),
            },
            "open_tasks": {"type": "array", "items": ref("Task")},
            "history": {"type": "array", "items": ref("HistoryEvent")},
        }
    ),
    "Notification": all_required(
        {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": ["assigned", "due_soon", "overdue", "escalated"]},
            "subject": STRING,
            "body": STRING,
            "task_id": NULLABLE_STRING,
            "instance_id": {"type": "integer", "nullable": True},
            "created_at": WHEN,
            "delivered_at": {**NULLABLE_WHEN, "description": "sent by e-mail (or logged)"},
            "read_at": {**NULLABLE_WHEN, "description": "null while unread"},
        }
    ),
    "InstanceDiagram": all_required(
        {
            "instance_id": {"type": "integer"},
            "process_id": STRING,
            "version": {"type": "integer"},
            "bpmn_xml": STRING,
            "completed_element_ids": STRINGS,
            "active_element_ids": STRINGS,
        }
    ),
}
