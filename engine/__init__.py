"""sroflow's workflow engine: SpiffWorkflow behind a durable, transactional service.

Import from here only: `EngineService`, its errors, the clocks and the records it returns.
This package never imports Flask (see engine/README.md).
"""

from engine.clock import FixedClock, SystemClock
from engine.errors import (
    ConflictError,
    DeploymentError,
    DeploymentProblem,
    EngineError,
    FormValidationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ScriptError,
)
from engine.forms import FieldOption, FormField
from engine.identity import InvalidInputError
from engine.records import (
    DeployedProcess,
    DeploymentResult,
    HistoryEvent,
    InstanceDiagram,
    InstanceRecord,
    ProcessRecord,
    RoleRecord,
    SchoolRecord,
    TaskPage,
    TaskRecord,
    UserRecord,
)
from engine.service import EngineService

__all__ = [
    "ConflictError",
    "DeployedProcess",
    "DeploymentError",
    "DeploymentProblem",
    "DeploymentResult",
    "EngineError",
    "EngineService",
    "FieldOption",
    "FixedClock",
    "FormField",
    "FormValidationError",
    "HistoryEvent",
    "InstanceDiagram",
    "InstanceRecord",
    "InvalidInputError",
    "InvalidStateError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProcessRecord",
    "RoleRecord",
    "SchoolRecord",
    "ScriptError",
    "SystemClock",
    "TaskPage",
    "TaskRecord",
    "UserRecord",
]
