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
from json.encoder import encode_basestring_ascii

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow as SpiffBpmnWorkflow
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.json_copy import NotPlain, plain_copy
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
    finished task between saves, and of each task not reached yet (see `_parent_names`): a
    save re-encodes only the tasks that are moving.
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
    index of the first top-level task this step changed (from `settle`). If the workflow
    was unfrozen since the last save (to change a finished task: `BpmnWorkflow.unfreeze`,
    which a reset calls), or the prefix lost a task, the prefix is void and the row holds
    all again.
    """
    with _encoder_lock:
        frozen = workflow.frozen_tasks
        if workflow.thawed or (frozen and not _prefix_intact(workflow, frozen, first_changed)):
            workflow.unfreeze()
            workflow.thawed = False
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
    plain_tasks = task_typename in _PLAIN_TASK_TYPENAMES
    texts: list[str] = []

    kept: dict = {}  # this save's reusable texts: what `fragments` holds afterwards
    ids = _id_texts(workflow)

    def task_json(task) -> str:
        """The task's JSON (keyed by the task object: its hash is cheap, a UUID's is not)."""
        names = _parent_names(task)
        cached = fragments.get(task) if fragments is not None else None
        if (
            cached is not None
            and cached[0] == task.last_state_change
            and cached[1] == task.state
            and cached[2] == task.triggered
            and cached[3] == task._children
            and cached[4] == names
        ):
            kept[task] = cached
            return cached[5]
        text = _plain_task_json(task, task_typename, ids) if plain_tasks else None
        if text is None:
            text = f'"{task.id}": ' + _encode(task_to_dict(task))
        if fragments is not None and (task.state in _FINISHED or names is not None):
            kept[task] = (
                task.last_state_change,
                task.state,
                task.triggered,
                list(task._children),
                names,
                text,
            )
        return text

    def placeholder(text: str) -> str:
        texts.append(text)
        return f"\x00{_NONCE}:{len(texts) - 1}\x00"

    plain = not workflow.subprocesses and _is_empty(workflow.bpmn_events, list)
    if not plain:  # sub-process tasks go through the registry, each as a placeholder
        _registry.convert_to_dict[task_typename] = lambda task: placeholder(
            task_json(task).split(": ", 1)[1]
        )
    try:
        typename = _registry.typenames[workflow.__class__]
        remaining = islice(workflow.tasks.values(), first, None)
        split_off = [task_json(task) for task in islice(remaining, split)]
        tasks = "{" + ", ".join(task_json(task) for task in remaining) + "}"
        if plain:
            return _plain_workflow_json(workflow, typename, tasks), split_off
        # The registry wraps each converter's to_dict: partial(_obj_to_dict, typename, to_dict)
        converter = _registry.convert_to_dict[typename].args[1].__self__
        # What BpmnWorkflowConverter.to_dict writes (WorkflowConverter's part first), in its
        # order, less the spec: stored once per version, and expensive to convert each save.
        dct = {
            "data": _registry.convert(_registry.clean(workflow.data)),
            "correlations": workflow.correlations,
            "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
            "success": workflow.success,
            "completed": workflow.completed,
            "tasks": placeholder(tasks),
            "root": str(workflow.task_tree.id),
            "subprocesses": converter.mapping_to_dict(workflow.subprocesses),
            "bpmn_events": _registry.convert(workflow.bpmn_events),
            "typename": typename,
            _serializer.VERSION_KEY: _serializer.VERSION,
        }
        skeleton = _encode(dct)
    finally:
        _registry.convert_to_dict[task_typename] = task_to_dict
        _registry._encoder_mode = False
        _keep(fragments, kept)
    return _PLACEHOLDER.sub(lambda match: texts[int(match.group(1))], skeleton), split_off


def _keep(fragments: dict | None, kept: dict) -> None:
    """Leave in `fragments` only what this save could reuse: tasks that left the workflow
    (a branch not taken) must not stay alive through it."""
    if fragments is not None:
        fragments.clear()
        fragments.update(kept)


def _parent_names(task) -> tuple | None:
    """For a task not reached yet (no data, no internal data) its JSON depends, besides its
    own fields, only on its parent's variable names: its delta deletes them all. None for
    any other task: an unfinished one with data is encoded every time, and a finished one's
    data is settled."""
    if task.data or task.internal_data or task.state in _FINISHED:
        return None
    parent = task.parent
    return tuple(parent.data) if parent is not None else None


# One encoder for every save: `json.dumps(value, cls=...)` builds one per call, and that is
# a good part of the cost of a small value. Its output is the same.
_encode = _serializer._encoder_cls().encode
_EMPTY_DELTA = '{"updates": {}, "deletions": []}'
# Tasks whose converter is the library's own, whose output `_plain_task_json` writes itself.
# (The registry wraps each converter's to_dict: partial(_obj_to_dict, typename, to_dict).)
_PLAIN_TASK_TYPENAMES = frozenset(
    typename
    for typename, to_dict in _registry.convert_to_dict.items()
    if type(getattr(to_dict.args[1], "__self__", None)) is TaskConverter
)


def _is_empty(value, kind) -> bool:
    return type(value) is kind and not value


def _json_of(value) -> str:
    """What the encoder writes for `value`, without calling it for the common cases."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if _is_empty(value, dict):
        return "{}"
    return _encode(value)


def _id_texts(workflow) -> dict:
    """The workflow's task ids as quoted JSON strings, by UUID: `str(uuid)` costs four
    times a lookup, and a save writes each id two or three times (its task, its parent's
    and children's references). Started again when it holds far more than the tasks."""
    ids = workflow.__dict__.setdefault("_sroflow_id_texts", {})
    if len(ids) > 2 * len(workflow.tasks) + 256:
        ids.clear()
    return ids


def _quoted(ids: dict, value) -> str:
    text = ids.get(value)
    if text is None:
        text = ids[value] = f'"{value}"'
    return text


def _plain_task_json(task, typename: str, ids: dict) -> str | None:
    """What `f'"{id}": ' + json.dumps(TaskConverter.to_dict(task))` writes, byte for byte,
    written directly (the dict, its UUID strings and a new encoder cost twice as much);
    None when a field is not of the type this relies on."""
    changed, state, triggered = task.last_state_change, task.state, task.triggered
    internal, name = task.internal_data, task.task_spec.name
    if not (
        type(changed) is float
        and changed - changed == 0  # finite: the encoder writes NaN and Infinity its way
        and type(state) is int
        and type(triggered) is bool
        and type(internal) is dict
        and type(name) is str
    ):
        return None
    task_id, parent = _quoted(ids, task.id), task.parent
    if parent is None:
        parent_text, data, delta = "null", _json_of(task.data), "{}"
    else:
        parent_text, data = _quoted(ids, task._parent), "{}"
        delta = _delta(parent.data, task.data)
    children = ", ".join([_quoted(ids, child) for child in task._children])
    return (
        f'{task_id}: {{"id": {task_id}, "parent": {parent_text}, '
        f'"children": [{children}], '
        f'"last_state_change": {changed!r}, "state": {state}, '
        f'"task_spec": {_name_json(name)}, "triggered": {_json_of(triggered)}, '
        f'"internal_data": {_json_of(_registry.clean(internal)) if internal else "{}"}, '
        f'"data": {data}, "delta": {delta}, "typename": {_name_json(typename)}}}'
    )


def _delta(parent_data: dict, data: dict) -> str:
    """The task's data as changes to its parent's (what the library stores)."""
    if not data:  # a task not reached yet: it deletes every variable its parent has
        return _deletions(tuple(parent_data)) if parent_data else _EMPTY_DELTA
    updates = DeepMerge.get_updated_keys(parent_data, data)
    deletions = DeepMerge.get_deleted_keys(parent_data, data)
    if updates or deletions:
        return _encode({"updates": updates, "deletions": deletions})
    return _EMPTY_DELTA


_DELETIONS: dict[tuple, str] = {}


def _deletions(names: tuple) -> str:
    """The delta of a task not reached yet, by its parent's variable names: a step writes
    several such tasks under the same few parents, and the names change rarely."""
    text = _DELETIONS.get(names)
    if text is None:
        text = _encode({"updates": {}, "deletions": list(names)})
        # Only names that are all strings: a string equals nothing else, so a hit is exact.
        if all(type(name) is str for name in names):
            if len(_DELETIONS) > 10_000:
                _DELETIONS.clear()
            _DELETIONS[names] = text
    return text


_NAMES: dict[str, str] = {}


def _name_json(name: str) -> str:
    """A task spec's or type's name as JSON (a few dozen names, written on every save)."""
    text = _NAMES.get(name)
    if text is None:
        if len(_NAMES) > 10_000:
            _NAMES.clear()
        text = _NAMES[name] = encode_basestring_ascii(name)
    return text


def _plain_workflow_json(workflow, typename: str, tasks: str) -> str:
    """The workflow part of `_workflow_to_json` for a workflow with no sub-process and no
    pending event, written directly: the same bytes as encoding its dict."""
    last = workflow.last_task
    last_text = "null" if last is None else f'"{last.id}"'
    return (
        f'{{"data": {_json_of(_registry.clean(workflow.data))}, '
        f'"correlations": {_json_of(workflow.correlations)}, '
        f'"last_task": {last_text}, '
        f'"success": {_json_of(workflow.success)}, '
        f'"completed": {_json_of(workflow.completed)}, "tasks": {tasks}, '
        f'"root": "{workflow.task_tree.id}", "subprocesses": {{}}, "bpmn_events": [], '
        f'"typename": {encode_basestring_ascii(typename)}, '
        f"{encode_basestring_ascii(_serializer.VERSION_KEY)}: {_json_of(_serializer.VERSION)}}}"
    )


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


def _settled(value, clean: bool = False):
    """`value` (a task's or workflow's dict) as saving and loading it would give it back;
    `clean`: less its callables and modules at the top, as the registry drops them."""
    if type(value) is dict and not value:  # most tasks a step touches: predicted ones
        return {}
    try:
        return plain_copy(value)
    except NotPlain:
        return _round_trip(_registry.clean(value) if clean else value)


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
        # Frozen tasks do not change: whatever would change one unfreezes first (decision
        # 0010), and walking them was most of a long history's save.
        start = workflow.frozen_tasks if top is workflow else 0
        for index, task in enumerate(islice(top.tasks.values(), start, None), start):
            if task.last_state_change >= since:
                if first_changed is None and top is workflow:
                    first_changed = index
                task.data = _settled(task.data)
                task.internal_data = _settled(task.internal_data, clean=True)
        top.data = _settled(top.data, clean=True)
    return first_changed
