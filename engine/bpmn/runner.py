"""Run one workflow: start it, complete a user task, run engine steps, describe what waits.

The rest of the engine never touches SpiffWorkflow objects: it gets plain `UserTaskInfo`
records and a `RunFailure` instead of library exceptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import serializer
from engine.bpmn.parser import EXTENSION_PREFIX
from engine.errors import ScriptError

# SpiffWorkflow's task iterators stop at depth 1000 (`max_depth`): past it, tasks vanish and
# `is_completed()` lies. We stop an instance well before that, loudly.
SAFE_TREE_DEPTH = 900


@dataclass(frozen=True)
class UserTaskInfo:
    """A ready user task as the task table needs it."""

    id: str
    element_id: str
    name: str
    lane: str | None
    documentation: str | None
    assignment: dict[str, str]
    form: object  # the spiff Form, read by engine.forms (duck typed)
    data: dict = field(repr=False, default_factory=dict)


class RunFailure(Exception):
    """A script, condition or engine step failed; the workflow is left in error."""

    def __init__(self, message: str, element_id: str | None):
        self.message = message
        self.element_id = element_id
        super().__init__(message)


def _failure_from(error: Exception) -> RunFailure:
    element_id = None
    spec = getattr(error, "task_spec", None)
    if spec is not None:
        element_id = getattr(spec, "bpmn_id", None) or getattr(spec, "name", None)
    cause = error
    while cause is not None and not isinstance(cause, ScriptError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, ScriptError):
        message = str(cause)
    else:
        message = error.args[0] if error.args else repr(error)
        notes = getattr(error, "__notes__", None)
        if notes:
            message = f"{message} ({'; '.join(notes)})"
    return RunFailure(str(message), element_id)


class WorkflowRun:
    """A loaded workflow plus the script engine it must run with."""

    def __init__(self, workflow: BpmnWorkflow, script_engine):
        self.workflow = workflow
        # Deserialization brings back SpiffWorkflow's unsandboxed default: always replace it.
        self.workflow.script_engine = script_engine
        for sub in self.workflow.subprocesses.values():
            sub.script_engine = script_engine

    @classmethod
    def start(cls, spec_json: str, data: dict, script_engine) -> WorkflowRun:
        """A new workflow of the given version with its initial data on the root task."""
        spec, subprocess_specs = serializer.specs_from_json(spec_json)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        workflow.task_tree.set_data(**json.loads(json.dumps(data)))
        return cls(workflow, script_engine)

    @classmethod
    def load(cls, state: str, spec_json: str, script_engine) -> WorkflowRun:
        return cls(serializer.workflow_from_json(state, spec_json), script_engine)

    def save(self) -> str:
        return serializer.workflow_to_json(self.workflow)

    def run_engine_steps(self) -> None:
        """Run scripts, gateways and service steps until only people (or time) can go on."""
        try:
            self.workflow.do_engine_steps()
        except (SpiffWorkflowException, ScriptError) as error:
            raise _failure_from(error) from None
        self._check_depth()

    def complete_user_task(self, task_id: str, values: dict) -> None:
        """Record the form values on a READY user task, run it, then the engine steps.

        `Task.run()` checks nothing itself (it would happily run a FUTURE or COMPLETED
        task), so the state is checked here.
        """
        task = self.find_task(task_id)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise LookupError(task_id)
        task.set_data(**json.loads(json.dumps(values)))
        try:
            task.run()
        except (SpiffWorkflowException, ScriptError) as error:
            raise _failure_from(error) from None
        self.run_engine_steps()

    def find_task(self, task_id: str):
        import uuid

        try:
            return self.workflow.get_task_from_id(uuid.UUID(str(task_id)))
        except (ValueError, KeyError):
            return None

    def ready_user_tasks(self) -> list[UserTaskInfo]:
        tasks = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        return [self._describe(task) for task in tasks]

    def _describe(self, task) -> UserTaskInfo:
        spec = task.task_spec
        extensions = getattr(spec, "extensions", None) or {}
        assignment = {
            key[len(EXTENSION_PREFIX) :]: value
            for key, value in extensions.items()
            if key.startswith(EXTENSION_PREFIX)
        }
        return UserTaskInfo(
            id=str(task.id),
            element_id=spec.bpmn_id or spec.name,
            name=spec.bpmn_name or spec.bpmn_id or spec.name,
            lane=spec.lane,
            documentation=getattr(spec, "documentation", None),
            assignment=assignment,
            form=getattr(spec, "form", None),
            data=task.data,
        )

    def is_completed(self) -> bool:
        return self.workflow.is_completed()

    def cancel(self) -> None:
        self.workflow.cancel()

    def data(self) -> dict:
        """The process variables as they stand: what the latest finished step left."""
        if self.workflow.is_completed():
            return dict(self.workflow.data)
        waiting = self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        if waiting:
            merged: dict = {}
            for task in waiting:
                merged.update(task.data)
            return merged
        last = self.workflow.last_task
        return dict(last.data) if last is not None else dict(self.workflow.task_tree.data)

    def _check_depth(self) -> None:
        """Refuse to go on before SpiffWorkflow's iterators silently lose tasks."""
        for top in [self.workflow, *self.workflow.subprocesses.values()]:
            stack = [(top.task_tree, 0)]
            while stack:
                task, depth = stack.pop()
                if depth >= SAFE_TREE_DEPTH:
                    raise RunFailure(
                        f"this instance repeated a loop too often ({depth} steps in one path);"
                        " model repeating cycles as new instances or call activities",
                        task.task_spec.bpmn_id,
                    )
                stack.extend((child, depth + 1) for child in task.children)
