"""Timers move with the engine clock: probation ends, deadlines, reminders, yearly starts,
and failing timers are retried with backoff. No test sleeps."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data" / "engine" / "timers"


@pytest.fixture
def timed(people):
    people.deploy_files([str(DATA / "timed_review.bpmn"), str(DATA / "short_wait.bpmn")])
    return people


def start_review(service, length="P6M"):
    return service.start_instance(
        "timed_review",
        username="hana",
        data={"probation_length": length, "school_id": "lincoln_high", "officer_name": "Kim Lee"},
    )


def test_probation_timer_fires_when_its_length_has_passed(timed, clock):
    started_at = clock.now()
    instance = start_review(timed)
    assert instance.open_tasks == ()
    (timer,) = timed.list_timers(instance_id=instance.id)
    assert timer.element_id == "wait_probation"
    assert timer.due_at == started_at.replace(year=started_at.year + 1, month=3)  # Sep + 6M

    clock.advance(days=150)
    assert timed.fire_due_timers().fired == 0
    assert timed.get_instance(instance.id).open_tasks == ()

    clock.set(timer.due_at + timedelta(minutes=1))
    assert timed.fire_due_timers().fired == 1
    after = timed.get_instance(instance.id)
    assert sorted(t.element_id for t in after.open_tasks) == ["admin_input", "supervisor_review"]
    assert [e.type for e in after.history].count("timer_fired") == 1
    assert timed.fire_due_timers().fired == 0  # fired exactly once


def test_due_dates_come_from_camunda_due_date_and_interrupting_boundary_timers(timed, clock):
    instance = start_review(timed, "P1D")
    clock.advance(days=1, minutes=1)
    timed.fire_due_timers()
    tasks = {t.element_id: t for t in timed.get_instance(instance.id).open_tasks}
    now = clock.now()
    assert tasks["supervisor_review"].due_at == now + timedelta(days=30)
    assert tasks["admin_input"].due_at == now + timedelta(days=14)
    listed = timed.list_tasks(username="lina")
    assert listed[0].due_at == now + timedelta(days=14)


def test_missing_administrator_input_lets_the_review_go_on_recorded(timed, clock):
    instance = start_review(timed, "P1D")
    clock.advance(days=1, minutes=1)
    timed.fire_due_timers()

    clock.advance(days=10, minutes=1)
    assert timed.fire_due_timers().fired == 1  # the reminder
    reminders = timed.list_notifications(username="lina")
    assert [n.kind for n in reminders] == ["due_soon"]
    assert "Administrator input" in reminders[0].subject
    assert {t.element_id for t in timed.get_instance(instance.id).open_tasks} == {
        "admin_input",
        "supervisor_review",
    }

    clock.advance(days=4)
    assert timed.fire_due_timers().fired == 1  # the deadline
    after = timed.get_instance(instance.id)
    assert after.data["admin_input_received"] is False
    assert [t.element_id for t in after.open_tasks] == ["supervisor_review"]
    assert timed.list_tasks(username="lina") == []

    review = after.open_tasks[0]
    timed.complete_task(review.id, username="sam", data={"supervisor_rating": 4})
    assert timed.get_instance(instance.id).state == "completed"
    assert timed.list_timers(instance_id=instance.id) == []


def test_input_in_time_removes_the_deadline_timer(timed, clock):
    instance = start_review(timed, "P1D")
    clock.advance(days=1, minutes=1)
    timed.fire_due_timers()
    admin_task = next(t for t in timed.list_tasks(username="lina"))
    timed.complete_task(admin_task.id, username="lina", data={"admin_comment": "Great fit"})
    assert timed.list_timers(instance_id=instance.id) == []
    clock.advance(days=30)
    assert timed.fire_due_timers().fired == 0
    assert "admin_input_received" not in timed.get_instance(instance.id).data


def test_timer_start_event_starts_an_instance_every_year(people, clock):
    deployed_at = clock.now()
    people.deploy_files([str(DATA / "yearly_check.bpmn")])
    (timer,) = people.list_timers()
    assert (timer.kind, timer.process_id) == ("start", "yearly_check")
    assert timer.due_at == deployed_at.replace(year=deployed_at.year + 1)

    clock.set(timer.due_at + timedelta(hours=1))
    assert people.fire_due_timers().fired == 1
    (instance,) = people.list_instances(process_id="yearly_check")
    assert instance.open_tasks[0].element_id == "check_records"
    (next_timer,) = people.list_timers()
    assert next_timer.due_at == deployed_at.replace(year=deployed_at.year + 2)
    assert people.fire_due_timers().fired == 0


def test_failing_timer_puts_the_instance_in_error_and_retries_with_backoff(timed, clock):
    bad = timed.start_instance("short_wait", username="hana", data={"wait": "PT1H", "divisor": 0})
    good = timed.start_instance("short_wait", username="hana", data={"wait": "PT1H", "divisor": 4})
    clock.advance(hours=2)
    report = timed.fire_due_timers()
    assert (report.fired, report.failed) == (1, 1)
    assert timed.get_instance(good.id).state == "completed"
    failed = timed.get_instance(bad.id)
    assert failed.state == "error"
    assert "division by zero" in failed.error_message
    (timer,) = timed.list_timers(instance_id=bad.id)
    assert (timer.attempts, timer.state) == (1, "waiting")
    assert timer.due_at == clock.now() + timedelta(minutes=1)

    for _ in range(10):
        clock.advance(hours=1)
        timed.fire_due_timers()
    (timer,) = timed.list_failed_timers()
    assert (timer.instance_id, timer.attempts, timer.state) == (bad.id, 5, "failed")
    assert "division by zero" in timer.last_error


def test_overdue_tasks_are_announced_once(timed, clock):
    start_review(timed, "P1D")
    clock.advance(days=1, minutes=1)
    timed.fire_due_timers()
    clock.advance(days=29)  # supervisor review due in a day; admin input 15 days late
    assert timed.scan_due_tasks() == 2
    assert [n.kind for n in timed.list_notifications(username="sam")] == ["due_soon"]
    assert [n.kind for n in timed.list_notifications(username="lina")] == ["overdue"]
    clock.advance(days=2)
    assert timed.scan_due_tasks() == 1
    assert timed.scan_due_tasks() == 0
    kinds = [n.kind for n in timed.list_notifications(username="sam")]
    assert sorted(kinds) == ["due_soon", "overdue"]
    assert timed.deliver_notifications() == 3
    assert timed.deliver_notifications() == 0


def test_a_duration_that_is_not_iso_leaves_the_instance_in_error(timed):
    instance = timed.start_instance(
        "short_wait", username="hana", data={"wait": "six months", "divisor": 1}
    )
    assert instance.state == "error"
    assert instance.error_element_id == "wait_an_hour"
    assert "'six months' is not an ISO 8601 duration" in instance.error_message
