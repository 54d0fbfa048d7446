"""The plain data objects the engine's service returns: no SQLAlchemy, no SpiffWorkflow.

Each has `to_dict()` giving the JSON shape the CLI (`--json`) and the web API publish;
those shapes are contracts (docs/engine.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from engine.forms import FormField


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class UserRecord:
    username: str
    display_name: str
    roles: tuple[str, ...]
    schools: tuple[str, ...]
    active: bool = True
    email: str | None = None

    def to_dict(self) -> dict:
        return {**asdict(self), "roles": list(self.roles), "schools": list(self.schools)}


@dataclass(frozen=True)
class SchoolRecord:
    id: str
    name: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class RoleRecord:
    key: str
    name: str
    school_scoped: bool

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ProcessRecord:
    """One deployed version of a process."""

    process_id: str
    version: int
    name: str
    deployed_at: datetime
    starter_roles: tuple[str, ...] = ()
    start_form: tuple[FormField, ...] = ()

    def to_dict(self) -> dict:
        return {
            "process_id": self.process_id,
            "version": self.version,
            "name": self.name,
            "deployed_at": _iso(self.deployed_at),
            "starter_roles": list(self.starter_roles),
            "start_form": [f.to_dict() for f in self.start_form],
        }


@dataclass(frozen=True)
class DeployedProcess:
    process_id: str
    version: int
    changed: bool

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DeploymentResult:
    deployment_id: int | None
    processes: tuple[DeployedProcess, ...]

    def to_dict(self) -> dict:
        return {
            "deployment_id": self.deployment_id,
            "processes": [p.to_dict() for p in self.processes],
        }


@dataclass(frozen=True)
class TaskRecord:
    id: str
    instance_id: int
    process_id: str
    element_id: str
    name: str
    lane: str | None
    candidate_roles: tuple[str, ...]
    candidate_users: tuple[str, ...]
    assignee: str | None
    school_id: str | None
    subject: str | None
    state: str
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    form: tuple[FormField, ...] = ()
    documentation: str | None = None
    data: dict = field(default_factory=dict)

    @property
    def role(self) -> str | None:
        return self.candidate_roles[0] if self.candidate_roles else None

    def to_dict(self, *, with_form: bool = False) -> dict:
        result = {
            "id": self.id,
            "instance_id": self.instance_id,
            "process_id": self.process_id,
            "element_id": self.element_id,
            "name": self.name,
            "lane": self.lane,
            "role": self.role,
            "candidate_roles": list(self.candidate_roles),
            "candidate_users": list(self.candidate_users),
            "assignee": self.assignee,
            "school_id": self.school_id,
            "subject": self.subject,
            "state": self.state,
            "created_at": _iso(self.created_at),
            "due_at": _iso(self.due_at),
            "completed_at": _iso(self.completed_at),
            "completed_by": self.completed_by,
        }
        if with_form:
            result["documentation"] = self.documentation
            result["form"] = [f.to_dict() for f in self.form]
            result["data"] = self.data
        return result


@dataclass(frozen=True)
class HistoryEvent:
    type: str
    at: datetime
    user: str | None
    element_id: str | None
    task_id: str | None
    details: dict

    def to_dict(self) -> dict:
        return {
            "type": self.type,
            "at": _iso(self.at),
            "user": self.user,
            "element_id": self.element_id,
            "task_id": self.task_id,
            "details": self.details,
        }


@dataclass(frozen=True)
class InstanceRecord:
    id: int
    process_id: str
    version: int
    state: str
    school_id: str | None
    subject: str | None
    data: dict
    started_by: str | None
    started_at: datetime
    ended_at: datetime | None
    error_message: str | None
    error_element_id: str | None
    business_key: str | None = None
    open_tasks: tuple[TaskRecord, ...] = ()
    history: tuple[HistoryEvent, ...] = ()

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "process_id": self.process_id,
            "version": self.version,
            "state": self.state,
            "school_id": self.school_id,
            "subject": self.subject,
            "business_key": self.business_key,
            "data": self.data,
            "started_by": self.started_by,
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "error": (
                {"message": self.error_message, "element_id": self.error_element_id}
                if self.error_message
                else None
            ),
            "open_tasks": [t.to_dict() for t in self.open_tasks],
            "history": [h.to_dict() for h in self.history],
        }


@dataclass(frozen=True)
class InstanceDiagram:
    """What the instance page draws: the version's BPMN XML and which elements to mark."""

    instance_id: int
    process_id: str
    version: int
    bpmn_xml: str
    completed_element_ids: tuple[str, ...]
    active_element_ids: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "instance_id": self.instance_id,
            "process_id": self.process_id,
            "version": self.version,
            "bpmn_xml": self.bpmn_xml,
            "completed_element_ids": list(self.completed_element_ids),
            "active_element_ids": list(self.active_element_ids),
        }


@dataclass(frozen=True)
class NotificationRecord:
    id: int
    kind: str
    subject: str
    body: str
    task_id: str | None
    instance_id: int | None
    created_at: datetime
    delivered_at: datetime | None
    read_at: datetime | None

    def to_dict(self) -> dict:
        return {
            **asdict(self),
            "created_at": _iso(self.created_at),
            "delivered_at": _iso(self.delivered_at),
            "read_at": _iso(self.read_at),
        }


@dataclass(frozen=True)
class TimerRecord:
    id: int
    kind: str
    instance_id: int | None
    process_id: str
    element_id: str
    due_at: datetime
    state: str
    attempts: int
    last_error: str | None

    def to_dict(self) -> dict:
        return {**asdict(self), "due_at": _iso(self.due_at)}


@dataclass(frozen=True)
class TaskPage:
    """One page of a task list and how many tasks match in all (what a pager needs)."""

    tasks: tuple[TaskRecord, ...]
    total: int

    def to_dict(self) -> dict:
        return {"items": [t.to_dict() for t in self.tasks], "total": self.total}
