"""Instances through the service: start, run, error state, cancel, history, round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import event

from engine import FormValidationError, InvalidStateError, NotFoundError, PermissionDeniedError

DATA = Path(__file__).parents[1] / "data" / "engine"

GOOD_CANDIDATE = {
    "candidate_name": "Jordan Reyes",
    "years_experience": 6,
    "youth_engagement": True,
    "basic_course_date": "2024-05-01",
    "communication": "excellent",
}


@pytest.fixture
def review(people):
    people.deploy_files([str(DATA / "candidate_review.bpmn"), str(DATA / "failing_script.bpmn")])
    return people


def record(service, data, school="lincoln_high"):
    instance = service.start_instance(
        "candidate_review", username="hana", data={"school_id": school}
    )
    (task,) = instance.open_tasks
    service.complete_task(task.id, username="hana", data=data)
    return service.get_instance(instance.id)


def test_qualified_candidate_goes_to_the_school_administrator(review):
    instance = record(review, GOOD_CANDIDATE)
    assert instance.state == "running"
    assert instance.data["qualified"] is True
    assert instance.subject == "Jordan Reyes"
    (interview,) = instance.open_tasks
    assert (interview.element_id, interview.lane) == ("interview", "School administrator")
    assert interview.candidate_roles == ("school_admin",)
    assert interview.school_id == "lincoln_high"


def test_unqualified_candidate_ends_with_reasons(review):
    weak = {**GOOD_CANDIDATE, "years_experience": 1, "communication": "fair"}
    instance = record(review, weak)
    assert instance.state == "completed"
    assert instance.open_tasks == ()
    assert instance.data["reasons"] == [
        "less than 3 years of sworn experience",
        "communication below good",
    ]
    assert [e.type for e in instance.history] == ["started", "completed", "instance_completed"]


def test_history_records_who_did_what_with_the_values(review):
    instance = record(review, GOOD_CANDIDATE)
    started, completed = instance.history
    assert (started.type, started.user) == ("started", "hana")
    assert (completed.type, completed.user, completed.element_id) == (
        "completed",
        "hana",
        "record_candidate",
    )
    assert completed.details["values"]["years_experience"] == 6
    assert completed.details["changed"]["qualified"] == [None, True]


def test_failing_script_leaves_the_instance_in_error_with_message_and_element(review):
    instance = review.start_instance("failing_script", username="hana", data={})
    review.complete_task(instance.open_tasks[0].id, username="hana", data={"divisor": 0})
    failed = review.get_instance(instance.id)
    assert failed.state == "error"
    assert failed.error_element_id == "divide"
    assert "division by zero" in failed.error_message
    assert failed.open_tasks == ()
    assert failed.history[-1].type == "error"


def test_cancel_closes_open_tasks_and_is_recorded(review):
    instance = review.start_instance("candidate_review", username="hana", data={})
    cancelled = review.cancel_instance(instance.id, username="hana", reason="vacancy withdrawn")
    assert cancelled.state == "cancelled"
    assert cancelled.open_tasks == ()
    assert review.list_tasks(username="hana") == []
    assert cancelled.history[-1].details == {"reason": "vacancy withdrawn"}
    with pytest.raises(InvalidStateError):
        review.cancel_instance(instance.id, username="hana")


def test_only_hr_or_admin_may_cancel(review):
    instance = review.start_instance("candidate_review", username="hana", data={})
    with pytest.raises(PermissionDeniedError):
        review.cancel_instance(instance.id, username="sam")


def test_starting_needs_a_starter_role_and_a_deployed_process(review):
    with pytest.raises(PermissionDeniedError):
        review.start_instance("candidate_review", username="lina", data={})
    with pytest.raises(NotFoundError):
        review.start_instance("no_such_process", username="hana", data={})


def test_school_admin_of_another_school_cannot_see_the_instance(review):
    instance = review.start_instance(
        "candidate_review", username="hana", data={"school_id": "lincoln_high"}
    )
    assert review.get_instance(instance.id, username="lina").id == instance.id
    with pytest.raises(NotFoundError):
        review.get_instance(instance.id, username="rosa")
    assert [i.id for i in review.list_instances(username="rosa")] == []


def test_a_school_list_pages_through_its_own_instances_however_many_others_exist(review):
    """Limits and offsets count only what the user may see: newer instances of another
    school do not push a school administrator's own off her list."""
    theirs = [
        review.start_instance("candidate_review", username="hana", data={"school_id": school})
        for school in ["roosevelt_middle"] * 3 + ["lincoln_high"] * 6
    ]
    own = [i.id for i in theirs[:3]][::-1]  # newest first
    assert [i.id for i in review.list_instances(username="rosa", limit=2)] == own[:2]
    assert [i.id for i in review.list_instances(username="rosa", limit=2, offset=2)] == own[2:]
    assert review.count_instances(username="rosa") == 3
    assert review.count_instances(username="rosa", state="completed") == 0
    assert review.count_instances() == 9
    assert len(review.list_instances(username="hana", limit=5, offset=5)) == 4


def test_a_list_page_shows_each_instances_open_tasks_in_a_fixed_number_of_queries(review):
    started = [
        review.start_instance("candidate_review", username="hana", data={"school_id": school})
        for school in ("lincoln_high", "roosevelt_middle", "lincoln_high")
    ]
    record(review, GOOD_CANDIDATE)  # this one moved on to its interview
    statements = []

    def count(_connection, _cursor, statement, *args):
        statements.append(statement)

    event.listen(review.db_engine, "before_cursor_execute", count)
    listed = review.list_instances()
    event.remove(review.db_engine, "before_cursor_execute", count)
    assert [[t.element_id for t in i.open_tasks] for i in listed] == [["interview"]] + [
        ["record_candidate"]
    ] * 3
    assert {t.instance_id for i in listed for t in i.open_tasks} == {i.id for i in listed}
    assert [i.id for i in listed[1:]] == [i.id for i in reversed(started)]
    assert all(i.history == () for i in listed)
    assert len(statements) == 2  # the page and its open tasks, not a query per row


def test_instance_diagram_marks_completed_and_waiting_elements(review):
    instance = record(review, GOOD_CANDIDATE)
    diagram = review.get_instance_diagram(instance.id)
    assert "record_candidate" in diagram.completed_element_ids
    assert diagram.active_element_ids == ("interview",)
    assert "<bpmn:process" in diagram.bpmn_xml


def test_saved_state_round_trips_exactly(review):
    """What is stored reloads to the same state (spec stored once per version)."""
    from engine.bpmn import serializer
    from engine.db.models import Instance, ProcessVersion

    instance = record(review, GOOD_CANDIDATE)
    with review._sessions() as session:
        row = session.get(Instance, instance.id)
        spec_json = session.get(ProcessVersion, row.process_version_id).spec_json
        restored = serializer.workflow_from_json(row.workflow_state, spec_json)
        assert serializer.workflow_to_json(restored) == row.workflow_state
        assert "spec" not in json.loads(row.workflow_state)


def test_starting_for_an_unknown_school_is_refused(review):
    with pytest.raises(FormValidationError) as refused:
        review.start_instance("candidate_review", username="hana", data={"school_id": "atlantis"})
    assert refused.value.errors == {"school_id": "no school 'atlantis'"}
    assert review.list_instances() == []
