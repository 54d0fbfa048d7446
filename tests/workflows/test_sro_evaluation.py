"""SRO evaluation without waiting: an evaluation HR starts now (P0D) with the school
administrator's feedback given, through each result of the decision table."""

from __future__ import annotations

OFFICER = {"officer_id": "otto", "officer_name": "Olivia Ortiz", "school_id": "lincoln_high"}
MEETS = {
    "law_enforcement_rating": "meets",
    "educator_rating": "exceeds",
    "counselor_rating": "meets",
    "overall_rating": "meets",
}


def evaluate(driver, *, feedback="supportive", **ratings) -> int:
    """Start an evaluation now, collect the feedback, rate, and let the officer acknowledge."""
    instance = driver.start("sro_evaluation", **OFFICER, evaluation_starts_in="P0D")
    driver.complete(
        "sam",
        "request_administrator_feedback",
        instance,
        feedback_questions="How does the officer work with students?",
    )
    driver.complete(
        "lina",
        "give_evaluation_feedback",
        instance,
        administrator_feedback=feedback,
        administrator_comments="Visible and approachable.",
    )
    driver.complete(
        "sam", "rate_officer", instance, **{**MEETS, **ratings}, supervisor_comments="Noted."
    )
    driver.complete("otto", "acknowledge_evaluation", instance, officer_acknowledged=True)
    return instance


def test_supervisor_requests_feedback_from_the_schools_administrator_only(driver):
    instance = driver.start("sro_evaluation", **OFFICER, evaluation_starts_in="P0D")
    assert driver.inbox_elements("sam", instance) == ["request_administrator_feedback"]
    driver.complete("sam", "request_administrator_feedback", instance)

    assert driver.inbox_elements("lina", instance) == ["give_evaluation_feedback"]
    assert driver.inbox("rosa") == []


def test_only_the_officer_acknowledges_their_evaluation(driver):
    instance = driver.start("sro_evaluation", **OFFICER, evaluation_starts_in="P0D")
    driver.complete("sam", "request_administrator_feedback", instance)
    driver.complete(
        "lina",
        "give_evaluation_feedback",
        instance,
        administrator_feedback="supportive",
        administrator_comments="Good.",
    )
    rating = driver.task_form("sam", "rate_officer", instance)
    assert rating.data["administrator_feedback"] == "supportive"
    driver.complete("sam", "rate_officer", instance, **MEETS, supervisor_comments="Good year.")

    acknowledgement = driver.task("otto", "acknowledge_evaluation", instance)
    assert acknowledgement.assignee == "otto"
    assert driver.inbox("lina", instance) == []
    assert driver.inbox("sam", instance) == []


def test_favorable_evaluation_retains_the_officer_and_schedules_the_next(driver):
    instance = evaluate(driver)

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.data["evaluation_outcome"] == "favorable"
    assert record.data["evaluation_result"] == "retained"


def test_needs_improvement_asks_for_an_improvement_plan_and_waits_for_follow_up(driver):
    instance = evaluate(driver, overall_rating="needs_improvement")

    assert driver.data(instance)["evaluation_outcome"] == "needs_improvement"
    driver.complete(
        "sam", "write_improvement_plan", instance, improvement_plan="Monthly mentoring."
    )
    assert driver.open_elements(instance) == ["follow_up_due"]


def test_unsatisfactory_role_alone_needs_improvement(driver):
    instance = evaluate(driver, counselor_rating="unsatisfactory")

    data = driver.data(instance)
    assert data["evaluation_outcome"] == "needs_improvement"
    assert data["outcome_reason"] == "informal counselor and mentor role unsatisfactory"


def test_serious_concerns_of_the_school_make_needs_improvement_poor(driver):
    instance = evaluate(driver, feedback="serious_concerns", overall_rating="needs_improvement")

    assert driver.data(instance)["evaluation_outcome"] == "poor"
    assert driver.inbox_elements("sam", instance) == ["recommend_removal"]


def test_poor_evaluation_leads_to_removal_by_the_agency_head(driver):
    instance = evaluate(driver, overall_rating="unsatisfactory")
    driver.complete("sam", "recommend_removal", instance, removal_reasons="Repeated complaints.")
    decision = driver.task_form("ada", "decide_removal", instance)
    assert decision.data["administrator_feedback"] == "supportive"
    assert decision.data["removal_reasons"] == "Repeated complaints."
    driver.complete(
        "ada",
        "decide_removal",
        instance,
        removal_decision="remove",
        removal_decision_reason="Complaints confirmed.",
    )

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.data["evaluation_result"] == "removed"
    assert record.data["assignment_ended_on"] == "2026-09-01"


def test_agency_head_may_retain_against_a_removal_recommendation(driver):
    instance = evaluate(driver, overall_rating="unsatisfactory")
    driver.complete("sam", "recommend_removal", instance, removal_reasons="Poor year.")
    driver.complete(
        "ada",
        "decide_removal",
        instance,
        removal_decision="retain",
        removal_decision_reason="New school, new start.",
    )

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.data["evaluation_result"] == "retained by the agency head"
