"""Task operations: queues, claim, unclaim, reassign, complete with form validation."""

from __future__ import annotations

import pytest

from engine import (
    ConflictError,
    FormValidationError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.engine.samples import CANDIDATE, DATA


@pytest.fixture
def review(people):
    people.deploy_files([str(DATA / "candidate_review.bpmn")])
    return people


def start(service, school="lincoln_high"):
    instance = service.start_instance(
        "candidate_review", username="hana", data={"school_id": school}
    )
    return instance, instance.open_tasks[0]


def interview_task(service, school="lincoln_high"):
    instance, task = start(service, school)
    service.complete_task(task.id, username="hana", data=CANDIDATE)
    return service.get_instance(instance.id).open_tasks[0]


def test_queue_shows_lane_tasks_to_the_role_only(review):
    _, task = start(review)
    assert [t.id for t in review.list_tasks(username="hana", view="queue")] == [task.id]
    assert review.list_tasks(username="hana", view="mine") == []
    assert review.list_tasks(username="sam") == []
    assert review.count_tasks(username="hana") == 1


def test_claim_moves_a_task_to_mine_and_blocks_others(review):
    review.add_user("hugo", roles=["hr"])
    _, task = start(review)
    claimed = review.claim_task(task.id, username="hana")
    assert claimed.assignee == "hana"
    assert [t.id for t in review.list_tasks(username="hana", view="mine")] == [task.id]
    assert review.list_tasks(username="hugo", view="queue") == []
    with pytest.raises(ConflictError):
        review.claim_task(task.id, username="hugo")
    with pytest.raises(PermissionDeniedError):
        review.complete_task(task.id, username="hugo", data=CANDIDATE)


def test_unclaim_returns_the_task_to_the_queue(review):
    _, task = start(review)
    review.claim_task(task.id, username="hana")
    assert review.unclaim_task(task.id, username="hana").assignee is None
    assert [t.id for t in review.list_tasks(username="hana", view="queue")] == [task.id]


def test_reassign_is_for_hr_and_admin_and_only_to_someone_who_may_work_it(review):
    task = interview_task(review)
    with pytest.raises(PermissionDeniedError):
        review.reassign_task(task.id, username="sam", to_username="lina")
    with pytest.raises(PermissionDeniedError):
        review.reassign_task(task.id, username="hana", to_username="rosa")
    moved = review.reassign_task(task.id, username="root", to_username="lina")
    assert moved.assignee == "lina"
    assert [t.id for t in review.list_tasks(username="lina", view="mine")] == [task.id]


def test_completing_unclaimed_task_claims_it(review):
    _, task = start(review)
    done = review.complete_task(task.id, username="hana", data=CANDIDATE)
    assert (done.state, done.assignee, done.completed_by) == ("completed", "hana", "hana")
    assert [t.id for t in review.list_tasks(username="hana", view="completed")] == [task.id]


def test_non_candidate_cannot_see_or_complete(review):
    _, task = start(review)
    with pytest.raises(NotFoundError):
        review.complete_task(task.id, username="sam", data=CANDIDATE)
    with pytest.raises(NotFoundError):
        review.get_task(task.id, username="sam")


def test_school_admin_sees_only_own_school(review):
    lincoln = interview_task(review, "lincoln_high")
    roosevelt = interview_task(review, "roosevelt_middle")
    assert [t.id for t in review.list_tasks(username="lina")] == [lincoln.id]
    assert [t.id for t in review.list_tasks(username="rosa")] == [roosevelt.id]
    with pytest.raises(NotFoundError):
        review.get_task(lincoln.id, username="rosa")
    with pytest.raises(NotFoundError):
        review.claim_task(lincoln.id, username="rosa")
    review.complete_task(lincoln.id, username="lina", data={"recommendation": "recommend"})


def test_invalid_form_data_names_every_bad_field_and_changes_nothing(review):
    instance, task = start(review)
    bad = {
        "candidate_name": "J",
        "years_experience": "six",
        "basic_course_date": "2024-13-45",
        "communication": "superb",
        "case_reference": "HR-999",
        "shoe_size": 44,
    }
    with pytest.raises(FormValidationError) as refused:
        review.complete_task(task.id, username="hana", data=bad)
    assert set(refused.value.errors) == {
        "candidate_name",
        "years_experience",
        "basic_course_date",
        "communication",
        "case_reference",
        "shoe_size",
    }
    after = review.get_instance(instance.id)
    assert after.open_tasks[0].id == task.id
    assert after.open_tasks[0].assignee is None
    assert [e.type for e in after.history] == ["started"]
    assert after.data == {"school_id": "lincoln_high"}


def test_form_fields_are_described_with_constraints(review):
    _, task = start(review)
    described = review.get_task(task.id, username="hana")
    fields = {f.id: f for f in described.form}
    assert fields["years_experience"].type == "long"
    assert (fields["years_experience"].min, fields["years_experience"].max) == (0, 40)
    assert [o.id for o in fields["communication"].options] == ["poor", "fair", "good", "excellent"]
    assert fields["case_reference"].readonly
    name_field = described.to_dict(with_form=True)["form"][0]
    assert name_field["required"] is True
    assert name_field["constraints"] == {"minlength": 2, "maxlength": 80}


def test_completing_a_completed_task_is_a_conflict(review):
    """SpiffWorkflow's Task.run() would run a completed task again: we refuse first."""
    _, task = start(review)
    review.complete_task(task.id, username="hana", data=CANDIDATE)
    with pytest.raises(ConflictError):
        review.complete_task(task.id, username="hana", data=CANDIDATE)
    history = review.get_instance(review.list_tasks(username="lina")[0].instance_id).history
    assert [e.type for e in history].count("completed") == 1


def test_optional_fields_left_out_are_recorded_as_empty(review):
    instance, task = start(review)
    review.complete_task(task.id, username="hana", data=CANDIDATE)
    data = review.get_instance(instance.id).data
    assert data["basic_course_date"] is None
    assert "case_reference" not in data  # read-only: never written by a submission


def test_those_who_may_work_a_school_task_are_its_school_and_named_people(review):
    task = interview_task(review)  # the school administrator's interview at Lincoln High
    review.add_user("lena", roles=["school_admin"], schools=["lincoln_high"])
    review.update_user("lena", active=False)
    assert [u.username for u in review.users_who_may_work(task.id)] == ["lina"]
    review.reassign_task(task.id, username="hana", to_username="lina")
    assert [u.username for u in review.users_who_may_work(task.id)] == ["lina"]
    with pytest.raises(NotFoundError):
        review.users_who_may_work("no-such-task")
