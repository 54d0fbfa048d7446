"""Our deployment rules on top of SpiffWorkflow's parser: every expression compiles in the
sandbox, every user task has candidates and a valid form, unsupported constructs are named.

Each finding is a `DeploymentProblem` with file, line and element id.
"""

from __future__ import annotations

import ast
import re

from engine.assignment import assignment_problem
from engine.bpmn.parser import EXTENSION_PREFIX, ParsedLibrary, form_from_dict, start_form_dict
from engine.bpmn.sandbox import check_expression, check_script
from engine.errors import DeploymentProblem, ScriptError
from engine.forms import check_form_definition

_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")
_PYTHON_FORMATS = {"", "python", "text/x-python", "py"}
# An ISO 8601 duration, repeating interval or date written without quotes.
_BARE_ISO = re.compile(r"^(R\d*/|P(\d|T\d)|\d{4}-\d{2}-\d{2})")


def _problem(library, file_name, element, message) -> DeploymentProblem:
    element_id = element.get("id") if element is not None else None
    line = element.sourceline if element is not None else None
    return DeploymentProblem(file_name, message, element_id, line)


def _local(tag_name: str) -> str:
    return f".//*[local-name()='{tag_name}']"


def _first(found):
    return found[0] if found else None


def _owner(element):
    """The nearest ancestor (or self) with an id: the element a process owner would click."""
    while element is not None and element.get("id") is None:
        element = element.getparent()
    return element


def _check_text(library, file_name, element, text, *, script=False, what="expression"):
    if text is None or not text.strip():
        return []
    try:
        (check_script if script else check_expression)(text.strip())
    except ScriptError as error:
        return [_problem(library, file_name, _owner(element), f"{what}: {error}")]
    return []


def check_bpmn_file(library: ParsedLibrary, file_name: str, lookup: dict[str, str]):
    """Expressions, scripts, timers and user tasks of one BPMN file."""
    root = library.trees[file_name]
    problems: list[DeploymentProblem] = []
    for cond in root.xpath(_local("conditionExpression")):
        problems += _check_text(library, file_name, cond, cond.text, what="condition")
    for node in root.xpath(_local("completionCondition")):
        problems += _check_text(library, file_name, node, node.text, what="completion condition")
    for node in root.xpath(_local("loopCardinality")):
        problems += _check_text(library, file_name, node, node.text, what="loop cardinality")
    camunda_expression = "{http://camunda.org/schema/1.0/bpmn}expression"
    for node in root.xpath(_local("messageEventDefinition")):
        problems += _check_text(
            library, file_name, node, node.get(camunda_expression), what="message payload"
        )
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for node in root.xpath(_local(tag)):
            event = node.getparent().getparent()  # the event, not its timer definition
            if _BARE_ISO.match((node.text or "").strip()):
                text = node.text.strip()
                problems.append(
                    _problem(
                        library,
                        file_name,
                        event,
                        f'timer {tag}: {text} is read as Python; quote it ("{text}")'
                        " or use a variable that holds it",
                    )
                )
                continue
            problems += _check_text(library, file_name, event, node.text, what=f"timer {tag}")
    for task in root.xpath(_local("scriptTask")):
        script_format = (task.get("scriptFormat") or "").strip().lower()
        if script_format not in _PYTHON_FORMATS:
            problems.append(
                _problem(
                    library,
                    file_name,
                    task,
                    f"script format '{script_format}' is not supported; scripts are Python",
                )
            )
            continue
        for script in task.xpath(_local("script")):
            problems += _check_text(
                library, file_name, task, script.text, script=True, what="script"
            )
    broken_references = _check_references(library, file_name, root)
    if broken_references:  # SpiffWorkflow's own message for these is misleading
        return problems + broken_references
    problems += _check_user_tasks(library, file_name, lookup)
    for process in root.xpath(_local("process")):
        form = start_form_dict(process)
        if form is not None:
            start = process.xpath("./*[local-name()='startEvent']")[0]
            for problem in check_form_definition(
                form_from_dict(form), file_name=file_name, element_id=start.get("id")
            ):
                problem.line = problem.line or start.sourceline
                problems.append(problem)
    return problems


def _check_references(library, file_name, root) -> list[DeploymentProblem]:
    """Sequence flows and lanes must point at elements that exist (the XSD does not check)."""
    problems = []
    for process in root.xpath(_local("process")):
        ids = set(process.xpath(".//@id"))
        for flow in process.xpath(_local("sequenceFlow")):
            for attribute in ("sourceRef", "targetRef"):
                target = flow.get(attribute)
                if not target:
                    problems.append(_problem(library, file_name, flow, f"has no {attribute}"))
                elif target not in ids:
                    problems.append(
                        _problem(library, file_name, flow, f"{attribute} '{target}' does not exist")
                    )
        for ref in process.xpath(_local("flowNodeRef")):
            if (ref.text or "").strip() not in ids:
                lane = _owner(ref)
                problems.append(
                    _problem(library, file_name, lane, f"lane lists unknown element '{ref.text}'")
                )
    return problems


def _check_user_tasks(library: ParsedLibrary, file_name: str, lookup) -> list[DeploymentProblem]:
    problems = []
    root = library.trees[file_name]
    for process in root.xpath(_local("process")):
        try:
            spec = library.parser.get_process_parser(process.get("id")).get_spec()
        except Exception as error:  # SpiffWorkflow caches a half-built spec: report it here
            problems.append(library.problem(error, file_name))
            continue
        problems += _check_spec_user_tasks(library, file_name, spec, lookup)
    return problems


def _check_spec_user_tasks(library, file_name, spec, lookup) -> list[DeploymentProblem]:
    problems = []
    element_ids = {t.bpmn_id for t in spec.task_specs.values() if t.bpmn_id}
    for task_spec in spec.task_specs.values():
        if not getattr(task_spec, "manual", False) or not hasattr(task_spec, "form"):
            continue
        element_id = task_spec.bpmn_id
        line = library.line_of(file_name, element_id)
        extensions = getattr(task_spec, "extensions", None) or {}
        assignment = {
            k[len(EXTENSION_PREFIX) :]: v
            for k, v in extensions.items()
            if k.startswith(EXTENSION_PREFIX)
        }
        why = assignment_problem(assignment, task_spec.lane, lookup)
        if why:
            problems.append(DeploymentProblem(file_name, why, element_id, line))
        for field in getattr(task_spec.form, "fields", None) or ():
            if field.id in element_ids:  # SpiffWorkflow then fails with a misleading error
                problems.append(
                    DeploymentProblem(
                        file_name,
                        f"form field '{field.id}' has the id of an element of this process;"
                        " rename the field or the element",
                        element_id,
                        line,
                    )
                )
        for problem in check_form_definition(
            task_spec.form, file_name=file_name, element_id=element_id
        ):
            problem.line = problem.line or line
            problems.append(problem)
        due = assignment.get("dueDate")
        if due:
            try:
                check_expression(due)
            except ScriptError as error:
                problems.append(
                    DeploymentProblem(file_name, f"camunda:dueDate: {error}", element_id, line)
                )
    return problems


def check_dmn_file(library: ParsedLibrary, file_name: str) -> list[DeploymentProblem]:
    """Every DMN cell must be a Python expression our engine really evaluates as meant."""
    root = library.trees[file_name]
    problems: list[DeploymentProblem] = []
    for table in root.xpath(_local("decisionTable")):
        inputs = []
        for node in table.xpath("./*[local-name()='input']"):
            text = _first(node.xpath(_local("text")))
            expression = text.text.strip() if text is not None and text.text else ""
            if not expression:
                problems.append(_problem(library, file_name, node, "input has no expression"))
            problems += _check_text(library, file_name, node, expression, what="input expression")
            inputs.append(expression)
        for rule in table.xpath("./*[local-name()='rule']"):
            entries = rule.xpath("./*[local-name()='inputEntry']")
            for index, entry in enumerate(entries):
                text = _first(entry.xpath(_local("text")))
                cell = (text.text or "").strip() if text is not None else ""
                expression = inputs[index] if index < len(inputs) else ""
                why = _input_cell_problem(cell, expression)
                if why:
                    problems.append(
                        _problem(library, file_name, rule, f"input cell {cell!r}: {why}")
                    )
            for entry in rule.xpath("./*[local-name()='outputEntry']"):
                text = _first(entry.xpath(_local("text")))
                problems += _check_text(
                    library,
                    file_name,
                    rule,
                    text.text if text is not None else None,
                    what="output cell",
                )
    return problems


def _input_cell_problem(cell: str, expression: str) -> str | None:
    """Why SpiffWorkflow would evaluate this input cell wrongly or not at all."""
    if cell in ("", "-"):
        return None
    if cell.startswith("[") and ".." in cell or re.match(r"^\s*not\s*\(", cell):
        return "FEEL ranges and not(...) are not supported; write Python, e.g. `5 <= ? <= 9`"
    if _QUESTION_MARK.search(cell):
        candidate = _QUESTION_MARK.sub("dmninputexpr", cell)
    else:
        try:
            parsed = ast.parse(cell, mode="eval").body
        except SyntaxError:
            parsed = None
        if isinstance(parsed, ast.Tuple):
            return "FEEL lists never match here; write `? in ('a', 'b')`"
        candidate = (
            f"({expression}) == ({cell})" if parsed is not None else f"({expression}) {cell}"
        )
    try:
        check_expression(candidate)
    except ScriptError as error:
        return str(error)
    return None


def check_library_files(library: ParsedLibrary, file_names, lookup) -> list[DeploymentProblem]:
    problems = []
    for name in file_names:
        if library.kinds.get(name) == "dmn":
            problems += check_dmn_file(library, name)
        elif library.kinds.get(name) == "bpmn":
            problems += check_bpmn_file(library, name, lookup)
    return problems


def process_element(library: ParsedLibrary, process_id: str):
    file_name = library.process_files.get(process_id)
    if file_name is None:
        return None
    found = library.trees[file_name].xpath("./*[local-name()='process'][@id=$pid]", pid=process_id)
    return found[0] if found else None


def decision_refs(process) -> list[str]:
    attr = "{http://camunda.org/schema/1.0/bpmn}decisionRef"
    return [n.get(attr) for n in process.iter() if isinstance(n.tag, str) and n.get(attr)]


def starter_roles(process) -> list[str]:
    raw = process.get("{http://camunda.org/schema/1.0/bpmn}candidateStarterGroups") or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


def start_message_names(process) -> list[str]:
    """Names of the messages the process's start events catch."""
    root = process.getroottree().getroot()
    names = []
    for ref in process.xpath(
        "./*[local-name()='startEvent']/*[local-name()='messageEventDefinition']/@messageRef"
    ):
        found = root.xpath("./*[local-name()='message'][@id=$ref]/@name", ref=ref)
        names.append(found[0] if found else ref)
    return names


def start_timer_definitions(process) -> list[tuple[str, str, str]]:
    """(start event id, timeDate|timeDuration|timeCycle, expression) of timer start events."""
    result = []
    for start in process.xpath("./*[local-name()='startEvent']"):
        for kind in ("timeDate", "timeDuration", "timeCycle"):
            for node in start.xpath(
                f"./*[local-name()='timerEventDefinition']/*[local-name()='{kind}']"
            ):
                if node.text and node.text.strip():
                    result.append((start.get("id"), kind, node.text.strip()))
    return result
