"""One officer across the processes: selected, on probation, confirmed, evaluated a year
later, removed, and the school's position opened again. Each stage is its own instance,
found again by the officer's id.

This needs the engine's timers (`fire_due_timers`) and message starts.
"""

from __future__ import annotations

from tests.workflows.test_sro_probation import review
from tests.workflows.test_sro_selection import interview, record_qualified_candidate


def test_officer_is_selected_confirmed_evaluated_and_removed_across_instances(driver):
    selection = record_qualified_candidate(driver)
    interview(driver, selection)
    driver.complete(
        "ada", "decide_selection", selection, selection_decision="select", decision_reason="Yes."
    )
    driver.complete("hana", "assign_officer", selection, assignment_start="2026-09-01")

    (probation,) = driver.instances("sro_probation", officer_id="otto")
    assert probation.data["probation_length"] == "P6M"
    driver.pass_time(days=181)
    review(driver, probation.id)
    driver.complete(
        "ada", "decide_probation", probation.id, probation_decision="confirm", decision_reason="Ok."
    )

    (evaluation,) = driver.instances("sro_evaluation", officer_id="otto")
    driver.pass_time(days=366)  # 2027-03-01 + P1Y, across 29 February 2028
    driver.complete("sam", "request_administrator_feedback", evaluation.id)
    driver.complete(
        "lina",
        "give_evaluation_feedback",
        evaluation.id,
        administrator_feedback="serious_concerns",
        administrator_comments="Students avoid the officer.",
    )
    driver.complete(
        "sam",
        "rate_officer",
        evaluation.id,
        law_enforcement_rating="meets",
        educator_rating="needs_improvement",
        counselor_rating="unsatisfactory",
        overall_rating="unsatisfactory",
        supervisor_comments="A hard year.",
    )
    driver.complete("otto", "acknowledge_evaluation", evaluation.id, officer_acknowledged=True)
    driver.complete("sam", "recommend_removal", evaluation.id, removal_reasons="Poor fit.")
    driver.complete(
        "ada",
        "decide_removal",
        evaluation.id,
        removal_decision="remove",
        removal_decision_reason="Not a fit for a school.",
    )

    history = [
        (i.process_id, i.state)
        for i in driver.service.list_instances(limit=100)
        if i.data.get("officer_id") == "otto"
    ]
    assert sorted(history) == [
        ("sro_evaluation", "completed"),
        ("sro_probation", "completed"),
        ("sro_selection", "completed"),
        ("sro_training", "running"),
    ]
    (vacancy,) = driver.instances("sro_selection", previous_officer_id="otto")
    assert vacancy.school_id == "lincoln_high"
    assert driver.inbox_elements("hana", vacancy.id) == ["record_candidate"]
