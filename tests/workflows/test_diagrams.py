"""The shipped diagrams deploy, render (diagram interchange for every element, no shapes on
top of each other, lanes as horizontal pools), and follow the modelling conventions of
workflows/README.md: readable ids, one folder per process, lanes named after roles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from lxml import etree

from tests.workflows.driver import WORKFLOWS

ROOT = Path(WORKFLOWS)
BPMN_FILES = sorted(ROOT.rglob("*.bpmn"))
DMN_FILES = sorted(ROOT.rglob("*.dmn"))
PROCESSES = {"mou_review", "sro_evaluation", "sro_probation", "sro_selection", "sro_training"}
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
}
FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "boundaryEvent", "task", "userTask", "scriptTask", "businessRuleTask", "serviceTask",
    "manualTask", "subProcess", "callActivity", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway",
}  # fmt: skip
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
# What bpmn-js and the Camunda Modeler generate: `Activity_0x1y2z3`, `Flow_1abc`, `Gateway_…`
GENERATED = re.compile(
    r"(Activity|Gateway|Event|StartEvent|EndEvent|Flow|SequenceFlow|Lane|Participant|Process"
    r"|Collaboration|Task|DataObject|Definitions|BPMNShape|BPMNEdge)_\w+"
)
by_file = pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)


def tree(path: Path):
    return etree.parse(str(path)).getroot()


def local(element) -> str:
    return etree.QName(element).localname


def flow_nodes(root) -> dict[str, etree._Element]:
    return {
        node.get("id"): node
        for process in root.findall("bpmn:process", NS)
        for node in process.iter()
        if isinstance(node.tag, str) and node.tag.startswith("{" + NS["bpmn"]) and
        local(node) in FLOW_NODES
    }  # fmt: skip


def bounds(shape) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_every_shipped_diagram_deploys(people):
    result = people.deploy_files([WORKFLOWS], deployed_by="pat")

    assert {p.process_id for p in result.processes} == PROCESSES
    assert {p.process_id for p in people.list_processes()} == PROCESSES


@by_file
def test_each_process_has_its_own_folder_and_file_named_after_it(path):
    (process,) = tree(path).findall("bpmn:process", NS)
    assert process.get("isExecutable") == "true"
    assert process.get("id") == path.stem == path.parent.name


def test_each_decision_table_sits_with_the_process_that_uses_it():
    for path in DMN_FILES:
        root = tree(path)
        decision_ids = [d.get("id") for d in root if local(d) == "decision"]
        assert decision_ids == [path.stem], f"{path.name}: one decision named like the file"
        users = [
            p for p in path.parent.glob("*.bpmn")
            if f'camunda:decisionRef="{path.stem}"' in p.read_text()
        ]  # fmt: skip
        assert users, f"{path.name}: no diagram in its folder uses it"


@by_file
def test_every_flow_node_and_sequence_flow_has_diagram_interchange(path):
    root = tree(path)
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    ids = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}

    assert set(flow_nodes(root)) - set(shapes) == set()
    flows = {f.get("id") for f in root.iter(f"{{{NS['bpmn']}}}sequenceFlow")}
    assert flows - set(edges) == set()
    for flow_id in flows:
        assert len(edges[flow_id].findall("di:waypoint", NS)) >= 2, flow_id
    lanes = {lane.get("id") for lane in root.iter(f"{{{NS['bpmn']}}}lane")}
    participants = {p.get("id") for p in root.iter(f"{{{NS['bpmn']}}}participant")}
    assert lanes | participants <= set(shapes)
    assert set(shapes) | set(edges) <= ids, "diagram interchange for elements that do not exist"


@by_file
def test_lanes_are_horizontal_pools_holding_their_shapes_without_overlaps(path):
    root = tree(path)
    nodes = flow_nodes(root)
    for plane in root.iter(f"{{{NS['bpmndi']}}}BPMNPlane"):
        shapes = {s.get("bpmnElement"): s for s in plane.findall("bpmndi:BPMNShape", NS)}
        placed = [
            (element_id, bounds(shape))
            for element_id, shape in shapes.items()
            if element_id in nodes and local(nodes[element_id]) != "boundaryEvent"
        ]
        for i, (first, box) in enumerate(placed):
            for second, other in placed[i + 1 :]:
                assert not overlap(box, other), f"{first} and {second} overlap"
        for element_id, shape in shapes.items():
            node = nodes.get(element_id)
            if node is not None and local(node) == "boundaryEvent":
                host = shapes[node.get("attachedToRef")]
                assert overlap(bounds(shape), bounds(host)), f"{element_id} is off its host"

    main = root.find("bpmndi:BPMNDiagram/bpmndi:BPMNPlane", NS)
    shapes = {s.get("bpmnElement"): s for s in main.findall("bpmndi:BPMNShape", NS)}
    (participant,) = root.iter(f"{{{NS['bpmn']}}}participant")
    pool = bounds(shapes[participant.get("id")])
    assert shapes[participant.get("id")].get("isHorizontal") == "true"
    lanes = list(root.iter(f"{{{NS['bpmn']}}}lane"))
    lane_boxes = [bounds(shapes[lane.get("id")]) for lane in lanes]
    for lane, box in zip(lanes, lane_boxes, strict=True):
        assert shapes[lane.get("id")].get("isHorizontal") == "true"
        assert box[1] >= pool[1] and box[1] + box[3] <= pool[1] + pool[3] + 0.5
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            x, y, w, h = bounds(shapes[ref.text])
            centre_x, centre_y = x + w / 2, y + h / 2
            if local(nodes[ref.text]) == "boundaryEvent":
                continue
            assert box[0] <= centre_x <= box[0] + box[2], f"{ref.text} outside its lane"
            assert box[1] <= centre_y <= box[1] + box[3], f"{ref.text} outside its lane"
    for i, box in enumerate(lane_boxes):
        for other in lane_boxes[i + 1 :]:
            assert not overlap(box, other), "lanes overlap"


@by_file
def test_ids_are_readable_snake_case(path):
    root = tree(path)
    for element in root.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if element_id is None:
            continue
        assert SNAKE_CASE.fullmatch(element_id), f"{element_id} is not snake_case"
        assert not GENERATED.fullmatch(element_id), f"{element_id} looks generated"


@by_file
def test_element_ids_never_reuse_a_form_field_id(path):
    """SpiffWorkflow looks elements up by id in the whole file: a form field with the
    same id as a task is taken for the task and the file does not parse."""
    root = tree(path)
    fields = {f.get("id") for f in root.iter(f"{{{NS['camunda']}}}formField")}
    assert set(flow_nodes(root)) & fields == set()


@by_file
def test_every_lane_is_named_after_a_role_and_holds_every_node(path, service):
    roles = service.list_roles()
    names = {re.sub(r"[\s_\-]+", " ", n.lower()) for r in roles for n in (r.key, r.name)}
    root = tree(path)
    lanes = list(root.iter(f"{{{NS['bpmn']}}}lane"))
    assert lanes, "the diagram has no lanes"
    for lane in lanes:
        assert re.sub(r"[\s_\-]+", " ", lane.get("name").lower()) in names, lane.get("name")
    in_lanes = {ref.text for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", NS)}
    (process,) = root.findall("bpmn:process", NS)
    top_level = {n.get("id") for n in process if isinstance(n.tag, str) and local(n) in FLOW_NODES}
    assert top_level == in_lanes


@by_file
def test_every_user_task_explains_itself_with_a_labelled_form(path):
    root = tree(path)
    for node in flow_nodes(root).values():
        if local(node) != "userTask":
            continue
        assert node.get("name"), node.get("id")
        assert node.findtext("bpmn:documentation", namespaces=NS), f"{node.get('id')}: say why"
        fields = node.findall(".//camunda:formField", NS)
        assert fields, f"{node.get('id')} has no form"
        for field in fields:
            assert field.get("label") and field.get("label") != field.get("id"), field.get("id")


@by_file
def test_process_starts_with_a_start_form_and_its_program_defaults(path):
    root = tree(path)
    (process,) = root.findall("bpmn:process", NS)
    (start,) = process.findall("bpmn:startEvent", NS)
    assert start.findall(".//camunda:formField", NS), "HR starts it through a start form"
    (first,) = [
        f.get("targetRef")
        for f in process.findall("bpmn:sequenceFlow", NS)
        if f.get("sourceRef") == start.get("id")
    ]
    assert first == "apply_program_defaults"


def test_every_thrown_message_starts_a_shipped_process_with_a_dict_payload():
    starts, throws = set(), []
    for path in BPMN_FILES:
        root = tree(path)
        names = {m.get("id"): m.get("name") for m in root.findall("bpmn:message", NS)}
        for definition in root.iter(f"{{{NS['bpmn']}}}messageEventDefinition"):
            event = definition.getparent()
            name = names[definition.get("messageRef")]
            if local(event) == "startEvent":
                starts.add(name)
            else:
                throws.append((path.name, event.get("id"), name, definition))
    assert throws
    for file_name, event_id, name, definition in throws:
        assert name in starts, f"{file_name} {event_id}: no process starts on '{name}'"
        payload = definition.get(f"{{{NS['camunda']}}}expression")
        assert isinstance(ast.parse(payload, mode="eval").body, ast.Dict), event_id
