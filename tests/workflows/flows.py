"""Which sequence flows of a BPMN diagram an instance took, derived from the elements the
engine reports as completed, and a recorder that adds them up over scenarios.

The engine reports element ids (`InstanceDiagram.completed_element_ids`), not flows, so a
flow counts as taken only when the elements prove it:

- its source completed and has this one outgoing flow (a task, an event, a merge), or
- its source is a parallel gateway that completed (all outgoing flows run), or
- its target completed and has this one incoming flow, or
- its source is an exclusive gateway that completed and this flow's target is the only one
  of the gateway's targets that completed or waits now.

Anything else (e.g. an exclusive gateway whose branches all ran in one instance into a
target with several incoming flows) stays unproven; another scenario has to prove it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@dataclass(frozen=True)
class FlowModel:
    """The sequence flows of one process (sub-processes included) and their ends."""

    process_id: str
    flows: dict[str, tuple[str, str]]
    kinds: dict[str, str]

    @classmethod
    def from_xml(cls, xml: str | bytes, process_id: str | None = None) -> FlowModel:
        root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
        processes = root.findall(f"{BPMN}process")
        process = next((p for p in processes if process_id in (None, p.get("id"))), None)
        if process is None:
            raise ValueError(f"no process {process_id!r} in the diagram")
        flows = {
            f.get("id"): (f.get("sourceRef"), f.get("targetRef"))
            for f in process.iter(f"{BPMN}sequenceFlow")
        }
        kinds = {
            node.get("id"): etree.QName(node).localname
            for node in process.iter()
            if isinstance(node.tag, str) and node.get("id")
        }
        return cls(process.get("id"), flows, kinds)

    @classmethod
    def from_file(cls, path: Path) -> FlowModel:
        return cls.from_xml(path.read_bytes())

    def outgoing(self, node: str) -> list[str]:
        return [fid for fid, (src, _) in self.flows.items() if src == node]

    def incoming(self, node: str) -> list[str]:
        return [fid for fid, (_, tgt) in self.flows.items() if tgt == node]

    def taken_flows(self, completed, active=()) -> set[str]:
        """The flows the completed (and, for gateways' choices, active) elements prove."""
        done, waiting = set(completed), set(active)
        taken = set()
        for fid, (src, tgt) in self.flows.items():
            if src not in done or tgt not in done:
                continue
            kind = self.kinds.get(src)
            proven = (
                len(self.outgoing(src)) == 1
                or kind == "parallelGateway"
                or len(self.incoming(tgt)) == 1
            )
            if proven:
                taken.add(fid)
            elif kind == "exclusiveGateway":
                reached = {
                    self.flows[out][1]
                    for out in self.outgoing(src)
                    if self.flows[out][1] in done | waiting
                }
                if reached == {tgt}:
                    taken.add(fid)
        return taken


@dataclass
class FlowRecorder:
    """Adds up the flows proven taken, per process id, over every snapshot it is shown."""

    taken: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _models: dict[tuple[str, int], FlowModel] = field(default_factory=dict)

    def record(self, diagram) -> None:
        """Record one `InstanceDiagram` snapshot."""
        key = (diagram.process_id, diagram.version)
        if key not in self._models:
            self._models[key] = FlowModel.from_xml(diagram.bpmn_xml, diagram.process_id)
        model = self._models[key]
        self.taken[diagram.process_id] |= model.taken_flows(
            diagram.completed_element_ids, diagram.active_element_ids
        )

    def missing(self, model: FlowModel) -> list[str]:
        """The flows of `model` no recorded snapshot proved taken."""
        return sorted(set(model.flows) - self.taken.get(model.process_id, set()))
