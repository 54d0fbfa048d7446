"""Names of a process's elements and form fields, read from its BPMN XML, so the history
can say "completed “Interview candidate”" rather than a bare element id, and a recorded value
shows under its form label ("Years of sworn experience: 6", not "sworn_years: 6").

Only the standard library's XML parser is used (the engine owns BPMN semantics); the XML is
what the engine stored at deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from xml.etree import ElementTree


def element_names(bpmn_xml: str) -> dict[str, str]:
    """{element id: name} for every element that has both; {} if the XML does not parse."""
    try:
        root = ElementTree.fromstring(bpmn_xml)
    except ElementTree.ParseError:
        return {}
    return {
        node.get("id"): " ".join(node.get("name").split())
        for node in root.iter()
        if node.get("id") and node.get("name")
    }


CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"


@dataclass(frozen=True)
class FieldText:
    """How the process's forms name a field and its options, for showing recorded values."""

    label: str
    options: dict[str, str]


@lru_cache(maxsize=32)
def form_fields(bpmn_xml: str) -> dict[str, FieldText]:
    """{field id: its label and option labels} over every form of the process (the first
    form that has the field names it); {} if the XML does not parse. Deployed versions
    never change, so the answer is cached per XML text."""
    try:
        root = ElementTree.fromstring(bpmn_xml)
    except ElementTree.ParseError:
        return {}
    fields: dict[str, FieldText] = {}
    for node in root.iter(f"{CAMUNDA}formField"):
        field_id = node.get("id")
        if not field_id or field_id in fields:
            continue
        options = {v.get("id"): v.get("name") or v.get("id") for v in node.iter(f"{CAMUNDA}value")}
        fields[field_id] = FieldText(" ".join((node.get("label") or field_id).split()), options)
    return fields
