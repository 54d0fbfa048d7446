"""Run one workflow: start it, complete a user task, run engine steps, describe what waits.

The rest of the engine never touches SpiffWorkflow objects: it gets plain `UserTaskInfo`
records and a `RunFailure` instead of library exceptions.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import serializer
from engine.bpmn.json_copy import json_copy
from engine.bpmn.parser import EXTENSION_PREFIX
from engine.bpmn.timers import CycleTimerEventDefinition, TimerBase, add_iso_duration
from engine.bpmn.workflow import BpmnWorkflow, completed_frontier
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
    task: object = field(repr=False, compare=False, default=None)  # the task it describes


# A user task spec's (element id, name, camunda:* attributes), worked out once per spec:
# specs never change, and every ready task of every instance asks again.
_USER_TASK_SPECS: WeakKeyDictionary = WeakKeyDictionary()


def _user_task_spec(spec) -> tuple[str, str, dict[str, str]]:
    found = _USER_TASK_SPECS.get(spec)
    if found is None:
        extensions = getattr(spec, "extensions", None) or {}
        assignment = {
            key[len(EXTENSION_PREFIX) :]: value
            for key, value in extensions.items()
            if key.startswith(EXTENSION_PREFIX)
        }
        name = spec.bpmn_name or spec.bpmn_id or spec.name
        found = _USER_TASK_SPECS[spec] = (spec.bpmn_id or spec.name, name, assignment)
    return found


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


@dataclass(frozen=True)
class TimerInfo:
    """A timer event waiting in a workflow, with the time it is due."""

    element_id: str
    due_at: datetime


def _timer_due(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if isinstance(value, dict):
        value = value.get("next") if value.get("cycles", 0) != 0 else None
    if not value:
        return None
    try:
        return TimerBase.get_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _is_timer(task_spec) -> bool:
    return isinstance(getattr(task_spec, "event_definition", None), TimerBase)


def due_from_value(value, now: datetime) -> datetime | None:
    """An ISO duration ('P14D') from now, or an ISO date/datetime; None if empty."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if text.upper().startswith("P"):
        return add_iso_duration(now, text)
    try:
        return TimerBase.get_datetime(text)
    except ValueError:
        raise RunFailure(f"due date {text!r} is neither an ISO date nor a duration", None) from None


MAX_TASK_NAME = 200  # the tasks.name column
LABEL_KEYS = ("name", "title", "label")


def _label(item) -> str | None:
    """A short text naming a multi-instance item, if it has one."""
    if isinstance(item, dict):
        keys = [*LABEL_KEYS, *(key for key in item if str(key).endswith("_name"))]
        named = next((item[key] for key in keys if _plain(item.get(key))), None)
        if named is None and len(item) == 1:
            named = next(iter(item.values()))
        item = named
    if not _plain(item):
        return None
    return str(item).strip() or None


def _plain(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


class WorkflowRun:
    """A loaded workflow plus the script engine it must run with."""

    def __init__(self, workflow: BpmnWorkflow, script_engine, *, new: bool = False):
        self.workflow = workflow
        # Deserialization brings back SpiffWorkflow's unsandboxed default: always replace it.
        # (sub-workflows read the top workflow's engine)
        self.workflow.script_engine = script_engine
        # Tasks whose state changed at or after this time (time.time(), as SpiffWorkflow
        # stamps them) are the ones this step touched: only they need settling and a depth.
        self._since = 0.0 if new else time.time()
        self._data: dict | None = None
        self._plain_data: dict | None = None
        # What the last persisted step wrote to the timer and task tables (None: not
        # known, as after a load): lets the next step skip queries that would find it.
        self.persisted_timers: list | None = [] if new else None
        self.persisted_ready: set | None = set() if new else None
        self.persisted_scope: tuple | None = None
        self._saved_events: list = list(workflow.bpmn_events)
        self._fragments: dict = {}  # JSON of tasks that did not move, for the next save

    def task_count(self) -> int:
        """How many tasks this run holds in memory (what keeping it costs)."""
        return len(self.workflow.tasks) + sum(
            len(sub.tasks) for sub in self.workflow.subprocesses.values()
        )

    def reuse(self, script_engine) -> WorkflowRun:
        """Make this run, kept in memory since it was saved, ready for the next step: the
        same state a load of its saved JSON would give (which includes the thrown events
        that were saved with it)."""
        self.workflow.script_engine = script_engine
        self.workflow.bpmn_events = list(self._saved_events)
        self._forget_data()
        return self

    @classmethod
    def start(cls, spec_json: str, data: dict, script_engine, specs=None) -> WorkflowRun:
        """A new workflow of the given version with its initial data on the root task;
        `specs` are the version's shared spec objects, if it has them."""
        spec, subprocess_specs = specs or serializer.specs_from_json(spec_json)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        workflow.task_tree.set_data(**json_copy(data))
        return cls(workflow, script_engine, new=True)

    @classmethod
    def load(cls, state: str, spec_json: str, script_engine, specs=None, chunks=()) -> WorkflowRun:
        """The workflow saved as `state` and the `chunks` of its frozen tasks (in order)."""
        workflow = serializer.workflow_from_json(state, spec_json, specs, chunks)
        return cls(workflow, script_engine)

    @property
    def frozen_tasks(self) -> int:
        """How many of its tasks the stored chunks hold (see `save`)."""
        return self.workflow.frozen_tasks

    def save(self) -> serializer.SavedState:
        """The workflow's state to store: its row and any new chunk of finished tasks
        (decision 0010). Afterwards this object equals what loading them would give."""
        settled_at = time.time()
        first_changed = serializer.settle(self.workflow, self._since)
        saved = serializer.save_state(self.workflow, self._fragments, self._since, first_changed)
        self._since = settled_at
        self._saved_events = list(self.workflow.bpmn_events)
        return saved

    def run_engine_steps(self) -> None:
        """Run scripts, gateways and service steps until only people (or time) can go on."""
        self._forget_data()
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
        self._forget_data()
        task.set_data(**json_copy(values))
        try:
            task.run()
        except (SpiffWorkflowException, ScriptError) as error:
            raise _failure_from(error) from None
        self.run_engine_steps()

    def find_task(self, task_id: str):
        """The task with this id, in the workflow or one of its sub-processes; None if
        there is none (the library would raise, and a step should say "reload")."""
        try:
            key = uuid.UUID(str(task_id))
        except ValueError:
            return None
        task = self.workflow.tasks.get(key)
        if task is None:
            for subprocess in self.workflow.subprocesses.values():
                task = subprocess.tasks.get(key)
                if task is not None:
                    break
        return task

    def ready_user_tasks(self) -> list[UserTaskInfo]:
        tasks = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        return [self._describe(task) for task in tasks]

    def ready_user_task_ids(self) -> set[str]:
        return {
            str(task.id) for task in self.workflow.get_tasks(state=TaskState.READY, manual=True)
        }

    def _describe(self, task) -> UserTaskInfo:
        spec = task.task_spec
        element_id, name, assignment = _user_task_spec(spec)
        item = self._item_label(task)
        return UserTaskInfo(
            id=str(task.id),
            element_id=element_id,
            name=f"{name}: {item}"[:MAX_TASK_NAME] if item else name,
            lane=spec.lane,
            documentation=getattr(spec, "documentation", None),
            assignment=assignment,
            form=getattr(spec, "form", None),
            data=task.data,
            task=task,
        )

    def _item_label(self, task) -> str | None:
        """What a task made once per item of a multi-instance is about (so the inbox can
        tell one course's task from the next): the item's name, title or label, its first
        `*_name` value, or the item itself if it is one plain value."""
        node = task
        if task.workflow is not self.workflow:  # inside a sub-process: look at its host
            node = self.workflow.get_task_from_id(task.workflow.parent_task_id)
        loop = node.parent.task_spec if node is not None and node.parent else None
        variable = getattr(getattr(loop, "input_item", None), "bpmn_id", None)
        return _label(task.data.get(variable)) if variable else None

    def element_states(self) -> tuple[set[str], set[str]]:
        """BPMN ids of elements that ran, and of those that wait now (for diagram marking)."""
        done, active = set(), set()
        # get_tasks() walks into sub-processes too
        for task in self.workflow.get_tasks():
            bpmn_id = task.task_spec.bpmn_id
            if not bpmn_id:
                continue
            if task.state == TaskState.COMPLETED:
                done.add(bpmn_id)
            elif task.state in (
                TaskState.READY,
                TaskState.WAITING,
                TaskState.STARTED,
                TaskState.ERROR,
            ):
                active.add(bpmn_id)
        return done - active, active

    def is_completed(self) -> bool:
        return self.workflow.is_completed()

    def cancel(self) -> None:
        self._forget_data()
        self.workflow.cancel()

    def data(self) -> dict:
        """The process variables as they stand: what the latest finished step of each
        branch left (a parallel branch's results are not on its waiting join yet).

        Kept until the workflow changes: a step asks twice (the audit's changed values and
        the instance row), and the walk grows with the history."""
        if self._data is None:
            self._data = self._merged_data()
        return self._data

    def plain_data(self) -> dict:
        """`data()` as plain JSON values, what the instance row and the audit store (a
        deep copy, made once per change)."""
        if self._plain_data is None:
            self._plain_data = json_copy(self.data(), default=str)
        return self._plain_data

    def _forget_data(self) -> None:
        self._data = self._plain_data = None

    def _merged_data(self) -> dict:
        if self.workflow.is_completed():
            return dict(self.workflow.data)
        frontier = completed_frontier(self.workflow)
        if frontier is None:
            done = TaskState.COMPLETED
            frontier = [
                task
                for task in self.workflow.get_tasks(state=done, skip_subprocesses=True)
                if not any(child.state == done for child in task.children)
            ]
            frontier.sort(key=lambda task: task.last_state_change)
        merged = dict(self.workflow.task_tree.data)
        for task in frontier:
            merged.update(task.data)
        return merged

    def _check_depth(self) -> None:
        """Refuse to go on before SpiffWorkflow's iterators silently lose tasks.

        Only tasks this step touched can have grown deeper; each one's depth comes from its
        parent's, remembered, so a step costs what it added, not the whole history. A tree
        of fewer tasks than the limit cannot be that deep, so most steps look at nothing.
        """
        depths = self.workflow.depths
        for top in [self.workflow, *self.workflow.subprocesses.values()]:
            if len(top.tasks) <= SAFE_TREE_DEPTH:
                continue
            for task in self.workflow.live_tasks() if top is self.workflow else top.tasks.values():
                if task.last_state_change < self._since or task.id in depths:
                    continue
                depth = self.workflow.depth(task)
                if depth >= SAFE_TREE_DEPTH:
                    raise RunFailure(
                        f"this instance repeated a loop too often ({depth} steps in one path);"
                        " model repeating cycles as new instances or call activities",
                        task.task_spec.bpmn_id,
                    )

    def waiting_timers(self) -> list[TimerInfo]:
        found = []
        # get_tasks() walks into sub-processes too
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            if _is_timer(task.task_spec):
                due = _timer_due(task)
                if due is not None:
                    found.append(TimerInfo(task.task_spec.bpmn_id, due))
        return found

    def fire_due_timers(self) -> tuple[list[str], list[str]]:
        """Let every timer whose time has come fire, then run what follows.

        Returns the ids of user tasks that a non-interrupting boundary timer reminded
        about, and of those an interrupting one took away (escalated).
        """
        reminded, escalated = [], []
        # get_tasks() walks into sub-processes too
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            due = _timer_due(task) if _is_timer(task.task_spec) else None
            if due is None or due > self._now() or not task.parent:
                continue
            hosts = [
                str(t.id)
                for t in task.parent.children
                if t is not task and t.task_spec.manual and t.state == TaskState.READY
            ]
            if getattr(task.task_spec, "cancel_activity", True):
                escalated += hosts
            else:
                reminded += hosts
        try:
            self.workflow.refresh_timers()
        except (SpiffWorkflowException, ScriptError) as error:
            raise _failure_from(error) from None
        self.run_engine_steps()
        return reminded, escalated

    def _now(self) -> datetime:
        return self.workflow.script_engine.environment.clock()

    def fire_start_event(self, message_name: str | None = None, payload=None) -> None:
        """Start now: a start event waiting for a timer or a message goes on at once."""
        self.run_engine_steps()
        for task in self.workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if definition is None or not isinstance(task.task_spec, StartEvent):
                continue
            if isinstance(definition, CycleTimerEventDefinition):
                # One cycle now, then done: the schedule lives in the timer table, so an
                # instance never spawns a new path every year.
                now = self._now().isoformat()
                task._set_internal_data(event_value={"cycles": 1, "next": now, "duration": 0.0})
            elif _is_timer(task.task_spec):
                task._set_internal_data(event_fired=True)
            elif hasattr(definition, "result_var"):
                task.internal_data[definition.name] = {
                    "payload": payload or {},
                    "result_var": "start_message",
                }
                task._set_internal_data(event_fired=True)
            task.task_spec._update(task)
        self.run_engine_steps()
        self.workflow.refresh_timers()  # a one-cycle start event now completes
        self.run_engine_steps()

    def thrown_messages(self) -> list[tuple[str, dict]]:
        """Messages thrown by this run that no task of its own caught: (name, payload)."""
        result = []
        for event in self.workflow.get_events():
            definition = event.event_definition
            name = getattr(definition, "name", None)
            payload = event.payload.get("payload") if isinstance(event.payload, dict) else None
            if name:
                result.append((name, payload if isinstance(payload, dict) else {}))
        return result

    def task_due(self, info: UserTaskInfo, now: datetime) -> datetime | None:
        """A ready task's due time: `camunda:dueDate`, else its earliest interrupting
        boundary timer."""
        task = info.task
        due_expression = info.assignment.get("dueDate")
        if due_expression:
            try:
                value = self.workflow.script_engine.evaluate(task, due_expression)
            except (SpiffWorkflowException, ScriptError) as error:
                raise _failure_from(error) from None
            return due_from_value(value, now)
        dues = []
        for sibling in task.parent.children if task.parent else []:
            spec = sibling.task_spec
            if (
                sibling is task
                or not _is_timer(spec)
                or not getattr(spec, "cancel_activity", False)
            ):
                continue
            due = _timer_due(sibling)
            if due is not None:
                dues.append(due)
        return min(dues) if dues else None
