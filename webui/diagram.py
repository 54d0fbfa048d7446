"""Names of a process's elements, read from its BPMN XML, so the history can say
"completed “Interview candidate”" rather than a bare element id.

Only the standard library's XML parser is used (the engine owns BPMN semantics); the XML is
what the engine stored at deployment.
"""

from __future__ import annotations

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
