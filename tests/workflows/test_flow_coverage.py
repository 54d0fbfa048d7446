"""Every sequence flow of every shipped diagram is taken by at least one scenario.

The check runs each scenario of tests/workflows (each `test_*(driver)` function) on a fresh
SQLite database with a `FlowRecorder`, then compares the flows proven taken with the flows
of every diagram in workflows/. A flow no scenario takes fails the suite, naming it.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from engine import EngineService, FixedClock
from engine.db.session import make_db_engine
from tests.conftest import add_people
from tests.workflows.driver import WORKFLOWS, Driver
from tests.workflows.flows import FlowModel, FlowRecorder

HERE = Path(__file__).parent
PROBE = Path(__file__).parents[1] / "data" / "workflows" / "coverage_probe.bpmn"
NOT_SCENARIOS = {"test_flow_coverage", "test_diagrams"}


def scenarios():
    """(name, function) of every scenario: a test function taking only `driver`."""
    for path in sorted(HERE.glob("test_*.py")):
        if path.stem in NOT_SCENARIOS:
            continue
        module = importlib.import_module(f"tests.workflows.{path.stem}")
        for name, function in vars(module).items():
            takes_driver = inspect.isfunction(function) and list(
                inspect.signature(function).parameters
            ) == ["driver"]
            if name.startswith("test_") and takes_driver:
                yield f"{path.stem}::{name}", function


def run_scenario(function, database_url: str, recorder: FlowRecorder) -> None:
    """Run one scenario on its own migrated database with the shipped diagrams."""
    db_engine = make_db_engine(database_url)
    clock = FixedClock()
    try:
        service = EngineService(db_engine=db_engine, clock=clock)
        service.upgrade_database()
        add_people(service)
        service.deploy_files([WORKFLOWS], deployed_by="pat")
        function(Driver(service, clock, recorder))
    finally:
        db_engine.dispose()


def shipped_models() -> list[FlowModel]:
    return [FlowModel.from_file(path) for path in sorted(Path(WORKFLOWS).rglob("*.bpmn"))]


def test_every_sequence_flow_is_taken_by_some_scenario(tmp_path):
    recorder = FlowRecorder()
    failed = {}
    found = list(scenarios())
    assert len(found) > 20, "the scenario modules were not found"
    for index, (name, function) in enumerate(found):
        try:
            run_scenario(function, f"sqlite:///{tmp_path / f'scenario_{index}.db'}", recorder)
        except Exception as error:  # the scenario's own test reports it in full
            failed[name] = f"{type(error).__name__}: {error}".splitlines()[0][:200]

    missing = {m.process_id: recorder.missing(m) for m in shipped_models()}
    missing = {process_id: flows for process_id, flows in missing.items() if flows}
    report = [f"{pid}: no scenario takes {', '.join(flows)}" for pid, flows in missing.items()]
    if failed:
        report.append("scenarios that failed before the end (their flows may be missing):")
        report += [f"  {name}: {why}" for name, why in sorted(failed.items())]
    assert not missing, "\n".join(report)


# -- the checker itself ------------------------------------------------------------------


def test_taken_flows_are_those_the_completed_elements_prove():
    model = FlowModel.from_file(PROBE)
    completed = {
        "probe_started", "choose_branch", "branch_gateway", "take_left", "branches_merge",
        "probe_done",
    }  # fmt: skip

    assert model.taken_flows(completed) == {
        "flow_started", "flow_chosen", "flow_to_left", "flow_left_done", "flow_done",
    }  # fmt: skip


def test_a_gateway_flow_the_elements_cannot_prove_stays_unproven():
    model = FlowModel.from_xml(
        """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
          <bpmn:process id="loop" isExecutable="true">
            <bpmn:exclusiveGateway id="choice" />
            <bpmn:scriptTask id="work" />
            <bpmn:exclusiveGateway id="merge" />
            <bpmn:sequenceFlow id="skip" sourceRef="choice" targetRef="merge" />
            <bpmn:sequenceFlow id="do_work" sourceRef="choice" targetRef="work" />
            <bpmn:sequenceFlow id="work_done" sourceRef="work" targetRef="merge" />
          </bpmn:process>
        </bpmn:definitions>"""
    )

    assert model.taken_flows({"choice", "work", "merge"}) == {"do_work", "work_done"}
    assert model.taken_flows({"choice", "merge"}) == {"skip"}
    assert model.taken_flows({"choice", "merge"}, active={"work"}) == set()


def test_recorder_reports_the_branch_no_scenario_took(people, clock):
    people.deploy_files([str(PROBE)])
    recorder = FlowRecorder()
    driver = Driver(people, clock, recorder)
    model = FlowModel.from_file(PROBE)

    left = driver.start("coverage_probe")
    driver.complete("hana", "choose_branch", left, branch="left")
    assert recorder.missing(model) == ["flow_right_done", "flow_to_right"]

    right = driver.start("coverage_probe")
    driver.complete("hana", "choose_branch", right, branch="right")
    assert recorder.missing(model) == []
