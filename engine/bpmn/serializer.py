"""Save and restore running workflows as JSON, with the process spec stored by reference.

SpiffWorkflow embeds the whole spec (~9 KB) in every serialized instance. We store it once
per process version and splice it back in on load, so an instance row holds only its state.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from copy import deepcopy
from dataclasses import dataclass
from itertools import islice

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow as SpiffBpmnWorkflow
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.parser import CamundaMultiInstance as CAMUNDA_MULTI_INSTANCE
from engine.bpmn.timers import serializer_replacements
from engine.bpmn.workflow import BpmnWorkflow


def _config() -> dict:
    """A copy of the Camunda serializer config with our clock-aware timer classes."""
    config = deepcopy(CAMUNDA_CONFIG)
    replacements = {**serializer_replacements(), SpiffBpmnWorkflow: BpmnWorkflow}
    for library_class, ours in replacements.items():
        config[ours] = config.pop(library_class)
    return config


_registry = BpmnWorkflowSerializer.configure(_config())
_serializer = BpmnWorkflowSerializer(_registry)

SPEC_KEYS = ("spec", "subprocess_specs")
# The registry's encoder mode is one flag shared by every thread (waitress serves several):
# whoever sets it holds this lock until it is cleared again.
_encoder_lock = threading.RLock()


def spec_to_json(spec, subprocess_specs) -> str:
    """The spec part of a serialized workflow, stored once per process version."""
    with _encoder_lock:
        return _spec_to_json(spec, subprocess_specs)


def _spec_to_json(spec, subprocess_specs) -> str:
    _registry._encoder_mode = True
    try:
        dct = {
            "spec": _serializer.to_dict(spec),
            "subprocess_specs": {k: _serializer.to_dict(v) for k, v in subprocess_specs.items()},
        }
        return json.dumps(dct, cls=_serializer._encoder_cls)
    finally:
        _registry._encoder_mode = False


def specs_from_json(text: str):
    """Fresh spec objects from stored JSON."""
    dct = json.loads(text)
    spec = _serializer.from_dict(dct["spec"])
    subprocess_specs = {k: _serializer.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    return spec, subprocess_specs


def specs_change_while_running(spec, subprocess_specs) -> bool:
    """True if running a workflow may rewrite these spec objects, so they must not be
    shared between workflows: SpiffWorkflow's Camunda multi-instance with a
    `loopCardinality` replaces its inputs (and the cardinality) on the spec itself. Every
    other spec is read-only while workflows run."""
    return any(
        isinstance(task_spec, CAMUNDA_MULTI_INSTANCE) and task_spec.cardinality is not None
        for process in [spec, *subprocess_specs.values()]
        for task_spec in process.task_specs.values()
    )


def workflow_to_json(workflow, fragments: dict | None = None) -> str:
    """The workflow's whole state without its spec: what SpiffWorkflow's serializer writes,
    byte for byte, less the spec.

    `fragments` (owned by the caller, one dict per live workflow) keeps the JSON of each
    finished task between saves: a finished task does not change, so a save re-encodes only
    the tasks that are still moving.
    """
    with _encoder_lock:
        return _workflow_to_json(workflow, fragments, 0)[0]


# A save moves finished tasks out of the instance row once this many wait in a row at the
# front of the task dict: fewer, and the extra row would cost more than it saves.
FREEZE_BATCH = 64


@dataclass(frozen=True)
class SavedState:
    """What one save writes (decision 0010).

    `row` is the workflow's JSON less the first `frozen_tasks` tasks of its top-level task
    dict, which are stored in chunks: `new_chunk` (a JSON object of tasks, first task at
    index `chunk_start`) is appended to them; `rewritten` says the stored chunks are void
    (a frozen task changed) and `row` holds every task again.
    """

    row: str
    frozen_tasks: int
    new_chunk: str | None = None
    chunk_start: int = 0
    rewritten: bool = False


def save_state(workflow, fragments: dict, since: float, first_changed: int | None) -> SavedState:
    """The workflow's state split into its row and, when enough finished tasks have
    piled up at the front of the task dict, a new chunk of them.

    The frozen tasks are a prefix of the top-level task dict (its order is creation order,
    so a prefix task's ancestors are in the prefix too and all finished): tasks finished
    before this step (`since`) join it in batches of FREEZE_BATCH. `first_changed` is the
    index of the first top-level task this step changed (from `settle`); if that falls in
    the prefix, or the prefix lost a task, the prefix is void and the row holds all again.
    """
    with _encoder_lock:
        frozen = workflow.frozen_tasks
        if frozen and not _prefix_intact(workflow, frozen, first_changed):
            workflow.unfreeze()
            row, _ = _workflow_to_json(workflow, fragments, 0)
            return SavedState(row=row, frozen_tasks=0, rewritten=True)
        ready_to_freeze = _finished_run(workflow, frozen, since)
        if ready_to_freeze < FREEZE_BATCH:
            row, _ = _workflow_to_json(workflow, fragments, frozen)
            return SavedState(row=row, frozen_tasks=frozen)
        row, texts = _workflow_to_json(workflow, fragments, frozen, ready_to_freeze)
        moved = list(islice(workflow.tasks.values(), frozen, frozen + ready_to_freeze))
        for task in moved:
            fragments.pop(task, None)
        workflow.freeze(frozen + ready_to_freeze, moved[-1].id)
        return SavedState(
            row=row,
            frozen_tasks=frozen + ready_to_freeze,
            new_chunk="{" + ", ".join(texts) + "}",
            chunk_start=frozen,
        )


def _prefix_intact(workflow, frozen: int, first_changed: int | None) -> bool:
    """No frozen task changed, and none left the dict (a removal shifts the keys down:
    the last frozen id would no longer sit at its index)."""
    if first_changed is not None and first_changed < frozen:
        return False
    last = next(islice(workflow.tasks, frozen - 1, None), None)
    return last == workflow.frozen_last


def _finished_run(workflow, start: int, since: float) -> int:
    """How many tasks from index `start` on are finished, and were before this step."""
    count = 0
    for task in islice(workflow.tasks.values(), start, None):
        if task.state not in _FINISHED or task.last_state_change >= since:
            break
        count += 1
    return count


_FINISHED = (TaskState.COMPLETED, TaskState.CANCELLED)
# Stands in for JSON spliced into the encoded skeleton; the nonce keeps task data from ever
# looking like one.
_NONCE = uuid.uuid4().hex
_PLACEHOLDER = re.compile(r'"\\u0000' + _NONCE + r':(\d+)\\u0000"')


def _workflow_to_json(
    workflow, fragments: dict | None, first: int, split: int = 0
) -> tuple[str, list[str]]:
    """The JSON of the workflow with its top-level tasks from index `first` on, less the
    next `split` of them, which come back apart: one `"id": {...}` text each."""
    _registry._encoder_mode = True
    task_typename = _registry.typenames[workflow.task_tree.__class__]
    task_to_dict = _registry.convert_to_dict[task_typename]
    texts: list[str] = []

    def task_json(task) -> str:
        """The task's JSON (keyed by the task object: its hash is cheap, a UUID's is not)."""
        cached = fragments.get(task) if fragments is not None else None
        if (
            cached is not None
            and cached[0] == task.last_state_change
            and cached[1] == task.state
            and cached[2] == task.triggered
            and cached[3] == task._children
        ):
            return cached[4]
        text = f'"{task.id}": ' + json.dumps(task_to_dict(task), cls=_serializer._encoder_cls)
        if fragments is not None and task.state in _FINISHED:
            fragments[task] = (
                task.last_state_change,
                task.state,
                task.triggered,
                list(task._children),
                text,
            )
        return text

    def placeholder(text: str) -> str:
        texts.append(text)
        return f"\x00{_NONCE}:{len(texts) - 1}\x00"

    # Sub-process tasks go through the registry, each as a placeholder.
    _registry.convert_to_dict[task_typename] = lambda task: placeholder(
        task_json(task).split(": ", 1)[1]
    )
    try:
        typename = _registry.typenames[workflow.__class__]
        # The registry wraps each converter's to_dict: partial(_obj_to_dict, typename, to_dict)
        converter = _registry.convert_to_dict[typename].args[1].__self__
        remaining = islice(workflow.tasks.values(), first, None)
        split_off = [task_json(task) for task in islice(remaining, split)]
        tasks = ", ".join(task_json(task) for task in remaining)
        # What BpmnWorkflowConverter.to_dict writes (WorkflowConverter's part first), in its
        # order, less the spec: stored once per version, and expensive to convert each save.
        dct = {
            "data": _registry.convert(_registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": placeholder("{" + tasks + "}"),
            "root": str(workflow.task_tree.id),
            "subprocesses": converter.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": _registry.convert(workflow.bpmn_events),
            "typename": typename,
            _serializer.VERSION_KEY: _serializer.VERSION,
        }
        skeleton = json.dumps(dct, cls=_serializer._encoder_cls)
    finally:
        _registry.convert_to_dict[task_typename] = task_to_dict
        _registry._encoder_mode = False
    return _PLACEHOLDER.sub(lambda match: texts[int(match.group(1))], skeleton), split_off


def workflow_from_json(state: str, spec_json: str, specs=None, chunks=()):
    """Rebuild a workflow from its state and its version's spec JSON.

    `chunks` are the JSON objects of its frozen tasks, in order (see `save_state`): they
    go in front of the tasks in `state`. `specs` are that version's (spec,
    subprocess_specs) objects, built once and shared (see `specs_change_while_running`):
    rebuilding them was two thirds of a load. The caller must attach the sandboxed script
    engine: SpiffWorkflow restores its default.
    """
    dct = json.loads(state)
    frozen, last = 0, None
    if chunks:
        tasks: dict = {}
        for chunk in chunks:
            tasks.update(json.loads(chunk))
        frozen, last = len(tasks), uuid.UUID(next(reversed(tasks)))
        tasks.update(dct["tasks"])
        dct["tasks"] = tasks
    if specs is not None and dct.get(_serializer.VERSION_KEY) == _serializer.VERSION:
        workflow = _workflow_from_dict(dct, *specs)
    else:
        dct.update(json.loads(spec_json))
        _serializer.migrate(dct)
        workflow = _serializer.from_dict(dct)
    if frozen:
        workflow.freeze(frozen, last)
    return workflow


def _workflow_from_dict(dct: dict, spec, subprocess_specs):
    """What BpmnWorkflowConverter.from_dict does, with the spec objects given instead of
    restored from their dicts."""
    typename = dct["typename"]
    converter = _registry.convert_from_dict[typename].args[0].__self__
    workflow = converter.target_class(spec, subprocess_specs, deserializing=True)
    workflow.tasks = converter.mapping_from_dict(dct["tasks"], uuid.UUID, workflow=workflow)
    workflow.task_tree = workflow.tasks.get(uuid.UUID(dct["root"]))
    converter.set_default_attributes(workflow, dct)
    converter.subprocesses_from_dict(dct["subprocesses"], workflow)
    workflow.bpmn_events = _registry.restore(dct.pop("bpmn_events", []))
    return workflow


def _round_trip(value):
    """`value` as saving and loading it would give it back (tuples and sets become lists,
    datetimes stay datetimes, nothing is shared with the original)."""
    with _encoder_lock:
        _registry._encoder_mode = True
        try:
            text = json.dumps(value, cls=_serializer._encoder_cls)
        finally:
            _registry._encoder_mode = False
    # Only values the registry converted (datetimes, UUIDs...) carry a typename to restore.
    return _registry.restore(json.loads(text)) if '"typename"' in text else json.loads(text)


def settle(workflow, since: float) -> int | None:
    """Make a live workflow equal to what loading its saved JSON would give; returns the
    index of the first top-level task that changed (None: none did).

    SpiffWorkflow copies task data shallowly, so tasks of one step share nested objects, and
    a script may leave a tuple or a set; a loaded workflow has neither. Only tasks that
    changed since `since` (a `time.time()`) can differ, so only they are rewritten: a
    workflow kept in memory between steps then behaves exactly like a reloaded one.
    """
    first_changed = None
    for top in [workflow, *workflow.subprocesses.values()]:
        for index, task in enumerate(top.tasks.values()):
            if task.last_state_change >= since:
                if first_changed is None and top is workflow:
                    first_changed = index
                task.data = _round_trip(task.data)
                task.internal_data = _round_trip(_registry.clean(task.internal_data))
        top.data = _round_trip(_registry.clean(top.data))
    return first_changed
