"""SRO probation without waiting: a probation started with no time left (probation length
P0D, e.g. entered late by HR) goes straight to the reviews."""

from __future__ import annotations

OFFICER = {
    "officer_id": "otto",
    "officer_name": "Olivia Ortiz",
    "school_id": "lincoln_high",
    "assignment_start": "2026-03-01",
    "probation_length": "P0D",
}


def review(driver, instance, *, recommendation="confirm", administrator="supportive"):
    driver.complete(
        "sam",
        "probationary_review",
        instance,
        supervisor_assessment="meets_expectations",
        supervisor_review_notes="Solid start.",
        supervisor_recommendation=recommendation,
    )
    driver.complete(
        "lina",
        "administrator_probation_input",
        instance,
        administrator_input=administrator,
        administrator_comments="Students trust the officer.",
    )


def test_reviews_run_in_parallel_and_only_the_schools_administrator_gives_input(driver):
    instance = driver.start("sro_probation", **OFFICER)

    assert driver.inbox_elements("sam", instance) == ["probationary_review"]
    assert driver.inbox_elements("lina", instance) == ["administrator_probation_input"]
    assert driver.inbox("rosa") == []
    assert driver.inbox("ada", instance) == []
    assert driver.task("lina", "administrator_probation_input", instance).subject == (
        "Olivia Ortiz"
    )


def test_agency_head_confirms_seeing_both_reviews(driver):
    instance = driver.start("sro_probation", **OFFICER)
    review(driver, instance)

    decision = driver.task_form("ada", "decide_probation", instance)
    assert decision.data["supervisor_recommendation"] == "confirm"
    assert decision.data["administrator_input"] == "supportive"
    driver.complete(
        "ada", "decide_probation", instance, probation_decision="confirm", decision_reason="Fit."
    )

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.data["probation_outcome"] == "confirmed"
    assert record.data["confirmed_on"] == "2026-09-01"


def test_agency_head_removes_an_officer_who_is_not_a_proper_fit(driver):
    instance = driver.start("sro_probation", **OFFICER)
    review(driver, instance, recommendation="remove", administrator="serious_concerns")
    driver.complete(
        "ada",
        "decide_probation",
        instance,
        probation_decision="remove",
        decision_reason="Not a proper fit for a school.",
    )

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.data["probation_outcome"] == "removed"
    assert record.data["assignment_ended_on"] == "2026-09-01"


def test_extension_restarts_the_probation_in_the_same_instance(driver):
    instance = driver.start("sro_probation", **OFFICER)
    review(driver, instance, recommendation="extend", administrator="some_concerns")
    driver.complete(
        "ada",
        "decide_probation",
        instance,
        probation_decision="extend",
        extension_length="P0D",
        decision_reason="More time.",
    )

    data = driver.data(instance)
    assert data["extension_count"] == 1
    assert data["probation_outcome"] == "extended"
    assert driver.inbox_elements("sam", instance) == ["probationary_review"]
    review(driver, instance)
    driver.complete(
        "ada", "decide_probation", instance, probation_decision="confirm", decision_reason="Ok."
    )
    assert driver.instance(instance).state == "completed"


def test_extension_beyond_those_one_instance_holds_ends_this_instance(driver):
    instance = driver.start("sro_probation", **OFFICER)
    for _ in range(3):
        review(driver, instance, recommendation="extend")
        driver.complete(
            "ada",
            "decide_probation",
            instance,
            probation_decision="extend",
            extension_length="P0D",
            decision_reason="More time.",
        )

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.data["extension_count"] == 3
    assert record.data["extensions_in_this_instance"] == 3
