"""One process starts another by throwing a message that a message start event catches."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parents[1] / "data" / "engine" / "messages"


def test_message_end_event_starts_the_catching_process_with_its_payload(people):
    people.deploy_files([str(DATA)])
    first = people.start_instance("hand_over", username="hana", data={"school_id": "lincoln_high"})
    people.complete_task(first.open_tasks[0].id, username="hana", data={"officer_name": "Kim"})
    assert people.get_instance(first.id).state == "completed"

    (started,) = people.list_instances(process_id="follow_up")
    assert started.data["officer_id"] == "officer-kim"
    assert started.school_id == "lincoln_high"
    assert started.started_by == "hana"
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
