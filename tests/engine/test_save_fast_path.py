"""A save writes exactly what SpiffWorkflow's serializer would, and a workflow kept in
memory after it behaves like one reloaded from it, whichever way (fast or through JSON)
the serializer settles and encodes each task."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from engine.bpmn import serializer
from engine.bpmn.json_copy import json_copy
from engine.bpmn.parser import SourceFile, load_specs, parse_files
from engine.bpmn.runner import WorkflowRun
from engine.bpmn.sandbox import make_script_engine

# A script leaves nested dicts, a tuple, a set and a datetime; a later script mutates the
# nested values; an embedded sub-process and a thrown message take the general path.
# Mutations reach one level down only: a loaded workflow's task shares deeper objects with
# its parent task (SpiffWorkflow's DeepMerge copies one level), which a kept one does not.
SHAPES_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="shapes_definitions"
    targetNamespace="http://sroflow.org/test">
  <bpmn:message id="message_done" name="shapes_done" />
  <bpmn:process id="settle_shapes" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="prepare"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>profile = {"rank": "officer", "tags": ["a"]}
pair = (1, 2)
kinds = {"x"}
when = datetime(2024, 1, 2, 3, 4, 5)
nested = {"k": [1, {"d": 2}], "u": "\u00e9\\"q\\""}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="check">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="mutate"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>profile["rank"] = "sergeant"
nested["u"] = "changed"
del pair</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:subProcess id="inner"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:startEvent id="inner_start"><bpmn:outgoing>i1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:scriptTask id="inner_script">
        <bpmn:incoming>i1</bpmn:incoming><bpmn:outgoing>i2</bpmn:outgoing>
        <bpmn:script>twice = [profile, profile]
shared = nested["k"]
kinds = {"y", "z"}</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:userTask id="inner_task">
        <bpmn:incoming>i2</bpmn:incoming><bpmn:outgoing>i3</bpmn:outgoing>
      </bpmn:userTask>
      <bpmn:scriptTask id="inner_mutate">
        <bpmn:incoming>i3</bpmn:incoming><bpmn:outgoing>i4</bpmn:outgoing>
        <bpmn:script>twice.append("third")
shared.append(when)</bpmn:script>
      </bpmn:scriptTask>
      <bpmn:endEvent id="inner_end"><bpmn:incoming>i4</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="i1" sourceRef="inner_start" targetRef="inner_script" />
      <bpmn:sequenceFlow id="i2" sourceRef="inner_script" targetRef="inner_task" />
      <bpmn:sequenceFlow id="i3" sourceRef="inner_task" targetRef="inner_mutate" />
      <bpmn:sequenceFlow id="i4" sourceRef="inner_mutate" targetRef="inner_end" />
    </bpmn:subProcess>
    <bpmn:intermediateThrowEvent id="announce">
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing>
      <bpmn:messageEventDefinition id="announce_message" messageRef="message_done"
          camunda:expression="{'rank': profile['rank']}" />
    </bpmn:intermediateThrowEvent>
    <bpmn:userTask id="confirm">
      <bpmn:incoming>f6</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="check" />
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="mutate" />
    <bpmn:sequenceFlow id="f4" sourceRef="mutate" targetRef="inner" />
    <bpmn:sequenceFlow id="f5" sourceRef="inner" targetRef="announce" />
    <bpmn:sequenceFlow id="f6" sourceRef="announce" targetRef="confirm" />
    <bpmn:sequenceFlow id="f7" sourceRef="confirm" targetRef="end" />
  </bpmn:process>
  <bpmn:process id="settle_plain" isExecutable="true">
    <bpmn:startEvent id="p_start"><bpmn:outgoing>p1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="p_check">
      <bpmn:incoming>p1</bpmn:incoming><bpmn:outgoing>p2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="p_script">
      <bpmn:incoming>p2</bpmn:incoming><bpmn:outgoing>p3</bpmn:outgoing>
      <bpmn:script>when = datetime(2024, 1, 2)
del note</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="p_confirm">
      <bpmn:incoming>p3</bpmn:incoming><bpmn:outgoing>p4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="p_end"><bpmn:incoming>p4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="p1" sourceRef="p_start" targetRef="p_check" />
    <bpmn:sequenceFlow id="p2" sourceRef="p_check" targetRef="p_script" />
    <bpmn:sequenceFlow id="p3" sourceRef="p_script" targetRef="p_confirm" />
    <bpmn:sequenceFlow id="p4" sourceRef="p_confirm" targetRef="p_end" />
  </bpmn:process>
</bpmn:definitions>
"""
STEPS = [
    ("check", {"note": "ok", "score": 7.5, "items": [{"n": 1}], "flag": None}),
    ("inner_task", {"answer": True, "big": 2**70, "ratio": -0.0}),
    ("confirm", {"note": "done"}),
]


@pytest.fixture(scope="module")
def library():
    return parse_files([SourceFile("settle_shapes.bpmn", SHAPES_XML)])


@pytest.fixture(scope="module")
def spec_json(library) -> str:
    return serializer.spec_to_json(*load_specs(library, "settle_shapes"))


def _library_json(workflow) -> str:
    """What SpiffWorkflow's own serializer writes for the workflow, less its spec."""
    with serializer._encoder_lock:
        dct = json.loads(serializer._serializer.serialize_json(workflow))
    for key in serializer.SPEC_KEYS:
        del dct[key]
    return json.dumps(dct)


def _complete(run: WorkflowRun, element_id: str, values: dict) -> None:
    (task,) = [t for t in run.ready_user_tasks() if t.element_id == element_id]
    run.complete_user_task(task.id, values)


def _snapshot(run: WorkflowRun) -> list:
    """Every task's spec, state, data and internal data, and each workflow's data."""
    tops = [run.workflow, *run.workflow.subprocesses.values()]
    return [
        (
            top.data,
            [(t.task_spec.name, t.state, t.data, t.internal_data) for t in top.tasks.values()],
        )
        for top in tops
    ]


@pytest.mark.parametrize("take_events", [False, True])
def test_every_save_writes_what_the_library_would(spec_json, take_events):
    """Byte for byte, with and without a sub-process or a pending thrown event."""
    run = WorkflowRun.start(spec_json, {"school_id": "lincoln_high"}, make_script_engine())
    run.run_engine_steps()
    rows = [run.save().row]
    assert rows[0] == _library_json(run.workflow)
    for element_id, values in STEPS:
        _complete(run, element_id, values)
        if take_events:
            run.thrown_messages()
        run.is_completed()
        rows.append(run.save().row)
        assert rows[-1] == _library_json(run.workflow)
        assert serializer.workflow_to_json(run.workflow) == rows[-1]
    saved = [json.loads(row) for row in rows]
    assert saved[-1]["completed"] is True
    assert "Task" in serializer._PLAIN_TASK_TYPENAMES  # what was compared was the fast way
    assert any(row["subprocesses"] for row in saved)
    assert any(row["bpmn_events"] for row in saved) is not take_events

    _assert_odd_values_go_the_encoders_way(run)


def test_a_workflow_with_no_sub_process_is_written_as_the_library_would(library):
    """The common case, whose tasks and top are written without building their dicts."""
    spec_json = serializer.spec_to_json(*load_specs(library, "settle_plain"))
    run = WorkflowRun.start(spec_json, {"school_id": "lincoln_high"}, make_script_engine())
    run.run_engine_steps()
    rows = [run.save().row]
    for element_id, values in [("p_check", STEPS[0][1]), ("p_confirm", {})]:
        assert rows[-1] == _library_json(run.workflow)
        _complete(run, element_id, values)
        run.is_completed()
        rows.append(run.save().row)
    assert rows[-1] == _library_json(run.workflow)
    assert json.loads(rows[-1])["completed"] is True
    assert not any(json.loads(row)["subprocesses"] for row in rows)
    _assert_odd_values_go_the_encoders_way(run)


def _assert_odd_values_go_the_encoders_way(run: WorkflowRun) -> None:
    """A task with no valid time (the encoder writes NaN its own way) goes the encoder's way."""
    task = next(iter(run.workflow.tasks.values()))
    for odd in (float("inf"), float("nan"), 17):
        task.last_state_change = odd
        assert serializer.workflow_to_json(run.workflow) == _library_json(run.workflow)


def test_a_kept_workflow_gets_no_value_a_reload_would_not(spec_json):
    """What a step leaves anywhere (task data, internal data, workflow data) is settled."""
    engine = make_script_engine()
    kept = WorkflowRun.start(spec_json, {"school_id": "lincoln_high"}, engine)
    kept.run_engine_steps()
    kept.save()
    _complete(kept, "check", {"note": "ok"})
    (changed, *_) = [t for t in kept.workflow.tasks.values() if t.last_state_change >= kept._since]
    changed.internal_data["odd"] = {"pair": (1, 2)}
    kept.workflow.data["kinds"] = {"x"}
    row = kept.save().row
    reloaded = WorkflowRun.load(row, spec_json, engine)
    assert _snapshot(kept) == _snapshot(reloaded)
    assert changed.internal_data["odd"] == {"pair": [1, 2]}
    assert kept.workflow.data == {"kinds": ["x"]}


def test_a_kept_workflow_equals_one_reloaded_after_every_save(spec_json):
    engine = make_script_engine()
    kept = WorkflowRun.start(spec_json, {"school_id": "lincoln_high"}, engine)
    kept.run_engine_steps()
    row = kept.save().row
    for element_id, values in STEPS:
        reloaded = WorkflowRun.load(row, spec_json, engine)
        assert _snapshot(kept) == _snapshot(reloaded)
        for run in (kept.reuse(engine), reloaded):
            _complete(run, element_id, values)
        row = kept.save().row
        reloaded.save()
        # same values, same types (a tuple is no list), no history rewritten by a script
        assert _snapshot(kept) == _snapshot(reloaded)
    prepared = next(t for t in kept.workflow.tasks.values() if t.task_spec.name == "prepare")
    assert prepared.data["profile"] == {"rank": "officer", "tags": ["a"]}
    assert prepared.data["nested"] == {"k": [1, {"d": 2}], "u": '\u00e9"q"'}
    assert prepared.data["pair"] == [1, 2] and prepared.data["kinds"] == ["x"]
    assert prepared.data["when"] == datetime(2024, 1, 2, 3, 4, 5)


def _containers(value) -> list:
    found = []
    if isinstance(value, dict | list):
        found.append(value)
        for item in value.values() if isinstance(value, dict) else value:
            found += _containers(item)
    return found


SHARED = {"a": 1}
VALUES = [
    {},
    {"s": "t\u00e9\n", "i": -3, "big": 10**30, "f": 1.5, "nan": float("inf"), "b": False},
    {"nested": {"list": [SHARED, SHARED, [1, [2, [3]]]], "none": None}, "again": SHARED},
    {"pair": (1, (2, 3)), "inside": [{"t": ()}]},
    {"set": {3}, "inside": [{1, 2}]},
    {"when": datetime(2024, 5, 6, 7, 8, 9), "deep": [{"at": datetime(2020, 1, 1)}]},
    {1: "int key", "x": {2.5: "float key", None: "none key", True: "bool key"}},
    {"looks_encoded": {"typename": "datetime", "value": "2024-01-02T03:04:05"}},
    {"text": "typename", "typename_like": {"key": "typename"}},
    {"deep": json.loads("[" * 200 + "]" * 200)},
]


@pytest.mark.parametrize("value", VALUES)
def test_settling_a_value_gives_what_a_json_round_trip_gives(value):
    settled = serializer._settled(value)
    expected = serializer._round_trip(value)
    assert settled == expected
    assert json.dumps(settled, default=repr) == json.dumps(expected, default=repr)
    assert repr(settled) == repr(expected)  # same types all the way down
    originals = {id(item) for item in _containers(value)}
    copies = _containers(settled)
    assert not originals & {id(item) for item in copies}  # nothing shared with the original
    assert len({id(item) for item in copies}) == len(copies)  # nor within itself


def test_settling_drops_callables_and_refuses_a_cycle_as_the_round_trip_does():
    assert serializer._settled({"f": len, "x": [1]}, clean=True) == {"x": [1]}
    assert serializer._settled({"x": [len]}, clean=True) == {"x": [None]}
    looped: list = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        serializer._settled({"loop": looped})
    looped_dict: dict = {}
    looped_dict["self"] = looped_dict
    with pytest.raises(ValueError, match="Circular reference"):
        serializer._settled(looped_dict)


@pytest.mark.parametrize("value", [v for v in VALUES if not isinstance(v.get("set"), set)])
def test_form_values_and_process_data_are_copied_as_plain_json(value):
    """`json_copy` (form values, the instance row's data) gives what a JSON round trip
    gives, datetimes written as text."""
    copied = json_copy(value, default=str)
    expected = json.loads(json.dumps(value, default=str))
    assert repr(copied) == repr(expected)
    assert not {id(item) for item in _containers(value)} & {id(c) for c in _containers(copied)}


def test_a_value_json_cannot_write_is_refused_as_before():
    with pytest.raises(TypeError, match="datetime is not JSON serializable"):
        json_copy({"when": [datetime(2024, 1, 1)]})
