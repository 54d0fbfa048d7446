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
    """The workflow's state without its spec.

    `fragments` (owned by the caller, one dict per live workflow) keeps the JSON of each
    finished task between saves: a finished task does not change, so a save re-encodes only
    the tasks that are still moving, and its cost stops growing with the history. The text
    is the same, byte for byte, as encoding every task again.
    """
    with _encoder_lock:
        return _workflow_to_json(workflow, fragments)


_FINISHED = (TaskState.COMPLETED, TaskState.CANCELLED)
# Stands in for JSON spliced into the encoded skeleton; the nonce keeps task data from ever
# looking like one.
_NONCE = uuid.uuid4().hex
_PLACEHOLDER = re.compile(r'"\\u0000' + _NONCE + r':(\d+)\\u0000"')


def _workflow_to_json(workflow, fragments: dict | None) -> str:
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
        tasks = ", ".join(task_json(task) for task in workflow.tasks.values())
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
    return _PLACEHOLDER.sub(lambda match: texts[int(match.group(1))], skeleton)


def workflow_from_json(state: str, spec_json: str, specs=None):
    """Rebuild a workflow from its state and its version's spec JSON.

    `specs` are that version's (spec, subprocess_specs) objects, built once and shared
    (see `specs_change_while_running`): rebuilding them was two thirds of a load. The
    caller must attach the sandboxed script engine: SpiffWorkflow restores its default.
    """
    dct = json.loads(state)
    if specs is not None and dct.get(_serializer.VERSION_KEY) == _serializer.VERSION:
        return _workflow_from_dict(dct, *specs)
    dct.update(json.loads(spec_json))
    _serializer.migrate(dct)
    return _serializer.from_dict(dct)


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


def settle(workflow, since: float) -> None:
    """Make a live workflow equal to what loading its saved JSON would give.

    SpiffWorkflow copies task data shallowly, so tasks of one step share nested objects, and
    a script may leave a tuple or a set; a loaded workflow has neither. Only tasks that
    changed since `since` (a `time.time()`) can differ, so only they are rewritten: a
    workflow kept in memory between steps then behaves exactly like a reloaded one.
    """
    for top in [workflow, *workflow.subprocesses.values()]:
        for task in top.tasks.values():
            if task.last_state_change >= since:
                task.data = _round_trip(task.data)
                task.internal_data = _round_trip(_registry.clean(task.internal_data))
        top.data = _round_trip(_registry.clean(top.data))
