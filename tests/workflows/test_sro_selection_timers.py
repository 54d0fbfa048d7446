"""SRO selection starting the officer's other processes (message starts)."""

from __future__ import annotations

from tests.workflows.test_sro_selection import interview, record_qualified_candidate


def test_selected_officer_starts_probation_and_the_first_training_year(driver):
    instance = record_qualified_candidate(driver)
    interview(driver, instance)
    driver.complete(
        "ada", "decide_selection", instance, selection_decision="select", decision_reason="Yes."
    )
    driver.complete(
        "hana", "assign_officer", instance, assignment_start="2026-10-01", probation_length="P4M"
    )

    (probation,) = driver.instances("sro_probation", officer_id="otto")
    assert probation.school_id == "lincoln_high"
    assert probation.subject == "Olivia Ortiz"
    assert probation.data["probation_length"] == "P4M"
    assert driver.open_elements(probation.id) == ["probation_period_ends"]
    (training,) = driver.instances("sro_training", officer_id="otto")
    assert training.data["training_year"] == 1
    assert training.data["basic_course_due"] == "2027-10-01"
    assert len(driver.inbox("otto", training.id)) == 3


def test_not_selected_candidate_starts_nothing(driver):
    instance = record_qualified_candidate(driver)
    interview(driver, instance, school="do_not_recommend")
    driver.complete(
        "ada",
        "decide_selection",
        instance,
        selection_decision="do_not_select",
        decision_reason="Not now.",
    )

    assert driver.instances("sro_probation") == []
    assert driver.instances("sro_training") == []
