"""One process starts another by throwing a message that a message start event catches."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import DeploymentError

DATA = Path(__file__).parents[1] / "data" / "engine" / "messages"


def test_message_end_event_starts_the_catching_process_with_its_payload(people):
    people.deploy_files([str(DATA)])
    first = people.start_instance("hand_over", username="hana", data={"school_id": "lincoln_high"})
    people.complete_task(first.open_tasks[0].id, username="hana", data={"officer_name": "Kim"})
    assert people.get_instance(first.id).state == "completed"

    (started,) = people.list_instances(process_id="follow_up")
    assert started.data["officer_id"] == "officer-kim"
    assert started.school_id == "lincoln_high"
    assert started.started_by == "hana"  # who completed the step that threw it
    assert [i.id for i in people.list_instances(business_key="officer-kim")] == [started.id]
    (welcome,) = started.open_tasks
    assert [t.id for t in people.list_tasks(username="lina")] == [welcome.id]
    assert people.list_tasks(username="rosa") == []
    history = people.get_instance(first.id).history
    thrown = next(e for e in history if e.type == "message_thrown")
    assert thrown.details == {"message": "officer_assigned", "started": ["follow_up"]}


def test_a_message_start_process_can_also_be_started_by_hand(people):
    people.deploy_files([str(DATA)])
    instance = people.start_instance(
        "follow_up", username="hana", data={"school_id": "lincoln_high", "officer_name": "Kim"}
    )
    assert instance.open_tasks[0].element_id == "welcome_officer"


def test_a_message_thrown_midway_starts_its_target_once(people):
    people.deploy_files([str(DATA)])
    instance = people.start_instance("notify_midway", username="hana", data={})
    for _ in range(2):
        task = people.get_instance(instance.id).open_tasks[0]
        people.complete_task(task.id, username="hana", data={})
    assert people.get_instance(instance.id).state == "completed"
    assert len(people.list_instances(process_id="follow_up")) == 1


def test_a_bad_message_payload_is_refused_at_deployment(people):
    xml = (
        (DATA / "hand_over.bpmn")
        .read_text()
        .replace('camunda:expression="{', 'camunda:expression="${')
    )
    with pytest.raises(DeploymentError) as refused:
        people.deploy_sources([("hand_over.bpmn", xml)])
    (problem,) = refused.value.problems
    assert problem.element_id == "officer_assigned_message"
    assert "message payload" in problem.message


def test_the_user_whose_step_threw_the_message_starts_the_new_instance(people):
    people.deploy_files([str(DATA)])
    first = people.start_instance("hand_over", username="hana", data={"school_id": "lincoln_high"})
    people.add_user("hugo", roles=["hr"])
    people.complete_task(first.open_tasks[0].id, username="hugo", data={"officer_name": "Kim"})
    (started,) = people.list_instances(process_id="follow_up")
    assert started.started_by == "hugo"
