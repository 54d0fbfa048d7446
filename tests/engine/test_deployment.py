"""Deployments: versioning by content, refusal of broken files with file/line/element,
DMN and call activities across files."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import DeploymentError

DATA = Path(__file__).parents[1] / "data" / "engine"
REVIEW = str(DATA / "candidate_review.bpmn")


def test_deploy_creates_version_one_and_ignores_unchanged_content(service):
    first = service.deploy_files([REVIEW])
    second = service.deploy_files([REVIEW])
    assert [(p.process_id, p.version, p.changed) for p in first.processes] == [
        ("candidate_review", 1, True)
    ]
    assert [(p.process_id, p.version, p.changed) for p in second.processes] == [
        ("candidate_review", 1, False)
    ]
    assert [p.version for p in service.list_processes()] == [1]


def test_changed_content_is_a_new_version_and_running_instances_stay_on_theirs(service, people):
    service.deploy_files([REVIEW])
    old = service.start_instance("candidate_review", username="hana", data={})
    changed = Path(REVIEW).read_text().replace('label="Candidate name"', 'label="Full name"')
    result = service.deploy_sources([("candidate_review.bpmn", changed)])
    assert result.processes[0].version == 2
    new = service.start_instance("candidate_review", username="hana", data={})
    assert (old.version, new.version) == (1, 2)
    old_form = service.get_task(old.open_tasks[0].id, username="hana").form
    new_form = service.get_task(new.open_tasks[0].id, username="hana").form
    assert old_form[0].label == "Candidate name"
    assert new_form[0].label == "Full name"


@pytest.mark.parametrize(
    ("file_name", "element_id", "fragment"),
    [
        ("missing_target.bpmn", "flow_to_nowhere", "no_such_task"),
        ("unknown_role.bpmn", "approve_budget", "unknown role(s) treasurer"),
        ("no_candidates.bpmn", "orphan_task", "no candidates"),
        ("bad_condition.bpmn", "f_juel", "Python"),
        ("syntax_error.bpmn", "compute_score", "script"),
        ("feel_list.dmn", "rule_good_or_excellent", "FEEL lists"),
    ],
)
def test_broken_file_is_refused_naming_file_element_and_problem(
    service, file_name, element_id, fragment
):
    with pytest.raises(DeploymentError) as refused:
        service.deploy_files([str(DATA / "broken" / file_name)])
    problems = refused.value.problems
    assert any(
        p.file_name == file_name and p.element_id == element_id and fragment in p.message
        for p in problems
    ), [str(p) for p in problems]
    located = [p for p in problems if p.element_id == element_id]
    assert located[0].line, "the problem should carry the element's line"
    assert service.list_processes() == []


def test_feel_range_in_dmn_is_refused_with_a_python_hint(service):
    with pytest.raises(DeploymentError) as refused:
        service.deploy_files([str(DATA / "broken" / "feel_list.dmn")])
    messages = [str(p) for p in refused.value.problems if p.element_id == "rule_range"]
    assert messages and "5 <= ? <= 9" in messages[0]


@pytest.mark.parametrize("file_name", ["not_bpmn.bpmn", "malformed.bpmn"])
def test_non_bpmn_or_malformed_xml_is_refused_with_a_line(service, file_name):
    with pytest.raises(DeploymentError) as refused:
        service.deploy_files([str(DATA / "broken" / file_name)])
    (problem,) = refused.value.problems
    assert problem.file_name == file_name
    assert problem.line is not None
    assert "not a BPMN" in problem.message or "well-formed" in problem.message


def test_one_broken_file_refuses_the_whole_deployment(service):
    with pytest.raises(DeploymentError):
        service.deploy_files([REVIEW, str(DATA / "broken" / "unknown_role.bpmn")])
    assert service.list_processes() == []


def test_missing_path_is_refused(service, tmp_path):
    with pytest.raises(DeploymentError, match="no such file"):
        service.deploy_files([str(tmp_path / "nothing.bpmn")])


def test_dmn_and_call_activity_resolve_across_files_and_run(service, people):
    result = service.deploy_files([str(DATA / "screening")])
    assert {p.process_id for p in result.processes} == {"screening_process", "record_outcome"}
    instance = service.start_instance(
        "screening_process", username="hana", data={"years_experience": 4}
    )
    assert instance.data["qualified"] is True
    (task,) = instance.open_tasks
    assert task.element_id == "confirm_outcome"
    assert task.candidate_roles == ("hr",)
    service.complete_task(task.id, username="hana", data={"confirmed": True})
    assert service.get_instance(instance.id).state == "completed"


def test_changing_only_a_decision_table_versions_the_processes_using_it(service):
    service.deploy_files([str(DATA / "screening")])
    dmn = (DATA / "screening" / "screen_candidate.dmn").read_text().replace("&gt;= 3", "&gt;= 5")
    result = service.deploy_sources([("screen_candidate.dmn", dmn)])
    versions = {p.process_id: (p.version, p.changed) for p in result.processes}
    assert versions == {"screening_process": (2, True)}
    assert {p.process_id: p.version for p in service.list_processes()} == {
        "record_outcome": 1,
        "screening_process": 2,
    }


def test_a_later_deployment_may_call_a_process_deployed_earlier(service, people):
    service.deploy_files([str(DATA / "screening" / "record_outcome.bpmn")])
    service.deploy_files(
        [
            str(DATA / "screening" / "screening_process.bpmn"),
            str(DATA / "screening" / "screen_candidate.dmn"),
        ]
    )
    instance = service.start_instance(
        "screening_process", username="hana", data={"years_experience": 1}
    )
    assert instance.data["qualified"] is False
    assert instance.open_tasks[0].element_id == "confirm_outcome"


def test_a_form_field_named_like_an_element_is_refused(service):
    xml = Path(REVIEW).read_text().replace('formField id="candidate_name"', 'formField id="screen"')
    with pytest.raises(DeploymentError) as refused:
        service.deploy_sources([("candidate_review.bpmn", xml)])
    assert any(
        p.element_id == "record_candidate" and "form field 'screen'" in p.message
        for p in refused.value.problems
    )


def test_an_unquoted_iso_duration_in_a_timer_is_refused_with_a_hint(service):
    timers = Path(REVIEW).parent / "timers" / "timed_review.bpmn"
    xml = timers.read_text().replace('"P14D"', "P14D")
    with pytest.raises(DeploymentError) as refused:
        service.deploy_sources([("timed_review.bpmn", xml)])
    (problem,) = refused.value.problems
    assert problem.element_id == "admin_input_deadline"
    assert 'quote it ("P14D")' in problem.message
