"""SRO training year without waiting: the plan from the decision table and completions
recorded by the officer or HR."""

from __future__ import annotations

OFFICER = {"officer_id": "otto", "officer_name": "Olivia Ortiz", "school_id": "lincoln_high"}
EVERY_YEAR = ["school_safety_conference", "single_officer_rapid_deployment"]


def planned(driver, instance) -> dict[str, str]:
    return {item["course"]: item["due_on"] for item in driver.data(instance)["training_items"]}


def record_all(driver, instance, username="otto", completed_on="2026-11-05") -> None:
    """Record every open course of the year as completed."""
    for task in driver.inbox(username, instance):
        driver.complete_task(
            username, task, completed_on=completed_on, certificate_reference="on file"
        )


def test_first_year_without_basic_course_plans_it_by_its_due_date(driver):
    instance = driver.start(
        "sro_training",
        **OFFICER,
        training_year=1,
        year_start="2026-09-01",
        basic_course_due="2027-08-15",
    )

    assert planned(driver, instance) == {
        "basic": "2027-08-15",
        "single_officer_rapid_deployment": "2027-09-01",
        "school_safety_conference": "2027-09-01",
    }


def test_basic_course_before_assignment_brings_the_follow_on_courses(driver):
    instance = driver.start(
        "sro_training", **OFFICER, year_start="2026-09-01", basic_course_completed_on="2026-06-01"
    )

    assert sorted(planned(driver, instance)) == sorted(
        ["advanced", "adolescent_mental_health", "school_cpted", *EVERY_YEAR]
    )


def test_officer_and_hr_may_record_completions_but_not_other_schools(driver):
    instance = driver.start("sro_training", **OFFICER, year_start="2026-09-01")

    assert len(driver.inbox("otto", instance)) == 3
    assert len(driver.inbox("hana", instance)) == 3
    assert driver.inbox("rosa") == []
    assert driver.inbox("lina", instance) == []
    driver.complete_task("hana", driver.inbox("hana", instance)[0], completed_on="2026-10-01")
    assert len(driver.inbox("otto", instance)) == 2


def test_each_course_task_shows_its_own_course_and_due_date(driver):
    instance = driver.start(
        "sro_training", **OFFICER, year_start="2026-09-01", basic_course_due="2027-08-15"
    )

    shown = {
        (form.data["training_course_name"], form.data["training_due_on"])
        for form in (
            driver.service.get_task(task.id, username="otto")
            for task in driver.inbox("otto", instance)
        )
    }
    assert shown == {
        ("Basic SRO course", "2027-08-15"),
        ("Single-officer rapid deployment refresher", "2027-09-01"),
        ("School-safety conference (state, regional or national)", "2027-09-01"),
    }
    driver.complete(
        "otto",
        "record_completion",
        instance,
        where={"training_course": "basic"},
        completed_on="2026-10-01",
    )
    assert "basic" not in {
        driver.service.get_task(task.id, username="otto").data["training_course"]
        for task in driver.inbox("otto", instance)
    }


def test_each_course_task_is_named_after_its_course_in_the_inbox(driver):
    instance = driver.start(
        "sro_training", **OFFICER, year_start="2026-09-01", basic_course_due="2027-08-15"
    )

    assert sorted(task.name for task in driver.inbox("otto", instance)) == [
        "Record training completion: Basic SRO course",
        "Record training completion: School-safety conference (state, regional or national)",
        "Record training completion: Single-officer rapid deployment refresher",
    ]


def test_year_with_every_course_done_waits_for_the_next_year(driver):
    instance = driver.start("sro_training", **OFFICER, year_start="2026-09-01")
    record_all(driver, instance)

    data = driver.data(instance)
    assert sorted(data["completed_courses"]) == ["basic", *EVERY_YEAR]
    assert data["open_courses"] == []
    assert data["next_year_start"] == "2027-09-01"
    assert driver.open_elements(instance) == ["training_year_ends"]
