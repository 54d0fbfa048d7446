"""SRO selection without timers: screening, interviews scoped to the school, the decision."""

from __future__ import annotations

VACANCY = {"school_id": "lincoln_high", "vacancy_reference": "LHS-2026-1"}
QUALIFIED = {
    "candidate_name": "Olivia Ortiz",
    "officer_id": "otto",
    "sworn_years": 5,
    "youth_engagement": True,
    "youth_engagement_evidence": "Coaches the youth soccer league",
    "communication_rating": "good",
}


def record_qualified_candidate(driver, **changes) -> int:
    instance = driver.start("sro_selection", **VACANCY)
    driver.complete("hana", "record_candidate", instance, **{**QUALIFIED, **changes})
    return instance


def interview(driver, instance, *, school="recommend", panel=("recommend", "recommend")):
    driver.complete(
        "hana",
        "schedule_interviews",
        instance,
        interview_date="2026-09-15",
        panel_interviewers="sam, ada",
    )
    driver.complete(
        "lina",
        "interview_school_admin",
        instance,
        admin_interviewers="Lina (principal)",
        admin_recommendation=school,
        admin_comments="Knows our students well.",
    )
    for username, recommendation in zip(("sam", "ada"), panel, strict=True):
        driver.complete(
            username,
            "score_candidate",
            instance,
            law_enforcement_score=4,
            educator_score=3,
            counselor_score=5,
            panel_recommendation=recommendation,
            panel_comments=f"{username}'s notes",
        )
    driver.complete(
        "hana",
        "consolidate_results",
        instance,
        hr_summary="Strong candidate.",
        hr_recommendation="select",
    )


def test_unqualified_candidate_ends_not_qualified_with_every_reason(driver):
    instance = driver.start("sro_selection", **VACANCY)
    driver.complete(
        "hana",
        "record_candidate",
        instance,
        candidate_name="Nate Newman",
        officer_id="nate",
        sworn_years=2,
        youth_engagement=False,
        communication_rating="fair",
    )

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.subject == "Nate Newman"
    assert record.data["selection_outcome"] == "not_qualified"
    assert record.data["outcome_reasons"] == [
        "fewer than 3 years of sworn law enforcement experience",
        "no willingness to engage with youth shown",
        "communication skills rated below good",
    ]
    assert driver.inbox("lina", instance) == []


def test_one_shortfall_is_the_only_reason_given(driver):
    instance = driver.start("sro_selection", **VACANCY)
    driver.complete(
        "hana", "record_candidate", instance, **{**QUALIFIED, "communication_rating": "poor"}
    )

    assert driver.data(instance)["outcome_reasons"] == ["communication skills rated below good"]


def test_exactly_three_years_and_good_communication_qualify(driver):
    instance = record_qualified_candidate(driver, sworn_years=3)

    assert driver.inbox_elements("hana", instance) == ["schedule_interviews"]
    assert driver.data(instance)["screening_reasons"] == []


def test_interviews_are_scoped_to_the_school_and_each_panel_member(driver):
    instance = record_qualified_candidate(driver)
    driver.complete(
        "hana",
        "schedule_interviews",
        instance,
        interview_date="2026-09-15",
        panel_interviewers="sam, ada",
    )

    assert driver.inbox_elements("lina", instance) == ["interview_school_admin"]
    assert driver.inbox("rosa") == []
    assert driver.task("sam", "score_candidate", instance).assignee == "sam"
    assert driver.task("ada", "score_candidate", instance).assignee == "ada"
    # Each score sheet is named after its panel member, so HR can tell them apart.
    assert driver.task("ada", "score_candidate", instance).name.endswith("(agency panel): ada")
    school_task = driver.task("lina", "interview_school_admin", instance)
    assert school_task.school_id == "lincoln_high"
    assert school_task.subject == "Olivia Ortiz"


def test_recommended_candidate_is_selected_and_owes_the_basic_course(driver):
    instance = record_qualified_candidate(driver)
    interview(driver, instance)

    decision = driver.task_form("ada", "decide_selection", instance)
    assert decision.data["admin_recommendation"] == "recommend"
    assert decision.data["admin_comments"] == "Knows our students well."
    assert (
        "sam: law enforcement 4, educator 3, informal counselor 5"
        in (decision.data["panel_summary"])
    )
    driver.complete(
        "ada",
        "decide_selection",
        instance,
        selection_decision="select",
        decision_reason="Best fit for Lincoln High.",
    )
    driver.complete("hana", "assign_officer", instance, assignment_start="2026-10-01")

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.data["selection_outcome"] == "selected"
    assert record.data["basic_course_due"] == "2027-10-01"


def test_candidate_who_completed_basic_course_owes_nothing(driver):
    instance = record_qualified_candidate(driver, basic_course_completed_on="2025-05-20")
    interview(driver, instance)
    driver.complete(
        "ada", "decide_selection", instance, selection_decision="select", decision_reason="Ready."
    )
    driver.complete(
        "hana", "assign_officer", instance, assignment_start="2026-10-01", probation_length="P1Y"
    )

    data = driver.data(instance)
    assert data["basic_course_due"] is None
    assert data["probation_length"] == "P1Y"


def test_school_and_panel_do_not_recommend_and_candidate_is_not_selected(driver):
    instance = record_qualified_candidate(driver)
    interview(driver, instance, school="do_not_recommend", panel=("do_not_recommend", "recommend"))

    decision = driver.task_form("ada", "decide_selection", instance)
    assert decision.data["admin_recommendation"] == "do_not_recommend"
    driver.complete(
        "ada",
        "decide_selection",
        instance,
        selection_decision="do_not_select",
        decision_reason="The school does not support it.",
    )

    record = driver.instance(instance)
    assert record.state == "completed"
    assert record.data["selection_outcome"] == "not_selected"
    assert record.data["outcome_reasons"] == ["The school does not support it."]


def test_agency_head_may_select_against_reservations(driver):
    instance = record_qualified_candidate(driver)
    interview(
        driver,
        instance,
        school="recommend_with_reservations",
        panel=("recommend", "do_not_recommend"),
    )
    driver.complete(
        "ada",
        "decide_selection",
        instance,
        selection_decision="select",
        decision_reason="Reservations addressed in training.",
    )

    assert driver.inbox_elements("hana", instance) == ["assign_officer"]
