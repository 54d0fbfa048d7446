"""SRO training year with time passing: reminders before due dates, overdue courses
escalated to the supervisor, and the next training year as a new instance.

These need the engine's timers (`fire_due_timers`) and message starts.
"""

from __future__ import annotations

from tests.workflows.test_sro_training import EVERY_YEAR, OFFICER, planned, record_all


def start_year(driver) -> int:
    return driver.start(
        "sro_training",
        **OFFICER,
        training_year=1,
        year_start="2026-09-01",
        basic_course_due="2027-08-15",
    )


def test_reminder_goes_out_thirty_days_before_a_course_is_due(driver):
    instance = start_year(driver)
    driver.pass_time(days=317)  # 2027-07-15: the Basic course is due on 2027-08-15
    assert reminded_tasks(driver, "otto") == set()

    driver.pass_time(days=2)

    (basic,) = reminded_tasks(driver, "otto")
    assert reminded_tasks(driver, "hana") == {basic}
    assert len(driver.inbox("otto", instance)) == 3


def reminded_tasks(driver, username) -> set[str]:
    notifications = driver.service.list_notifications(username=username)
    return {n.task_id for n in notifications if n.kind == "due_soon"}


def test_overdue_course_escalates_to_the_supervisor(driver):
    instance = start_year(driver)
    driver.pass_time(days=349)  # 2027-08-16

    assert len(driver.inbox("otto", instance)) == 2
    follow_up = driver.task_form("sam", "follow_up_overdue_training", instance)
    assert follow_up.subject == "Olivia Ortiz"
    driver.complete(
        "sam",
        "follow_up_overdue_training",
        instance,
        overdue_action="rescheduled",
        overdue_notes="Next available class is in October.",
    )
    record_all(driver, instance, completed_on="2027-08-20")

    data = driver.data(instance)
    assert data["open_courses"] == ["Basic SRO course"]
    assert "basic" not in data["completed_courses"]


def test_supervisor_may_record_a_late_completion(driver):
    instance = start_year(driver)
    driver.pass_time(days=349)
    driver.complete(
        "sam",
        "follow_up_overdue_training",
        instance,
        overdue_action="completed_late",
        completed_on="2027-08-16",
        overdue_notes="Done late.",
    )
    record_all(driver, instance)

    assert "basic" in driver.data(instance)["completed_courses"]


def test_next_training_year_is_a_new_instance_with_the_follow_on_courses(driver):
    instance = start_year(driver)
    record_all(driver, instance)
    driver.pass_time(days=365)  # 2027-09-01

    assert driver.instance(instance).state == "completed"
    first, second = driver.instances("sro_training", officer_id="otto")
    assert first.id == instance
    assert second.data["training_year"] == 2
    assert second.data["year_start"] == "2027-09-01"
    assert sorted(planned(driver, second.id)) == sorted(
        ["advanced", "adolescent_mental_health", "school_cpted", *EVERY_YEAR]
    )
