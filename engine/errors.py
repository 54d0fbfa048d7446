"""The errors the engine's public API raises.

Every error carries a message a person can act on; the web UI and the CLI show it as is.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class NotFoundError(EngineError):
    """The named process, instance, task, user or school does not exist (or is not visible)."""


class PermissionDeniedError(EngineError):
    """The user may not do this (not a candidate, wrong school, missing role)."""


class ConflictError(EngineError):
    """Someone else changed the same instance or task first; reload and try again."""


class InvalidStateError(EngineError):
    """The operation does not fit the current state (e.g. completing a completed task)."""


class DeploymentError(EngineError):
    """A BPMN or DMN file was refused. Nothing of the deployment was stored.

    `problems` lists each finding; `str()` shows all of them, one per line.
    """

    def __init__(self, problems: list[DeploymentProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class DeploymentProblem:
    """One finding in a deployed file: which file, where, and what is wrong."""

    def __init__(
        self,
        file_name: str | None,
        message: str,
        element_id: str | None = None,
        line: int | None = None,
    ):
        self.file_name = file_name
        self.element_id = element_id
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = self.file_name or "<input>"
        if self.line:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"DeploymentProblem({str(self)!r})"

    def to_dict(self) -> dict:
        return {
            "file": self.file_name,
            "line": self.line,
            "element_id": self.element_id,
            "message": self.message,
        }


class FormValidationError(EngineError):
    """Submitted form data was refused; `errors` maps each bad field id to why."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        detail = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        super().__init__(f"Form data refused: {detail}")


class ScriptError(EngineError):
    """A process owner's expression or script failed or was refused by the sandbox."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        super().__init__(message if line is None else f"line {line}: {message}")
