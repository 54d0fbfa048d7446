"""Parse BPMN and DMN files with SpiffWorkflow's Camunda parser, turning every failure into
a `DeploymentProblem` that names the file, the line and the element id.

This is one of the few modules that import SpiffWorkflow (see engine/README.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser import BpmnValidator
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, UserTaskParser
from SpiffWorkflow.camunda.specs.multiinstance_task import (
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
)
from SpiffWorkflow.camunda.specs.user_task import Form, UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from engine.bpmn.timers import (
    ClockBoundaryEventParser,
    ClockIntermediateCatchEventParser,
    ClockStartEventParser,
)
from engine.errors import DeploymentProblem

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
}

# Camunda attributes on a user task that SpiffWorkflow's parser drops; we keep them in the
# task spec's `extensions` under these keys so they survive serialization.
ASSIGNMENT_ATTRIBUTES = ("assignee", "candidateGroups", "candidateUsers", "dueDate", "priority")
EXTENSION_PREFIX = "camunda:"


class AssignmentUserTaskParser(UserTaskParser):
    """Keeps `camunda:assignee`, `candidateGroups`, `candidateUsers`, `dueDate`, `priority`."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        element = self.node if node is None else node
        for name in ASSIGNMENT_ATTRIBUTES:
            value = element.get(f"{{{CAMUNDA_MODEL_NS}}}{name}")
            if value is not None and value.strip():
                extensions[EXTENSION_PREFIX + name] = value.strip()
        return extensions


class SroflowParser(CamundaParser):
    """The one parser flavour sroflow uses: Camunda plus the assignment attributes and
    timers that read the engine's clock."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (AssignmentUserTaskParser, UserTask),
        full_tag("startEvent"): (ClockStartEventParser, StartEvent),
        full_tag("intermediateCatchEvent"): (
            ClockIntermediateCatchEventParser,
            IntermediateCatchEvent,
        ),
        full_tag("boundaryEvent"): (ClockBoundaryEventParser, BoundaryEvent),
    }


CamundaMultiInstance = (ParallelMultiInstanceTask, SequentialMultiInstanceTask)

_validator: BpmnValidator | None = None


def _bpmn_validator() -> BpmnValidator:
    """The XSD validator is slow to build (~8 ms): build it once per process."""
    global _validator
    if _validator is None:
        _validator = BpmnValidator()
    return _validator


@dataclass(frozen=True)
class SourceFile:
    """One deployed file: its name (as the process owner knows it) and its XML text."""

    name: str
    content: str

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest()


@dataclass
class ParsedLibrary:
    """What parsing a set of files gives: the parser, each file's XML tree and kind."""

    parser: SroflowParser
    trees: dict[str, etree._Element] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    process_files: dict[str, str] = field(default_factory=dict)
    decision_files: dict[str, str] = field(default_factory=dict)

    def line_of(self, file_name: str | None, element_id: str | None) -> int | None:
        """The source line of an element, which SpiffWorkflow's errors leave out."""
        tree = self.trees.get(file_name or "")
        if tree is None or not element_id:
            return None
        found = tree.xpath("//*[@id=$eid]", eid=element_id)
        return found[0].sourceline if found else None

    def problem(self, error: Exception, file_name: str | None = None) -> DeploymentProblem:
        """Turn a SpiffWorkflow or lxml error into our problem with file, line and id."""
        element_id = getattr(error, "id", None) or None
        name = getattr(error, "file_name", None) or file_name
        message = error.args[0] if error.args else str(error)
        line = getattr(error, "line_number", None) or self.line_of(name, element_id)
        return DeploymentProblem(name, str(message), element_id, line or None)


def _file_kind(root: etree._Element) -> str | None:
    namespace = etree.QName(root).namespace
    if namespace == BPMN_NS and etree.QName(root).localname == "definitions":
        return "bpmn"
    if namespace in DMN_NAMESPACES and etree.QName(root).localname == "definitions":
        return "dmn"
    return None


def parse_files(files: list[SourceFile], *, validate: bool = True) -> ParsedLibrary:
    """Parse BPMN and DMN files together; raise a list of problems if any file is bad.

    Returns the library with every process parsed; call `load_specs` for one process.
    """
    library = ParsedLibrary(parser=SroflowParser(validator=_bpmn_validator() if validate else None))
    problems: list[DeploymentProblem] = []
    for source in files:
        try:
            root = etree.fromstring(source.content.encode("utf-8"))
        except etree.XMLSyntaxError as error:
            line = error.lineno if error.lineno else None
            problems.append(
                DeploymentProblem(source.name, f"not well-formed XML: {error.msg}", None, line)
            )
            continue
        kind = _file_kind(root)
        if kind is None:
            tag = etree.QName(root).localname
            problems.append(
                DeploymentProblem(
                    source.name, f"not a BPMN 2.0 or DMN file (root element <{tag}>)", None, 1
                )
            )
            continue
        library.trees[source.name] = root
        library.kinds[source.name] = kind
    if problems:
        raise ParseFailure(problems)
    # DMN first: business rule tasks look their decisions up while the BPMN is parsed.
    for name, root in sorted(
        library.trees.items(), key=lambda item: library.kinds[item[0]] != "dmn"
    ):
        try:
            if library.kinds[name] == "dmn":
                library.parser.add_dmn_xml(root, filename=name)
                for decision_id in root.xpath("./*[local-name()='decision']/@id"):
                    library.decision_files[decision_id] = name
            else:
                library.parser.add_bpmn_xml(root, filename=name)
                for process in root.xpath("./*[local-name()='process']"):
                    library.process_files[process.get("id")] = name
        except (ValidationException, SpiffWorkflowException, etree.LxmlError) as error:
            problems.append(library.problem(error, name))
        except (KeyError, ValueError, TypeError, AttributeError, IndexError) as error:
            problems.append(DeploymentProblem(name, f"cannot be parsed: {error!r}"))
    if problems:
        raise ParseFailure(problems)
    return library


def executable_process_ids(library: ParsedLibrary) -> list[str]:
    """The processes marked `isExecutable="true"`, in a stable order."""
    return sorted(library.parser.get_process_ids())


def load_specs(library: ParsedLibrary, process_id: str):
    """The process spec and the specs of everything it calls, resolved across files."""
    try:
        spec = library.parser.get_spec(process_id)
        subprocess_specs = library.parser.get_subprocess_specs(process_id)
        for process_spec in [spec, *subprocess_specs.values()]:
            _settle_multi_instance(process_spec)
    except (ValidationException, SpiffWorkflowException) as error:
        raise ParseFailure(
            [library.problem(error, library.process_files.get(process_id))]
        ) from None
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as error:
        problem = DeploymentProblem(
            library.process_files.get(process_id), f"cannot be parsed: {error!r}", process_id
        )
        raise ParseFailure([problem]) from None
    return spec, subprocess_specs


def _settle_multi_instance(process_spec) -> None:
    """Give a collection-based Camunda multi-instance its input settings now.

    SpiffWorkflow's Camunda flavour adds them to the spec object while running; we rebuild
    specs from their stored JSON on every load, so without this each later step would see
    a spec without them (results appended to the collection instead of replacing items).
    """
    for task_spec in process_spec.task_specs.values():
        if not isinstance(task_spec, CamundaMultiInstance):
            continue
        if task_spec.cardinality is None and task_spec.data_output is not None:
            task_spec.data_input = TaskDataReference(task_spec.data_output.bpmn_id)
            if task_spec.output_item is not None:
                task_spec.input_item = TaskDataReference(task_spec.output_item.bpmn_id)


class ParseFailure(Exception):
    """Internal: carries the problems up to the deployment, which raises DeploymentError."""

    def __init__(self, problems: list[DeploymentProblem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


def _camunda(name: str) -> str:
    return f"{{{CAMUNDA_MODEL_NS}}}{name}"


def start_form_dict(process) -> dict | None:
    """The camunda:formData of a process's (none-)start event, in SpiffWorkflow's Form
    dict shape; SpiffWorkflow's parser reads forms of user tasks only."""
    starts = process.xpath("./*[local-name()='startEvent']")
    for start in starts:
        fields = start.xpath(".//*[local-name()='formData']/*[local-name()='formField']")
        if not fields:
            continue
        result = []
        for node in fields:
            result.append(
                {
                    "id": node.get("id"),
                    "type": node.get("type"),
                    "label": node.get("label"),
                    "default_value": node.get("defaultValue"),
                    "properties": [
                        {"id": p.get("id"), "value": p.get("value")}
                        for p in node.xpath("./*[local-name()='properties']/*")
                    ],
                    "validation": [
                        {"name": v.get("name"), "config": v.get("config")}
                        for v in node.xpath("./*[local-name()='validation']/*")
                    ],
                    "options": [
                        {"id": o.get("id"), "name": o.get("name")}
                        for o in node.xpath("./*[local-name()='value']")
                    ],
                }
            )
        return {"key": start.get(_camunda("formKey")) or "", "fields": result}
    return None


def form_from_dict(data: dict | None):
    """A SpiffWorkflow Form object from `start_form_dict` output (None stays None)."""
    return Form(init=data) if data else None
